"""Notification fixtures: provider doubles started per test and the app pointed at them, a buyer with an order."""
from __future__ import annotations

import json
import uuid

import pytest

from tests.doubles.esms import EsmsDouble
from tests.doubles.push import PushDouble, vapid_keys
from tests.doubles.zalo import ZaloDouble

ZNS_TEMPLATES = {"order_placed": "227001", "order_confirmed": "227002", "order_shipped": "227003",
                 "order_delivered": "227004", "order_paid": "227005", "order_cancelled": "227006",
                 "order_returned": "227007", "order_expired": "227008"}


@pytest.fixture
def zalo(app, monkeypatch):
    with ZaloDouble() as double:
        for key, value in {"ZALO_APP_ID": double.app_id, "ZALO_APP_SECRET": double.app_secret,
                           "ZALO_REFRESH_TOKEN": double.refresh_token, "ZALO_OAUTH_API_BASE": double.url,
                           "ZALO_ZNS_API_BASE": double.url, "ZALO_ZNS_TEMPLATES": json.dumps(ZNS_TEMPLATES)}.items():
            monkeypatch.setitem(app.config, key, value)
        yield double


@pytest.fixture
def esms(app, monkeypatch):
    with EsmsDouble() as double:
        for key, value in {"ESMS_API_KEY": double.api_key, "ESMS_SECRET_KEY": double.secret_key,
                           "ESMS_BRANDNAME": double.brandname, "ESMS_API_BASE": double.url}.items():
            monkeypatch.setitem(app.config, key, value)
        yield double


@pytest.fixture
def push(app, monkeypatch):
    private, public = vapid_keys()
    with PushDouble() as double:
        for key, value in {"VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": public,
                           "VAPID_SUBJECT": "mailto:ops@cholive.test", "WEB_PUSH_ALLOWED_ORIGINS": double.url}.items():
            monkeypatch.setitem(app.config, key, value)
        yield double


@pytest.fixture
def buyer(factory):
    return factory.user("Nguyễn Thị Lan", login="0912345678")


@pytest.fixture
def place_order(db, factory):
    """place_order(buyer) → a COD order of one product from a fresh cooperative, committed (its outbox too)."""
    from app.core.addresses import commune_province, find_commune
    from app.shop import services as shop
    from app.shop.ordering import services as ordering

    def place(buyer, phone="0912345678"):
        owner = factory.user("Chủ HTX")
        org = factory.org(owner, name="HTX Bưởi Diễn")
        product = shop.create_product(owner, org, shop.ProductData(name="Bưởi Diễn", category="fruit", unit="fruit",
                                                                   price=60_000, status="active"), stock=5)
        cart = ordering.get_cart(buyer, None, create=True)
        ordering.add_to_cart(cart, product.variants[0].id, 2)
        commune = find_commune("Phường Hoàn Kiếm")
        [order] = ordering.checkout(cart, buyer, name=buyer.name, phone=phone,
                                    province_code=commune_province(commune), commune_code=commune,
                                    street="12 Hàng Trống", note=None, payment_method="cod",
                                    idempotency_key=uuid.uuid4().hex)
        db.session.commit()
        return order

    return place
