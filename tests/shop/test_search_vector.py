"""products.search_vector (migration 0012): on PostgreSQL a trigger keeps it from search_name/search_text on every
write, including bulk inserts that bypass the services; the migration backfills it and comes back down cleanly."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, select, text, update

from app.shop import queries
from app.shop.models import Product
from app.shop.search import search_fields

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def _names(q):
    return [p.name for p in queries.catalog(queries.CatalogFilters(q=q)).items]


@pytest.fixture
def pg(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: the stored tsvector is PostgreSQL's (SQLite's FTS5 table: test_search.py)")
    return db


def test_bulk_inserts_and_raw_updates_keep_the_vector(pg, seller, make_product):
    owner, org = seller
    template = make_product(owner, org, "Mẫu", code="M0")
    row = {c.name: getattr(template, c.key) for c in Product.__table__.columns if c.name != "id"}
    search_name, search_text = search_fields("Mật ong rừng U Minh", "B1", "Fruit", org.name, None)
    pg.session.execute(insert(Product), [{**row, "name": "Mật ong rừng U Minh", "code": "B1", "slug": "b1",
                                          "search_name": search_name, "search_text": search_text,
                                          "search_vector": "'stale':1"}])  # a written vector is overwritten
    pg.session.commit()
    assert _names("mat ong u minh") == ["Mật ong rừng U Minh"]
    assert _names("stale") == []
    pg.session.execute(update(Product).where(Product.code == "B1").values(search_name="nuoc mam b1",
                                                                          search_text="nuoc mam b1"))
    pg.session.commit()
    assert _names("nuoc mam") == ["Mật ong rừng U Minh"] and _names("mat ong") == []


def _index_definition(db) -> str | None:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_products_search_tsv'"))


def test_the_migration_comes_down_and_backfills_on_the_way_up(db, seller, make_product):
    """On both engines: 0012 down to 0011 and up again, with a product renamed while the column was missing."""
    from flask_migrate import downgrade, upgrade

    owner, org = seller
    make_product(owner, org, "Chè Shan tuyết", code="C1")
    postgres = db.engine.dialect.name == "postgresql"
    db.session.remove()
    try:
        downgrade(directory=MIGRATIONS, revision="0011_sandbox_orgs")
        assert "search_vector" not in {c["name"] for c in inspect(db.engine).get_columns("products")}
        if postgres:
            assert "to_tsvector" in _index_definition(db)  # 0002's expression index is back
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE products SET name = 'Chè Tân Cương', search_name = 'che tan cuong c1', "
                              "search_text = 'che tan cuong c1' WHERE code = 'C1'"))
    finally:
        upgrade(directory=MIGRATIONS)
        db.session.remove()
    assert "search_vector" in {c["name"] for c in inspect(db.engine).get_columns("products")}
    if postgres:
        assert "USING gin (search_vector) WITH (fastupdate=off)" in _index_definition(db)
        assert "cuong" in db.session.scalar(select(Product.search_vector).where(Product.code == "C1"))  # backfilled
    assert _names("che tan cuong") == ["Chè Tân Cương"]
    assert _names("shan tuyet") == []
