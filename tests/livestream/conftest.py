"""Livestream fixtures: a cooperative with products on a live that is on air, and buyers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.dbtypes import utcnow


@pytest.fixture
def seller(factory):
    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Thử")
    return owner, org


@pytest.fixture
def make_product(db):
    from app.shop import services

    def make(actor, org, name="Bưởi Diễn", *, stock=10, price=60000, code=None, **fields):
        data = services.ProductData(name=name, category="fruit", unit="fruit", price=price, code=code,
                                    status="active", **fields)
        product = services.create_product(actor, org, data, stock=stock)
        db.session.commit()
        return product

    return make


@pytest.fixture
def make_live(db, seller, make_product):
    """make_live(products=[(code, name, stock, options)], state="live", **lp_fields) → LiveSession, committed."""
    from app.livestream import services
    from app.shop import services as shop_services

    def make(products=(("A12", "Bưởi Diễn", 10, None),), *, state="live", **lp_fields):
        owner, org = seller
        live = services.schedule_live(owner, org, title="Phiên bưởi Tết", scheduled_at=utcnow() + timedelta(hours=1))
        for code, name, stock, options in products:
            product = make_product(owner, org, name, stock=0 if options else stock, code=code)
            if options:
                shop_services.set_variants(owner, product, [shop_services.VariantRow(id=None, label=o)
                                                            for o in options])
                db.session.flush()
                for v in product.variants:
                    if v.label:
                        from app.shop import inventory
                        inventory.receive_stock(v, stock, owner, "harvest")
            db.session.flush()
            db.session.refresh(product)
            services.add_live_product(owner, live, product, **lp_fields)
        if state != "scheduled":
            services.start_live(owner, live)
        if state == "ended":
            services.end_live(owner, live)
        db.session.commit()
        return live

    return make


@pytest.fixture
def buyer(factory):
    return factory.user("Trần Thị Lan")


@pytest.fixture
def no_rate_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 0)


