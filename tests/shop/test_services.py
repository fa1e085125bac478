"""Product services: validation with clear messages, codes, variants, photos, search text, authorisation."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.text import fold
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.shop import photos, search, services
from app.shop.models import Product, StockMovement, Variant
from app.shop.services import ProductData, VariantRow


def data(**overrides):
    fields = dict(name="Bưởi Diễn", category="fruit", unit="fruit", price=60000, status="active")
    fields.update(overrides)
    return ProductData(**fields)


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_product_with_default_variant_opening_stock_and_search_text(db, seller):
    owner, org = seller
    product = services.create_product(owner, org, data(code=" bd 01 ", description="Ngọt **thanh**"), stock=20)
    db.session.commit()
    assert product.code == "BD01" and product.slug == "buoi-dien"
    assert len(product.variants) == 1 and product.variants[0].label is None
    assert product.variants[0].available == 20 and product.available == 20
    assert product.search_name == "buoi dien bd01"
    assert "htx buoi dien thu" in product.search_text and "ngot" in product.search_text
    movement = db.session.scalar(select(StockMovement))
    assert (movement.kind, movement.delta, movement.actor_id) == ("received", 20, owner.id)


def test_codes_are_suggested_and_unique_within_an_organisation(db, factory, seller):
    owner, org = seller
    first = services.create_product(owner, org, data())
    second = services.create_product(owner, org, data(name="Bánh chưng"))
    assert (first.code, second.code) == ("B1", "B2")
    assert second.slug == "banh-chung"
    third = services.create_product(owner, org, data())
    assert third.slug == "buoi-dien-2"
    with pytest.raises(Conflict) as exc:
        services.create_product(owner, org, data(code="b1"))
    assert exc.value.code == "code_taken" and "B1" in str(exc.value.message)
    other = factory.org(factory.user("Người khác"), name="HTX Khác")
    assert services.create_product(other.memberships[0].user, other, data(code="B1")).code == "B1"


@pytest.mark.parametrize("code", ["12", "ABCDE1", "A12345", "A-1", "Đ1", "1A", "A"])
def test_bad_codes_are_refused(db, seller, code):
    owner, org = seller
    with pytest.raises(InvalidInput) as exc:
        services.create_product(owner, org, data(code=code))
    assert exc.value.code == "invalid_code"
    assert count(db, Product) == 0


@pytest.mark.parametrize("price", [-1, 0, 10_000_000_001, 10**18, None, 1.5, "60000", True])
def test_negative_absurd_or_missing_prices_are_refused(db, seller, price):
    owner, org = seller
    with pytest.raises(InvalidInput) as exc:
        services.create_product(owner, org, data(price=price))
    assert exc.value.code == "invalid_price"
    assert count(db, Product) == 0 and count(db, Variant) == 0


@pytest.mark.parametrize("stock", [-1, 10**12, 2.5, True])
def test_negative_or_absurd_opening_stock_is_refused(db, seller, stock):
    owner, org = seller
    with pytest.raises(InvalidInput):
        services.create_product(owner, org, data(), stock=stock)
    db.session.rollback()
    assert count(db, Product) == 0


@pytest.mark.parametrize("overrides,code", [
    ({"name": "  "}, "invalid_name"),
    ({"name": "x" * 161}, "invalid_name"),
    ({"category": "weapons"}, "invalid_category"),
    ({"unit": "tonne"}, "invalid_unit"),
    ({"status": "deleted"}, "invalid_status"),
    ({"compare_at_price": 50000}, "invalid_price"),
    ({"ocop_stars": 6, "ocop_expires_on": date(2030, 1, 1)}, "invalid_ocop"),
    ({"ocop_stars": 4}, "invalid_ocop"),
    ({"origin_commune_code": 123456789}, "invalid_commune"),
    ({"is_preorder": True}, "invalid_preorder"),
    ({"is_preorder": True, "harvest_date": date(2030, 1, 1), "preorder_cap": -5}, "invalid_preorder"),
    ({"description": "x" * 10_001}, "invalid_description"),
])
def test_bad_fields_give_clear_errors(db, seller, overrides, code):
    owner, org = seller
    with pytest.raises(InvalidInput) as exc:
        services.create_product(owner, org, data(**overrides))
    assert exc.value.code == code and str(exc.value.message)


def test_ocop_badge_only_while_valid(db, seller):
    owner, org = seller
    product = services.create_product(owner, org, data(ocop_stars=4, ocop_expires_on=date.today()))
    assert product.ocop_valid()
    product.ocop_expires_on = date.today() - timedelta(days=1)
    assert not product.ocop_valid()


def test_strangers_and_other_organisations_cannot_touch_products(db, factory, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    stranger = factory.user("Người lạ")
    other_owner = factory.user("Chủ HTX khác")
    factory.org(other_owner, name="HTX Khác")
    for actor in (stranger, other_owner, None):
        for call in (
            lambda actor=actor: services.create_product(actor, org, data(name="Lạ")),
            lambda actor=actor: services.update_product(actor, product, data(name="Đổi tên")),
            lambda actor=actor: services.archive_product(actor, product),
            lambda actor=actor: services.set_variants(actor, product, [VariantRow(None, "M")]),
            lambda actor=actor: services.adjust_variant_stock(actor, product, product.variants[0].id, 5, "hack"),
            lambda actor=actor: services.managed_product(actor, org, product.id),
            lambda actor=actor: photos.delete_photo(actor, product, 1),
            lambda actor=actor: photos.reorder_photos(actor, product, []),
        ):
            with pytest.raises(Forbidden):
                call()
            db.session.rollback()
    db.session.expire_all()
    assert product.name == "Bưởi Diễn" and product.status == "active" and product.available == 5
    assert count(db, Product) == 1


def test_staff_can_manage_products(db, factory, seller):
    from app.accounts import services as accounts

    owner, org = seller
    staff = factory.user("Nhân viên")
    accounts.add_staff(owner, org, staff.phone)
    db.session.commit()
    assert services.create_product(staff, org, data()).organisation_id == org.id


def test_a_product_of_another_organisation_is_not_found_through_mine(db, factory, seller, make_product):
    owner, org = seller
    other_owner = factory.user("Chủ khác")
    other = factory.org(other_owner, name="HTX Khác")
    theirs = make_product(other_owner, other)
    with pytest.raises(NotFound):
        services.managed_product(owner, org, theirs.id)


def test_variants_replace_the_default_and_keep_its_stock(db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=8)
    default_id = product.variants[0].id
    services.set_variants(owner, product, [VariantRow(default_id, "1kg"), VariantRow(None, "2kg", 110000)])
    db.session.commit()
    labels = [(v.label, v.available, v.effective_price) for v in product.active_variants]
    assert labels == [("1kg", 8, 60000), ("2kg", 0, 110000)]
    assert product.min_price == 60000 and product.max_price == 110000 and product.has_options


def test_variants_can_swap_names_and_retire(db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org)
    s, m = services.set_variants(owner, product, [VariantRow(product.variants[0].id, "S"), VariantRow(None, "M")])
    db.session.commit()
    services.set_variants(owner, product, [VariantRow(s.id, "M"), VariantRow(m.id, "S")])
    db.session.commit()
    assert [(v.id, v.label) for v in product.active_variants] == [(s.id, "M"), (m.id, "S")]
    services.adjust_variant_stock(owner, product, m.id, 3, "nhập")
    services.adjust_variant_stock(owner, product, m.id, -3, "bán ngoài chợ")
    services.set_variants(owner, product, [VariantRow(s.id, "M")])
    db.session.commit()
    retired = db.session.get(Variant, m.id)
    assert retired is not None and not retired.is_active  # history kept
    assert [v.label for v in product.active_variants] == ["M"]
    services.set_variants(owner, product, [VariantRow(s.id, "M"), VariantRow(None, "S")])
    db.session.commit()
    assert db.session.get(Variant, m.id).is_active  # the old "S" comes back with its history


@pytest.mark.parametrize("rows,code", [
    ([], "no_variants"),
    ([VariantRow(None, "M"), VariantRow(None, "m")], "duplicate_variant"),
    ([VariantRow(None, "M"), VariantRow(None, None, 5000)], "invalid_variant"),
    ([VariantRow(None, "x" * 41)], "invalid_variant"),
    ([VariantRow(None, "M", -5)], "invalid_price"),
    ([VariantRow(None, "M", 10**11)], "invalid_price"),
])
def test_bad_variant_lists_are_refused(db, seller, make_product, rows, code):
    owner, org = seller
    product = make_product(owner, org)
    with pytest.raises(InvalidInput) as exc:
        services.set_variants(owner, product, rows)
    assert exc.value.code == code


def test_a_variant_of_another_product_is_refused(db, seller, make_product):
    owner, org = seller
    mine = make_product(owner, org, "Cam")
    theirs = make_product(owner, org, "Quýt", stock=4)
    with pytest.raises(InvalidInput) as exc:
        services.set_variants(owner, mine, [VariantRow(theirs.variants[0].id, "M")])
    assert exc.value.code == "foreign_variant"
    with pytest.raises(InvalidInput):
        services.adjust_variant_stock(owner, mine, theirs.variants[0].id, -4, "steal")
    db.session.rollback()
    assert db.session.get(Variant, theirs.variants[0].id).available == 4


def test_a_variant_with_stock_cannot_be_removed(db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=3)
    a, b = services.set_variants(owner, product, [VariantRow(product.variants[0].id, "A"), VariantRow(None, "B")])
    with pytest.raises(Conflict):
        services.set_variants(owner, product, [VariantRow(b.id, "B")])


def test_search_text_is_folded_from_every_searched_field(db, seller):
    owner, org = seller
    product = services.create_product(owner, org, data(name="Đậu phụ Mơ", category="processed", code="DP1",
                                                       description="Làm từ đậu tương"))
    assert product.search_text == fold(
        "Đậu phụ Mơ DP1 Đặc sản chế biến Processed food HTX Bưởi Diễn Thử Ô Diên Làm từ đậu tương")
    org.name = "HTX Đổi Tên"
    search.reindex_organisation(org)
    assert "htx doi ten" in product.search_text
