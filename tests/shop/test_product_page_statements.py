"""The product page reads what it shows in one statement (#14: a leaner uncached product page)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, text

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


def _page_statements(app, db, url):
    """The statements of one product page request, each with whether it ran in autocommit (and on PostgreSQL
    whether a transaction was open after it), from a fresh session as a real request has."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        status = getattr(getattr(cursor.connection, "info", None), "transaction_status", None)
        seen.append((statement.split()[0], conn.get_execution_options().get("isolation_level"),
                     None if status is None else int(status)))

    db.session.close()  # what a request starts with: a session with nothing in it
    event.listen(_db.engine, "after_cursor_execute", record)
    try:
        page = app.test_client().get(url)
    finally:
        event.remove(_db.engine, "after_cursor_execute", record)
    return page, seen


def test_the_product_page_reads_outside_a_transaction(app, db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=3)
    url = f"/shop/p/{product.id}/{product.slug}"
    app.test_client().get(url)
    page, seen = _page_statements(app, db, url)
    assert page.status_code == 200 and product.code in page.get_data(as_text=True)
    # One SELECT, in autocommit; on PostgreSQL no transaction open after it (0 = idle), so no BEGIN nor ROLLBACK.
    assert [(kind, level) for kind, level, _ in seen] == [("SELECT", "AUTOCOMMIT")], seen
    assert all(status in (None, 0) for _, _, status in seen), seen
    # After the page the session works as usual: a transaction, not autocommit.
    db.session.execute(text("SELECT 1"))
    assert db.session.connection().get_execution_options().get("isolation_level") != "AUTOCOMMIT"
    assert db.session().in_transaction()


def test_a_missing_product_still_answers_404_and_leaves_the_session_usable(app, db):
    page, seen = _page_statements(app, db, "/shop/p/999999/x")
    assert page.status_code == 404
    assert seen and seen[0][:2] == ("SELECT", "AUTOCOMMIT")
    assert db.session.scalar(text("SELECT 1")) == 1 and db.session().in_transaction()


def test_a_write_inside_the_block_is_refused(app, db, seller, make_product):
    from app.core import reads

    owner, org = seller
    product = make_product(owner, org, stock=3)
    product_id = product.id
    db.session.close()
    from app.shop.models import Product

    with pytest.raises(reads.ReadOnlyBlock), reads.outside_a_transaction() as switched:
        assert switched
        db.session.get(Product, product_id).name = "Đổi trong khối chỉ đọc"
        db.session.flush()
    db.session.close()
    assert db.session.get(Product, product_id).name != "Đổi trong khối chỉ đọc"


def test_a_session_already_in_use_is_left_as_it_is(app, db, seller, make_product):
    from app.core import reads

    owner, org = seller
    make_product(owner, org, stock=3)
    db.session.execute(text("SELECT 1"))  # a transaction begun
    with reads.outside_a_transaction() as switched:
        assert not switched
        assert db.session.connection().get_execution_options().get("isolation_level") != "AUTOCOMMIT"
