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
