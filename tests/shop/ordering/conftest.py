"""Ordering fixtures: a buyer, a product with stock, and a helper to fill the cart and check out."""
from __future__ import annotations

import uuid

import pytest

from app.core.addresses import commune_province, find_commune


@pytest.fixture
def buyer(factory):
    return factory.user("Người Mua")


@pytest.fixture
def stocked(seller, make_product):
    owner, org = seller
    product = make_product(owner, org, "Bưởi Diễn", stock=10, price=60000)
    return product.variants[0]


@pytest.fixture
def address():
    commune = find_commune("Xã Ô Diên")
    province = commune_province(commune)
    return {"province_code": province, "commune_code": commune}


@pytest.fixture
def place(db, address):
    """place(cart, buyer, method="cod", key=None) → orders, committed."""
    from app.shop.ordering import services

    def run(cart, buyer, method="cod", key=None, **extra):
        orders = services.checkout(cart, buyer, name="Người Mua", phone="0912 345 678", street="Số 5, thôn Đông",
                                   note=None, payment_method=method, idempotency_key=key or uuid.uuid4().hex,
                                   stripe_enabled=extra.pop("stripe_enabled", False), **address, **extra)
        db.session.commit()
        return orders

    return run
