"""The product page reads what it shows in one statement (#14: a leaner uncached product page)."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from app.extensions import db as _db


@pytest.fixture
def statements(app):
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_the_product_page_is_one_statement(app, db, seller, make_product, image_bytes, statements):
    from app.core.storage import get_storage
    from app.shop import inventory, photos, services

    owner, org = seller
    product = make_product(owner, org, stock=0)
    for variant in services.set_variants(owner, product, [services.VariantRow(id=None, label="1kg", price=60000),
                                                          services.VariantRow(id=None, label="2kg", price=110000)]):
        db.session.flush()
        inventory.receive_stock(variant, 4, owner, "harvest")
    for _ in range(3):
        photos.add_photo(owner, product, image_bytes(), get_storage())
    db.session.commit()
    url = f"/shop/p/{product.id}/{product.slug}"
    app.test_client().get(url)  # warm: the first request of a process may read more
    del statements[:]
    page = app.test_client().get(url)
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "2kg" in body and body.count('class="gallery"') == 1
    assert body.count("<img src=\"/media/products/") == 3
    assert [s.split()[0] for s in statements] == ["SELECT"], statements
