"""Catalog search: diacritics and đ/d ignored, ranked, paginated, filtered; same top results on both databases."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.shop import queries, services
from app.shop.queries import CatalogFilters

CORPUS = [
    # name, category, unit, price, description, code
    ("Bưởi Diễn", "fruit", "fruit", 60000, "Bưởi ngọt thanh, vỏ mỏng, trồng tại bãi sông Hồng.", "A12"),
    ("Bưởi da xanh", "fruit", "fruit", 70000, "Giống miền Nam trồng trên đất Hát Môn.", "A13"),
    ("Cam Canh", "fruit", "kg", 45000, "Cam ngọt, hợp làm quà, ăn kèm bưởi diễn cũng ngon.", "A14"),
    ("Rau sạch hỗn hợp", "vegetables", "bunch", 15000, "Rau muống, cải, rau thơm hái sáng.", "R1"),
    ("Rau muống", "vegetables", "bunch", 10000, "Rau muống sạch VietGAP.", "R2"),
    ("Gạo nếp cái hoa vàng", "rice", "kg", 38000, "Nếp dẻo thơm để đồ xôi, gói bánh chưng.", "G1"),
    ("Đậu đen xanh lòng", "other", "kg", 50000, "Đỗ đen nấu chè.", "D1"),
    ("Dầu lạc nguyên chất", "processed", "bottle", 90000, "Ép từ lạc đỏ.", "D2"),
    ("Trà xanh Thái Nguyên", "tea", "pack", 120000, "Chè búp sao tay.", "T1"),
    ("Rổ mây tre đan", "handicraft", "piece", 85000, "Đan tay, bền, dùng đựng rau.", "M1"),
]


@pytest.fixture
def seller(factory):
    """The organisation's name is searched too, so it stays clear of the corpus words."""
    owner = factory.user("Chủ HTX")
    return owner, factory.org(owner, name="HTX Nông nghiệp Thử")


@pytest.fixture
def corpus(db, seller, make_product):
    owner, org = seller
    products = {}
    for name, category, unit, price, description, code in CORPUS:
        products[name] = make_product(owner, org, name, category=category, unit=unit, price=price,
                                      description=description, code=code)
    return products


def names(page):
    return [p.name for p in page.items]


@pytest.mark.parametrize("typed", ["buoi dien", "Bưởi Diễn", "BUOI DIEN", "bưởi dien", "  buoi   dien  "])
def test_typing_with_or_without_accents_finds_buoi_dien_first(corpus, typed):
    page = queries.catalog(CatalogFilters(q=typed))
    assert names(page)[0] == "Bưởi Diễn"


def test_rau_sach_finds_rau_sach(corpus):
    assert names(queries.catalog(CatalogFilters(q="rau sach")))[0] == "Rau sạch hỗn hợp"


def test_d_and_dj_are_the_same_letter(corpus):
    assert set(names(queries.catalog(CatalogFilters(q="dau")))) >= {"Đậu đen xanh lòng", "Dầu lạc nguyên chất"}
    assert names(queries.catalog(CatalogFilters(q="đen")))[0] == "Đậu đen xanh lòng"


def test_prefix_of_a_word_matches(corpus):
    assert "Gạo nếp cái hoa vàng" in names(queries.catalog(CatalogFilters(q="nep cai hoa")))
    assert "Trà xanh Thái Nguyên" in names(queries.catalog(CatalogFilters(q="thai ngu")))


def test_category_words_in_both_languages_are_searchable(corpus):
    assert "Rổ mây tre đan" in names(queries.catalog(CatalogFilters(q="thu cong")))
    assert "Rổ mây tre đan" in names(queries.catalog(CatalogFilters(q="handicraft")))


def test_code_finds_the_product(corpus):
    assert names(queries.catalog(CatalogFilters(q="a12")))[0] == "Bưởi Diễn"


def test_name_hits_rank_above_description_hits(corpus):
    result = names(queries.catalog(CatalogFilters(q="rau muong")))
    assert result[0] == "Rau muống"
    assert set(result) == {"Rau muống", "Rau sạch hỗn hợp"}


def test_every_word_must_match(corpus):
    assert names(queries.catalog(CatalogFilters(q="buoi xanh"))) == ["Bưởi da xanh"]
    assert names(queries.catalog(CatalogFilters(q="buoi gao"))) == []
    assert names(queries.catalog(CatalogFilters(q="xyzzy"))) == []
    assert names(queries.catalog(CatalogFilters(q="!!! ???"))) == []


@pytest.mark.parametrize("nasty", ['"', "a*", "NEAR(a b)", "a OR b", "'; DROP TABLE products; --", "a & b | !c", ":*"])
def test_query_syntax_from_users_is_never_an_error(corpus, nasty):
    queries.catalog(CatalogFilters(q=nasty))


