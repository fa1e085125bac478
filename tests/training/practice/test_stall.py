"""A practice stall never sells for real: its copies cannot be published and it has no storefront."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import InvalidInput
from app.shop import services as shop_services
from app.shop.models import Product
from app.training.practice import services


def test_a_running_practice_cannot_publish_its_sandbox_copies(db, client, auth, trainee, trainee_shop):
    run = services.start_practice(trainee, pace="busy", seed=7)
    db.session.commit()
    org = run.sandbox.organisation if hasattr(run, "sandbox") else services.sandbox_for(trainee).organisation
    assert org.is_sandbox
    copy = db.session.scalars(select(Product).where(Product.organisation_id == org.id)).first()
    assert copy is not None and copy.status == "draft"

    with pytest.raises(InvalidInput) as refused:
        shop_services.set_status(trainee, copy, "active")
    assert refused.value.code == "practice_stall"
    db.session.rollback()
    with pytest.raises(InvalidInput):
        shop_services.create_product(trainee, org, shop_services.ProductData(
            name="Bưởi thật", category="fruit", unit="fruit", price=50_000, status="active"))
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Product, copy.id).status == "draft"
    assert client.get(f"/shop/o/{org.slug}").status_code == 404


def test_a_real_organisation_still_publishes(db, trainee, trainee_shop):
    org, products = trainee_shop
    assert not org.is_sandbox
    shop_services.set_status(trainee, products[0], "draft")
    shop_services.set_status(trainee, products[0], "active")
    db.session.commit()
    assert products[0].status == "active"
