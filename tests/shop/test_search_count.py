"""The catalog search counts its matches from the match condition alone (no ranking join, no per-product MATCH:
the bench's 1-4 s on SQLite), and stops counting at COUNT_CAP ("1.000+"): a broad word matches a sixth of 100,000."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import event

from app.shop import queries


@pytest.fixture
def statements(db):
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def thirty(seller, make_product):
    owner, org = seller
    for n in range(30):
        make_product(owner, org, f"Bưởi Diễn loại {n}" if n % 3 == 0 else f"Gạo nếp {n}", code=f"K{n}")


def test_search_count_reads_the_matches_only_and_is_right(db, thirty, statements):
    page = queries.catalog(queries.CatalogFilters(q="loai", per_page=4))
    assert page.total == 10 and not page.capped and len(page.items) == 4 and page.pages == 3
    assert all(p.name.startswith("Bưởi Diễn loại") for p in page.items)
    count = next(s for s in statements if "count(*)" in s.lower()).upper()
    assert " JOIN " not in count and "BM25" not in count and "TS_RANK" not in count and " LIMIT " in count


def test_a_count_past_the_cap_is_shown_as_a_floor_and_the_pager_goes_on(db, thirty, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 8)
    first = queries.catalog(queries.CatalogFilters(q="gao", per_page=4, page=1))
    assert first.total == 8 and first.capped and first.pages == 2 and first.has_next
    with force_locale("vi"):
        assert first.total_label == "8+" and first.pages_label == "2+"
    # page 3 lies past the counted matches (20 of them): still served, and the pager still offers a next page
    third = queries.catalog(queries.CatalogFilters(q="gao", per_page=4, page=3))
    assert len(third.items) == 4 and third.has_next and third.pages_label == "3+"
    last = queries.catalog(queries.CatalogFilters(q="gao", per_page=4, page=5))
    assert len(last.items) == 4  # 20 matches: a full last page still offers "next", which is then empty
    after = queries.catalog(queries.CatalogFilters(q="gao", per_page=4, page=6))
    assert after.items == [] and not after.has_next
    pages = [queries.catalog(queries.CatalogFilters(q="gao", per_page=4, page=n)) for n in range(1, 6)]
    seen = [p.id for page in pages for p in page.items]
    assert len(seen) == len(set(seen)) == 20


def test_the_capped_count_reads_1000_plus_in_each_language(app):
    page = queries.Page([], 1000, 1, 24, capped=True)
    with force_locale("vi"):
        assert page.total_label == "1.000+" and page.pages_label == "42+"
    with force_locale("en"):
        assert page.total_label == "1,000+"
    assert queries.Page([], 12, 1, 24).total_label == "12" and queries.Page([], 12, 1, 24).pages_label == "1"


def test_the_results_page_shows_the_floor(client, thirty, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 8)
    html = client.get("/shop/?q=gao").get_data(as_text=True)
    assert "8+ kết quả cho" in html, html[html.find("result-count"):][:300]  # Vietnamese by default


def test_every_page_is_in_the_plain_relevance_order(db, seller, make_product):
    """PostgreSQL ranks only the matches tied with the page on name hits and length: pages must still be exactly
    the plain ORDER BY relevance_order ... LIMIT/OFFSET, ties and all."""
    from sqlalchemy import select

    from app.shop.models import Product
    from app.shop.search import match, page_ids, relevance_order, terms

    owner, org = seller
    for n in range(26):  # many equal name lengths, names with one, two or no typed word, description-only hits
        name = ["Gạo nếp cái", "Gạo tám xoan", "Nếp cẩm", "Chè búp"][n % 4] + f" {n % 7}"
        make_product(owner, org, name, code=f"N{n}", description="gạo nếp thơm" if n % 4 == 3 else None)
    for typed in ("gao nep", "nep", "gao", "thom"):
        words = terms(typed)
        found = match(words)
        matches = select(Product.id).where(Product.status == "active", found.where)
        plain = matches.join(found.ranked, found.ranked.c.product_id == Product.id) if found.ranked is not None \
            else matches
        everything = list(db.session.scalars(plain.order_by(*relevance_order(Product.search_name, words, found.rank),
                                                            Product.id)))
        assert everything, typed
        for limit in (1, 4, 7):
            pages = [page_ids(matches, words, found, limit, offset) for offset in range(0, len(everything), limit)]
            assert [i for page in pages for i in page] == everything, (typed, limit)
