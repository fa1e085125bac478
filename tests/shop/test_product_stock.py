"""The product page's stock line as a small JSON answer (shop.product_stock), for pages served from the cache."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from app.extensions import db as _db
from app.shop import inventory, services
from app.shop.views import catalog


@pytest.fixture(autouse=True)
def no_remembered_answers():
    catalog._stock_answers.clear()
    yield
    catalog._stock_answers.clear()


@pytest.fixture
def fruit(db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=0)
    rows = [services.VariantRow(id=None, label="1kg", price=60000), services.VariantRow(id=None, label="2kg")]
    for variant, stock in zip(services.set_variants(owner, product, rows), (4, 0), strict=False):
        db.session.flush()
        if stock:
            inventory.receive_stock(variant, stock, owner, "harvest")
    db.session.commit()
    return product


def _url(product) -> str:
    return f"/shop/p/{product.id}/stock"


def test_the_stock_answer_words_it_as_the_page_does(app, fruit):
    one, two = (v for v in fruit.variants if v.is_active)
    answer = app.test_client().get(_url(fruit))
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "public, max-age=2"
    assert answer.json == {"product_id": fruit.id, "available": 4, "buyable": True, "line": "Còn 4 quả",
                           "variants": {str(one.id): {"available": 4, "text": "Còn 4"},
                                        str(two.id): {"available": 0, "text": "Hết hàng"}}}
    english = app.test_client()
    english.set_cookie("lang", "en")
    assert english.get(_url(fruit)).json["line"] == "4 fruit left"
    page = app.test_client().get(f"/shop/p/{fruit.id}/{fruit.slug}").get_data(as_text=True)
    assert f'data-stock-url="{_url(fruit)}"' in page and "stock.js" in page
    assert f'data-variant-stock="{two.id}">Hết hàng<' in page


def test_the_stock_answer_follows_a_sale_and_is_remembered_a_second(app, db, fruit):
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    url = _url(fruit)
    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        assert app.test_client().get(url).json["available"] == 4
        assert app.test_client().get(url).json["available"] == 4
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
    assert len(seen) == 1  # one statement, and the second visitor in the same second reads none
    catalog._stock_answers.clear()  # the second has passed
    stocked = next(v for v in fruit.variants if v.is_active and v.available)
    inventory.reserve_stock(stocked.id, 4, reason="order")
    db.session.commit()
    sold_out = app.test_client().get(_url(fruit)).json
    assert sold_out["available"] == 0 and sold_out["buyable"] is False and sold_out["line"] == "Hết hàng"


def test_no_stock_answer_for_a_product_not_on_sale(app, db, seller, make_product):
    owner, org = seller
    draft = make_product(owner, org, "Chè nháp", stock=5, status="draft")
    assert app.test_client().get(_url(draft)).status_code == 404
    assert app.test_client().get("/shop/p/999999/stock").status_code == 404
    assert 'data-stock-url' not in app.test_client().get(f"/shop/p/{draft.id}/{draft.slug}").get_data(as_text=True)
