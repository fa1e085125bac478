"""Shipping fixtures: the three carrier doubles, the app pointed at them, a seller in Ô Diên (Đan Phượng before
the reform) using a carrier, and a confirmed COD order to a buyer in Hoàn Kiếm."""
from __future__ import annotations

import uuid

import pytest

from tests.doubles.carriers import GhnDouble, GhtkDouble, VtpDouble

WEBHOOK_SECRETS = {"GHN_WEBHOOK_TOKEN": "ghn-callback-secret", "GHTK_WEBHOOK_HASH": "ghtk-callback-hash",
                   "VTP_WEBHOOK_TOKEN": "vtp-callback-token"}


@pytest.fixture
def carriers(app, monkeypatch):
    from app.shop.shipping.carriers import ghn, viettelpost

    ghn._area_ids.cache_clear()
    viettelpost._area_ids.cache_clear()
    from app.shop.shipping import services

    services._quote_cache.clear()
    with GhnDouble() as g, GhtkDouble() as t, VtpDouble() as v:
        settings = {"SHIPPING_CARRIERS": "ghn,ghtk,viettelpost", "GHN_TOKEN": g.token, "GHN_API_BASE": g.url,
                    "GHTK_TOKEN": t.token, "GHTK_API_BASE": t.url, "VTP_TOKEN": v.token, "VTP_API_BASE": v.url,
                    "VTP_PRINT_TOKEN": v.print_token, **WEBHOOK_SECRETS}
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        yield {"ghn": g, "ghtk": t, "viettelpost": v}


@pytest.fixture
def shop_world(db, factory):
    """shop_world(carrier) → (owner, org, order): the organisation books with `carrier`; the order is confirmed."""
    from app.core.addresses import commune_province, find_commune
    from app.shop import services as shop
    from app.shop.ordering import services as ordering
    from app.shop.shipping.models import ShippingSettings

    def make(carrier: str, *, payment_method: str = "cod", quantity: int = 2):
        owner = factory.user("Chủ HTX Ô Diên")
        org = factory.org(owner, name="HTX Bưởi Ô Diên", phone="+84912000999")
        db.session.add(ShippingSettings(organisation_id=org.id, carriers=carrier, pickup_street="Thôn Thượng Hội",
                                        pickup_phone="+84912000999", ghn_shop_id="885", vtp_group_address_id="5818802",
                                        item_weight_grams=500))
        product = shop.create_product(owner, org, shop.ProductData(name="Bưởi Diễn", category="fruit", unit="fruit",
                                                                   price=60_000, status="active"), stock=20)
        buyer = factory.user("Trần Văn Mua")
        cart = ordering.get_cart(buyer, None, create=True)
        ordering.add_to_cart(cart, product.variants[0].id, quantity)
        commune = find_commune("Phường Hoàn Kiếm")
        [order] = ordering.checkout(cart, buyer, name="Trần Văn Mua", phone="0987654321",
                                    province_code=commune_province(commune), commune_code=commune,
                                    street="12 Hàng Trống", note=None, payment_method=payment_method,
                                    idempotency_key=uuid.uuid4().hex)
        if order.status == "placed":
            ordering.transition(order, "confirmed", owner)
        db.session.commit()
        return owner, org, order

    return make