def test_archived_and_draft_products_are_not_in_the_catalog(db, seller, corpus):
    owner, _ = seller
    services.archive_product(owner, corpus["Bưởi Diễn"])
    services.set_status(owner, corpus["Cam Canh"], "draft")
    db.session.commit()
    assert "Bưởi Diễn" not in names(queries.catalog(CatalogFilters(q="buoi dien")))
    everything = names(queries.catalog(CatalogFilters(per_page=60)))
    assert "Bưởi Diễn" not in everything and "Cam Canh" not in everything and len(everything) == 8


def test_pagination(corpus):
    first = queries.catalog(CatalogFilters(per_page=4, page=1))
    third = queries.catalog(CatalogFilters(per_page=4, page=3))
    assert first.total == 10 and first.pages == 3 and first.has_next and not first.has_prev
    assert len(third.items) == 2 and not third.has_next
    assert not set(names(first)) & set(names(third))
    searched = queries.catalog(CatalogFilters(q="buoi", per_page=1, page=2))
    assert searched.total == 3 and len(searched.items) == 1


def test_filters_category_price_commune_and_valid_ocop(db, seller, corpus):
    owner, org = seller
    assert set(names(queries.catalog(CatalogFilters(category="vegetables")))) == {"Rau muống", "Rau sạch hỗn hợp"}
    assert set(names(queries.catalog(CatalogFilters(price_min=80000, price_max=100000)))) == {
        "Dầu lạc nguyên chất", "Rổ mây tre đan"}
    assert queries.catalog(CatalogFilters(commune=org.commune_code)).total == 10
    assert queries.catalog(CatalogFilters(commune=4)).total == 0
    tea = corpus["Trà xanh Thái Nguyên"]
    tea.ocop_stars, tea.ocop_expires_on = 4, date.today() + timedelta(days=30)
    rice = corpus["Gạo nếp cái hoa vàng"]
    rice.ocop_stars, rice.ocop_expires_on = 5, date.today() - timedelta(days=1)  # expired: no badge, no filter
    db.session.commit()
    assert names(queries.catalog(CatalogFilters(ocop=3))) == ["Trà xanh Thái Nguyên"]
    assert tea.ocop_valid() and not rice.ocop_valid()
    assert names(queries.catalog(CatalogFilters(ocop=5))) == []
    assert names(queries.catalog(CatalogFilters(q="tra", category="tea"))) == ["Trà xanh Thái Nguyên"]


def test_search_follows_renames_and_deletions(db, seller, corpus):
    owner, _ = seller
    product = corpus["Cam Canh"]
    data = services.ProductData(name="Cam Vinh", category="fruit", unit="kg", price=45000, code="A14",
                                status="active")
    services.update_product(owner, product, data)
    db.session.commit()
    assert names(queries.catalog(CatalogFilters(q="cam canh"))) == []
    assert names(queries.catalog(CatalogFilters(q="cam vinh"))) == ["Cam Vinh"]
    db.session.delete(product)
    db.session.commit()
    assert names(queries.catalog(CatalogFilters(q="cam vinh"))) == []


EXPECTED_TOP = {
    "buoi dien": "Bưởi Diễn",
    "buoi": "Bưởi Diễn",
    "rau sach": "Rau sạch hỗn hợp",
    "rau muong": "Rau muống",
    "gao nep": "Gạo nếp cái hoa vàng",
    "dau lac": "Dầu lạc nguyên chất",
    "tra xanh": "Trà xanh Thái Nguyên",
    "ro may tre": "Rổ mây tre đan",
    "cam": "Cam Canh",
}


def test_same_top_results_on_this_database(db, corpus):
    """Run on SQLite (FTS5 bm25) and on PostgreSQL (weighted tsvector): the expectations are the same."""
    for typed, top in EXPECTED_TOP.items():
        page = queries.catalog(CatalogFilters(q=typed))
        assert page.items and page.items[0].name == top, (db.engine.dialect.name, typed, names(page))


