"""Shop fixtures: a seller's organisation and a quick way to put products on sale."""
from __future__ import annotations

import io

import pytest
from PIL import Image


@pytest.fixture
def seller(factory):
    """An owner and their cooperative."""
    owner = factory.user("Chủ HTX")
    org = factory.org(owner, name="HTX Bưởi Diễn Thử")
    return owner, org


@pytest.fixture
def make_product(db):
    """make_product(actor, org, name=..., stock=..., **fields) → an active product, committed."""
    from app.shop import services

    def make(actor, org, name="Bưởi Diễn", *, stock=0, category="fruit", unit="fruit", price=60000, **fields):
        fields.setdefault("status", "active")
        data = services.ProductData(name=name, category=category, unit=unit, price=price, **fields)
        product = services.create_product(actor, org, data, stock=stock)
        db.session.commit()
        return product

    return make


@pytest.fixture
def image_bytes():
    """image_bytes(fmt="PNG", size=(64, 48)) → a real picture's bytes."""

    def make(fmt="PNG", size=(64, 48), color=(200, 120, 30)) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", size, color).save(out, format=fmt)
        return out.getvalue()

    return make
