"""The catalog search counts its matches from the full-text list alone: no per-product MATCH (the bench's 1-4 s on SQLite)."""
from __future__ import annotations

from sqlalchemy import event

from app.shop import queries


def test_search_count_reads_the_match_list_and_is_right(db, seller, make_product):
    owner, org = seller
    for n in range(30):
        make_product(owner, org, f"Bưởi Diễn loại {n}" if n % 3 == 0 else f"Gạo nếp {n}", code=f"K{n}")
    statements: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = queries.catalog(queries.CatalogFilters(q="loai", per_page=4))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.total == 10 and len(page.items) == 4
    assert all(p.name.startswith("Bưởi Diễn loại") for p in page.items)
    count = next(s for s in statements if "count(*)" in s.lower())
    assert " IN (" in count.upper() and " JOIN " not in count.upper()