def test_no_schema_drift_beside_the_search_objects(runner):
    """`flask db check` must see no difference: the FTS5 table and the tsvector index are filtered out."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_renaming_the_organisation_through_its_page_service_moves_the_search(db, seller, corpus):
    from app.accounts.services import update_organisation

    owner, org = seller
    update_organisation(owner, org, name="HTX Cây trái Sông Hồng", kind=org.kind, province_code=org.province_code,
                        commune_code=org.commune_code)
    db.session.commit()
    assert len(queries.catalog(CatalogFilters(q="cay trai song hong")).items) == len(CORPUS)
    assert queries.catalog(CatalogFilters(q="nong nghiep thu")).items == []


def test_the_commune_is_searched_and_follows_a_move(db, seller, corpus):
    from app.accounts.services import update_organisation
    from app.core.addresses import find_commune

    owner, org = seller
    assert len(queries.catalog(CatalogFilters(q="o dien")).items) == len(CORPUS)  # the cooperative's commune
    update_organisation(owner, org, name=org.name, kind=org.kind, province_code=org.province_code,
                        commune_code=find_commune("Xã Hát Môn"))
    db.session.commit()
    assert queries.catalog(CatalogFilters(q="o dien")).items == []
    assert len(queries.catalog(CatalogFilters(q="hat mon")).items) == len(CORPUS)
    # a product grown elsewhere is found by its own commune
    product = corpus["Gạo nếp cái hoa vàng"]
    data = services.ProductData(name=product.name, category="rice", unit="kg", price=38000, code="G1",
                                status="active", origin_commune_code=find_commune("Xã Liên Minh"))
    services.update_product(owner, product, data)
    db.session.commit()
    assert names(queries.catalog(CatalogFilters(q="lien minh"))) == ["Gạo nếp cái hoa vàng"]
    assert names(queries.catalog(CatalogFilters(q="gao nep hat mon"))) == []


def test_the_word_for_a_commune_is_not_searched():
    from app.shop.search import place_words

    assert place_words("Xã Ô Diên") == "o dien"
    assert place_words("Phường Hoàn Kiếm") == "hoan kiem"
    assert place_words("Thị trấn Phùng") == "phung"
    assert place_words("") == ""


def test_reindex_command(db, runner, corpus):
    from app.shop.models import Product

    product = corpus["Rau muống"]
    product.search_text = "stale"
    db.session.commit()
    result = runner.invoke(args=["shop", "reindex"])
    assert result.exit_code == 0 and f"{len(CORPUS)} products reindexed" in result.output
    db.session.expire_all()
    assert "rau muong" in db.session.get(Product, product.id).search_text


def test_category_counts_follow_the_query_and_the_other_filters(corpus):
    everything = queries.category_counts(CatalogFilters())
    assert everything == {"fruit": 3, "vegetables": 2, "rice": 1, "other": 1, "processed": 1, "tea": 1,
                          "handicraft": 1}
    # "rau": three products say it (two vegetables by name, the basket in its description), nothing else.
    assert queries.category_counts(CatalogFilters(q="rau")) == {"vegetables": 2, "handicraft": 1}
    # The chosen category leaves every chip's number as it is: the number is what tapping the chip finds.
    assert queries.category_counts(CatalogFilters(q="rau", category="handicraft")) == {"vegetables": 2,
                                                                                      "handicraft": 1}
    assert queries.category_counts(CatalogFilters(q="rau", price_max=12000)) == {"vegetables": 1}
    assert queries.category_counts(CatalogFilters(q="!!!")) == {}


def test_products_found_only_by_their_seller_come_after_and_apart(db, factory, corpus, make_product):
    owner = factory.user("Chủ hộ")
    org = factory.org(owner, name="Hộ Bưởi Diễn Phú Thượng")  # every product of this seller says "bưởi diễn"
    make_product(owner, org, "Nhãn lồng", category="fruit", price=50000, code="N1")
    make_product(owner, org, "Mật ong hoa nhãn", category="processed", price=150000, code="N2")
    page = queries.catalog(CatalogFilters(q="buoi dien"))
    found = names(page)
    assert found[0] == "Bưởi Diễn" and {"Nhãn lồng", "Mật ong hoa nhãn", "Cam Canh"} <= set(found)
    apart = page.others_from
    assert found[:apart] == ["Bưởi Diễn", "Bưởi da xanh"]  # a typed word in the name
    assert set(found[apart:]) == {"Cam Canh", "Nhãn lồng", "Mật ong hoa nhãn"}
    assert queries.catalog(CatalogFilters(q="rau muong")).others_from is None  # every result is a name match
    assert queries.catalog(CatalogFilters()).others_from is None  # no query: nothing set apart


def test_the_catalog_page_shows_seller_matches_under_their_own_heading(client, db, factory, corpus, make_product):
    owner = factory.user("Chủ hộ")
    org = factory.org(owner, name="Hộ Bưởi Diễn Phú Thượng")
    make_product(owner, org, "Nhãn lồng", category="fruit", price=50000, code="N1")
    html = client.get("/shop/?q=buoi+dien").get_data(as_text=True)
    assert html.index("Bưởi Diễn</span>") < html.index('data-testid="other-matches"') < html.index("Nhãn lồng")
    fragment = client.get("/shop/?q=rau", headers={"HX-Request": "true", "HX-Target": "results"}).get_data(as_text=True)
    assert 'id="category-chips"' in fragment and 'hx-swap-oob="true"' in fragment
