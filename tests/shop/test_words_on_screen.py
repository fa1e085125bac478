"""The words a Vietnamese seller and buyer expect (issue 21): a chicken priced per con, bananas per nải, eggs per vỉ,
the shop named as a gian hàng, a street hint with ngõ/ngách and tổ dân phố, the special zones in the commune list."""
import pytest

from app.core import addresses
from app.errors import InvalidInput
from app.shop import services
from app.shop.models import UNIT_CODES


def html(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("unit", "word"), [("head", "con"), ("hand", "nải"), ("tray", "vỉ"), ("carton", "thùng")])
def test_a_product_is_priced_per_its_own_unit(db, client, seller, make_product, unit, word):
    owner, org = seller
    product = make_product(owner, org, name="Gà ta thả vườn", category="other", unit=unit, price=180000, stock=3)
    page = html(client.get(f"/shop/p/{product.id}/{product.slug}"))
    assert f"/ {word}</small>" in page
    assert "180.000 ₫" in page
    assert "Gian hàng:" in page and "Bán theo" not in page


def test_an_unknown_unit_is_refused_in_vietnamese_and_nothing_is_saved(db, seller):
    owner, org = seller
    assert "quả_gà" not in UNIT_CODES
    with pytest.raises(InvalidInput) as caught:
        services.create_product(owner, org, services.ProductData(name="Gà", category="other", unit="quả_gà",
                                                                 price=1000))
    assert "đơn vị tính" in str(caught.value.message)
    db.session.rollback()
    from app.shop.models import Product
    assert db.session.query(Product).count() == 0


def test_the_unit_field_is_labelled_as_a_unit_and_lists_the_new_units(db, client, auth, seller):
    owner, org = seller
    auth.login_as(owner)
    page = html(client.get(f"/shop/manage/{org.slug}/products/new"))
    assert "Đơn vị tính" in page
    for word in ("nải", "con", "vỉ", "thùng"):
        assert f">{word}</option>" in page


def test_the_special_zones_are_in_the_commune_list():
    phu_quoc = addresses.find_commune("Đặc khu Phú Quốc", 91)
    assert phu_quoc is not None and addresses.commune_province(phu_quoc) == 91
    assert addresses.find_commune("Đặc khu Côn Đảo", 79) is not None


def test_the_commune_picker_offers_a_special_zone(client):
    options = html(client.get("/address/communes?province_code=91"))
    assert "Đặc khu Phú Quốc" in options


def test_the_checkout_street_hint_names_lanes_and_hamlets(db, client, auth, factory):
    auth.login_as(factory.user("Người mua"))
    page = html(client.get("/account"))
    assert "ngõ/ngách" in page and "tổ dân phố/thôn/xóm" in page and "xã/phường/đặc khu" in page.lower()
    assert "Ví dụ: số 12 ngõ 5 Lê Lợi, tổ dân phố 3" in page


def test_stock_counts_are_written_the_vietnamese_way(db, client, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, name="Gạo nếp cái hoa vàng", category="other", unit="kg", price=40000,
                           stock=1440)
    page = html(client.get(f"/shop/p/{product.id}/{product.slug}"))
    assert "1.440" in page and "1440 kg" not in page
    stock = client.get(f"/shop/p/{product.id}/stock").get_json()
    assert "1.440" in stock["line"]
