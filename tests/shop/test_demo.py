"""Demo data: at least 40 products with drawn photos across the demo organisations, idempotent, searchable."""
from __future__ import annotations

from sqlalchemy import func, select

from app.shop import queries
from app.shop.models import Photo, Product


def test_seed_demo_adds_searchable_products_with_photos_once(app, db, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    products = db.session.scalar(select(func.count(Product.id)))
    assert products >= 40
    assert db.session.scalar(select(func.count(Photo.id))) == products
    categories = set(db.session.scalars(select(Product.category).distinct()))
    assert {"vegetables", "fruit", "rice", "tea", "handicraft"} <= categories
    all_products = db.session.scalars(select(Product)).all()
    assert any(p.ocop_valid() for p in all_products)
    assert any(p.has_options for p in all_products)
    assert any(p.is_preorder for p in all_products)
    assert any(p.unit == "kg" for p in all_products)
    for p in all_products:
        for v in p.variants:
            assert v.received == v.available + v.reserved + v.sold
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert db.session.scalar(select(func.count(Product.id))) == products
    # The cooperative is named after its star product, yet searching for it puts the product first.
    page = queries.catalog(queries.CatalogFilters(q="buoi dien"))
    assert page.items[0].name == "Bưởi Diễn"
    assert queries.catalog(queries.CatalogFilters(q="rau sach")).items[0].name == "Rau sạch hỗn hợp"
    assert queries.catalog(queries.CatalogFilters(q="gao nep cai")).items[0].name == "Gạo nếp cái hoa vàng"


def test_seed_demo_adds_orders_in_every_state_through_the_services_once(app, db, runner):
    from app.shop import dashboard
    from app.shop.models import StockMovement, Variant
    from app.shop.ordering.models import ORDER_STATUSES, BankReview, Order, OrderEvent

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    orders = db.session.scalars(select(Order)).all()
    assert {o.status for o in orders} == set(ORDER_STATUSES)
    assert len(orders) >= 20
    for order in orders:
        # every order walked the state machine: its history starts at checkout and ends where it is
        assert order.events[0].from_status is None and order.events[-1].to_status == order.status
        assert order.total == order.subtotal + order.shipping_fee
    delivered = [o for o in orders if o.status == "delivered"]
    assert delivered and all(o.paid_at is not None and o.stock_sold for o in delivered)
    assert all(o.expires_at > o.created_at for o in orders if o.status == "pending_payment")
    for variant in db.session.scalars(select(Variant)):
        assert variant.received == variant.available + variant.reserved + variant.sold
        assert min(variant.available, variant.reserved, variant.sold) >= 0
    # reserved units are exactly those of orders still waiting to be sold (and of the demo lives' holds)
    assert db.session.scalar(select(func.count(StockMovement.id)).where(StockMovement.kind == "sell")) > 0
    reviews = db.session.scalars(select(BankReview)).all()
    assert [r.reason for r in reviews] == ["amount_mismatch"]
    counts = (len(orders), db.session.scalar(select(func.count(OrderEvent.id))),
              db.session.scalar(select(func.count(StockMovement.id))))
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0, again.output
    assert (db.session.scalar(select(func.count(Order.id))), db.session.scalar(select(func.count(OrderEvent.id))),
            db.session.scalar(select(func.count(StockMovement.id)))) == counts
    assert db.session.scalar(select(func.count(BankReview.id))) == 1
    # HTX Bưởi Diễn's dashboard has something to show on every card
    from app.accounts.models import Organisation

    org = db.session.scalar(select(Organisation).where(Organisation.name == "HTX Bưởi Diễn Hát Môn"))
    board = dashboard.seller_dashboard(org)
    assert board.today_orders and board.paid_revenue > 0 and board.pending_revenue > 0 and board.best_sellers
    assert board.reviews and sum(1 for n in board.orders_per_day if n) >= 10
