"""Practice live fixtures: a trainee with a real household business and two real products."""
from __future__ import annotations

import pytest

from app.shop import services as shop_services


@pytest.fixture
def trainee(factory):
    return factory.user("Phạm Thị Thanh")


@pytest.fixture
def trainee_shop(db, factory, trainee):
    """The trainee's real household business with two real products (one with options)."""
    org = factory.org(trainee, name="Hộ Thanh bán bưởi", kind="household")
    pomelo = shop_services.create_product(trainee, org, shop_services.ProductData(
        name="Bưởi Diễn loại 1", category="fruit", unit="fruit", price=70_000, code="BD1", status="active"), stock=30)
    rice = shop_services.create_product(trainee, org, shop_services.ProductData(
        name="Gạo tám thơm", category="rice", unit="kg", price=30_000, code="GT2", status="active"))
    shop_services.set_variants(trainee, rice, [shop_services.VariantRow(None, "5kg"),
                                               shop_services.VariantRow(None, "10kg", 290_000)])
    db.session.flush()
    from app.shop import inventory
    for v in rice.variants:
        inventory.receive_stock(v, 20, trainee, "harvest")
    db.session.commit()
    return org, [pomelo, rice]
