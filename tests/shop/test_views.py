"""Shop pages: catalog, search, product page, storefront, seller pages, uploads, and 403/404 for outsiders."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.shop.models import Photo, Product, StockMovement, Variant


def html(response):
    return response.get_data(as_text=True)


@pytest.fixture
def seller(factory):
    """Named apart from the products, since the organisation's name is searched too."""
    owner = factory.user("Chủ HTX")
    return owner, factory.org(owner, name="HTX Nông sản Hát Môn")


@pytest.fixture
def shop(db, seller, make_product):
    owner, org = seller
    buoi = make_product(owner, org, "Bưởi Diễn", stock=12, code="A12", ocop_stars=4,
                        ocop_expires_on=date.today() + timedelta(days=60), description="Ngọt **thanh**")
    rau = make_product(owner, org, "Rau sạch", stock=0, code="R1", category="vegetables", unit="bunch", price=15000,
                       ocop_stars=3, ocop_expires_on=date.today() - timedelta(days=1))
    return owner, org, buoi, rau


def test_catalog_lists_cards_with_price_and_valid_ocop_badge(client, shop):
    page = html(client.get("/shop/"))
    assert "Bưởi Diễn" in page and "Rau sạch" in page
    assert "60.000 ₫" in page
    assert page.count("OCOP ★") == 1  # the expired certificate shows no badge
    assert 'loading="lazy"' in page or "thumb empty" in page


def test_search_without_accents_on_the_page(client, shop):
    page = html(client.get("/shop/?q=buoi+dien"))
    assert "Bưởi Diễn" in page and "Rau sạch" not in page
    page = html(client.get("/shop/?q=rau+sach"))
    assert "Rau sạch" in page and "Bưởi Diễn" not in page


def test_htmx_search_returns_only_the_results(client, shop):
    response = client.get("/shop/?q=buoi", headers={"HX-Request": "true", "HX-Target": "results"})
    body = html(response)
    assert response.status_code == 200 and "<html" not in body and 'id="results"' in body and "Bưởi Diễn" in body


def test_filters_and_bad_filter_values_never_fail(client, shop):
    assert "Rau sạch" not in html(client.get("/shop/?category=fruit"))
    assert "Rau sạch" not in html(client.get("/shop/?ocop=3"))
    for query in ("?page=-3", "?page=abc", "?ocop=99", "?price_min=abc", "?category=<script>", "?commune=x",
                  "?q=" + "a" * 500, "?q=%22%27%3B"):
        assert client.get("/shop/" + query).status_code == 200


def test_product_page_and_slug_redirect(client, shop):
    _, _, buoi, rau = shop
    response = client.get(f"/shop/p/{buoi.id}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/shop/p/{buoi.id}/buoi-dien")
    page = html(client.get(f"/shop/p/{buoi.id}/buoi-dien"))
    assert "<strong>thanh</strong>" in page and "A12" in page and "12" in page
    assert "Hết hàng" in html(client.get(f"/shop/p/{rau.id}/rau-sach"))


def test_archived_product_leaves_the_catalog_but_its_seller_still_sees_it(client, auth, db, shop):
    owner, org, buoi, _ = shop
    auth.login_as(owner)
    client.post(f"/shop/manage/{org.slug}/products/{buoi.id}/status", data={"status": "archived"})
    auth.logout()
    assert "Bưởi Diễn" not in html(client.get("/shop/"))
    assert "Bưởi Diễn" not in html(client.get("/shop/?q=buoi"))
    assert client.get(f"/shop/p/{buoi.id}/buoi-dien").status_code == 404
    auth.login_as(owner)
    assert client.get(f"/shop/p/{buoi.id}/buoi-dien").status_code == 200


def test_storefront_shows_only_that_organisation(client, factory, make_product, shop):
    _, org, _, _ = shop
    other_owner = factory.user("Chủ khác")
    other = factory.org(other_owner, name="HTX Mây tre")
    make_product(other_owner, other, "Rổ mây", category="handicraft", unit="piece")
    page = html(client.get(f"/shop/o/{org.slug}"))
    assert "Bưởi Diễn" in page and "Rổ mây" not in page
    assert client.get("/shop/o/no-such-org").status_code == 404


def test_seller_creates_edits_and_archives_a_product(client, auth, db, seller):
    owner, org = seller
    auth.login_as(owner)
    assert "Thêm sản phẩm" in html(client.get(f"/shop/manage/{org.slug}/products"))
    response = client.post(f"/shop/manage/{org.slug}/products/new", data={
        "name": "Cam Canh", "code": "c7", "category": "fruit", "unit": "kg", "price": "45.000",
        "stock": "30", "status": "active", "ocop_stars": "", "origin_commune_code": ""})
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.code == "C7"))
    assert product.price == 45000 and product.available == 30
    response = client.post(f"/shop/manage/{org.slug}/products/{product.id}", data={
        "name": "Cam Canh ngọt", "code": "C7", "category": "fruit", "unit": "kg", "price": "50000",
        "status": "active", "ocop_stars": "", "origin_commune_code": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).name == "Cam Canh ngọt"
    assert "Cam Canh ngọt" in html(client.get("/shop/?q=cam canh ngot"))


@pytest.mark.parametrize("price,text", [("-5000", "lớn hơn 0"), ("99999999999", "quá cao"), ("abc", "chỉ gồm chữ số")])
def test_bad_prices_on_the_form_show_a_message_and_save_nothing(client, auth, db, seller, price, text):
    owner, org = seller
    auth.login_as(owner)
    response = client.post(f"/shop/manage/{org.slug}/products/new", data={
        "name": "Cam", "category": "fruit", "unit": "kg", "price": price, "status": "active"})
    assert response.status_code == 200 and text in html(response)
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_clashing_code_on_the_form(client, auth, db, shop):
    owner, org, _, _ = shop
    auth.login_as(owner)
    response = client.post(f"/shop/manage/{org.slug}/products/new", data={
        "name": "Bưởi khác", "code": "a12", "category": "fruit", "unit": "kg", "price": "1000", "status": "active"})
    assert response.status_code == 200 and "A12" in html(response)
    assert db.session.scalar(select(func.count(Product.id))) == 2


def test_photo_upload_reorder_and_delete(client, auth, db, shop, image_bytes):
    owner, org, buoi, _ = shop
    auth.login_as(owner)
    url = f"/shop/manage/{org.slug}/products/{buoi.id}/photos"
    for color in ((200, 0, 0), (0, 200, 0)):
        client.post(url, data={"photo": (io.BytesIO(image_bytes("JPEG", color=color)), "anh.jpg")},
                    content_type="multipart/form-data")
    photos = db.session.scalars(select(Photo).order_by(Photo.position)).all()
    assert len(photos) == 2
    first, second = photos
    key, thumb, first_id = first.key, second.thumb_key, first.id
    response = client.post(f"{url}/{second.id}/move", data={"direction": "up"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="photo-list"' in html(response)
    db.session.expire_all()
    assert db.session.get(Photo, second.id).position == 0
    client.post(f"{url}/order", data={"photo_id": [str(first.id), str(second.id)]})
    db.session.expire_all()
    assert db.session.get(Photo, first.id).position == 0
    client.post(f"{url}/{first.id}/delete")
    db.session.expire_all()
    assert db.session.get(Photo, first_id) is None
    assert client.get(f"/media/{key}").status_code == 404
    assert client.get(f"/media/{thumb}").headers["Content-Type"] == "image/webp"
    assert thumb in html(client.get("/shop/"))


def test_html_file_named_jpg_is_refused_on_the_page(client, auth, db, shop):
    owner, org, buoi, _ = shop
    auth.login_as(owner)
    response = client.post(f"/shop/manage/{org.slug}/products/{buoi.id}/photos",
                           data={"photo": (io.BytesIO(b"<html><body>hi</body></html>"), "anh.jpg")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "JPEG, PNG hoặc WebP" in html(response) or "JPEG, PNG or WebP" in html(response)
    assert db.session.scalar(select(func.count(Photo.id))) == 0


def test_oversize_upload_gets_413_with_the_limit(app, client, auth, shop):
    owner, org, buoi, _ = shop
    auth.login_as(owner)
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        response = client.post(f"/shop/manage/{org.slug}/products/{buoi.id}/photos",
                               data={"photo": (io.BytesIO(b"x" * (2 * 1024 * 1024)), "big.jpg")},
                               content_type="multipart/form-data")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert response.status_code == 413
    assert "1 MB" in html(response)


def test_variants_and_stock_pages(client, auth, db, shop):
    owner, org, buoi, _ = shop
    auth.login_as(owner)
    base = f"/shop/manage/{org.slug}/products/{buoi.id}"
    default_id = buoi.variants[0].id
    response = client.post(f"{base}/variants", data={"variant_id": [str(default_id), "", ""],
                                                     "label": ["1 quả", "2 quả", ""], "price": ["", "115.000", ""]})
    assert response.status_code == 302
    db.session.expire_all()
    labels = [(v.label, v.price) for v in db.session.get(Product, buoi.id).active_variants]
    assert labels == [("1 quả", None), ("2 quả", 115000)]
    two = db.session.scalar(select(Variant).where(Variant.label == "2 quả"))
    response = client.post(f"{base}/stock", data={"variant_id": str(two.id), "delta": "5", "reason": "Hái sáng nay"})
    assert response.status_code == 302
    page = html(client.get(f"{base}/stock"))
    assert "Hái sáng nay" in page and owner.name in page
    response = client.post(f"{base}/stock", data={"variant_id": str(two.id), "delta": "-50", "reason": "hỏng"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Variant, two.id).available == 5


def _seller_routes(org, product, photo_id, variant_id):
    base = f"/shop/manage/{org.slug}/products"
    p = f"{base}/{product.id}"
    return [
        ("GET", base, {}), ("GET", f"{base}/new", {}),
        ("POST", f"{base}/new", {"name": "X", "category": "fruit", "unit": "kg", "price": "1000", "status": "active"}),
        ("GET", p, {}),
        ("POST", p, {"name": "Hacked", "category": "fruit", "unit": "kg", "price": "1", "status": "active"}),
        ("POST", f"{p}/status", {"status": "archived"}),
        ("POST", f"{p}/photos", {}),
        ("POST", f"{p}/photos/{photo_id}/move", {"direction": "down"}),
        ("POST", f"{p}/photos/order", {"photo_id": [str(photo_id)]}),
        ("POST", f"{p}/photos/{photo_id}/delete", {}),
        ("GET", f"{p}/variants", {}),
        ("POST", f"{p}/variants", {"variant_id": [str(variant_id)], "label": ["Hack"], "price": ["1"]}),
        ("GET", f"{p}/stock", {}),
        ("POST", f"{p}/stock", {"variant_id": str(variant_id), "delta": "-12", "reason": "steal"}),
    ]


def test_another_organisations_member_gets_403_or_404_everywhere_and_nothing_changes(
        client, auth, db, factory, shop, make_product, image_bytes):
    from app.core.storage import get_storage
    from app.shop import photos

    owner, org, buoi, _ = shop
    photo = photos.add_photo(owner, buoi, image_bytes(), get_storage())
    db.session.commit()
    intruder = factory.user("Thành viên HTX khác")
    their_org = factory.org(intruder, name="HTX Khác")
    their_product = make_product(intruder, their_org, "Của họ")
    auth.login_as(intruder)
    before = (db.session.scalar(select(func.count(Product.id))), db.session.scalar(select(func.count(StockMovement.id))))
    # B's member on A's pages, and A's product reached through B's own organisation slug.
    routes = _seller_routes(org, buoi, photo.id, buoi.variants[0].id)
    routes += [(m, u.replace(f"/{their_product.id}", f"/{buoi.id}").replace(f"/{org.slug}/", f"/{their_org.slug}/"), d)
               for m, u, d in _seller_routes(org, buoi, photo.id, buoi.variants[0].id) if f"/{buoi.id}" in u]
    for method, url, form in routes:
        response = client.open(url, method=method, data=form)
        assert response.status_code in (403, 404), (method, url, response.status_code)
    db.session.expire_all()
    fresh = db.session.get(Product, buoi.id)
    assert fresh.name == "Bưởi Diễn" and fresh.status == "active" and fresh.available == 12
    assert [v.label for v in fresh.variants] == [None] and len(fresh.photos) == 1
    after = (db.session.scalar(select(func.count(Product.id))), db.session.scalar(select(func.count(StockMovement.id))))
    assert before == after


def test_signed_out_visitors_are_sent_to_sign_in(client, shop):
    _, org, buoi, _ = shop
    response = client.get(f"/shop/manage/{org.slug}/products/{buoi.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_option_of_another_product_is_refused_on_the_stock_and_options_pages(client, auth, db, shop, make_product):
    owner, org, buoi, _ = shop
    other = make_product(owner, org, "Cam Canh", stock=7, code="A15")
    other_variant = other.variants[0]
    auth.login_as(owner)
    base = f"/shop/manage/{org.slug}/products/{buoi.id}"
    before = db.session.scalar(select(func.count(StockMovement.id)))
    response = client.post(f"{base}/stock", data={"variant_id": str(other_variant.id), "delta": "-7", "reason": "x"})
    assert response.status_code == 200 and "Phân loại này thuộc sản phẩm khác." in html(response)
    response = client.post(f"{base}/variants", data={"variant_id": [str(other_variant.id)], "label": ["Mượn"],
                                                     "price": [""]})
    assert response.status_code == 200 and "Phân loại này thuộc sản phẩm khác." in html(response)
    db.session.expire_all()
    assert db.session.get(Variant, other_variant.id).available == 7
    assert db.session.get(Variant, other_variant.id).label is None
    assert db.session.scalar(select(func.count(StockMovement.id))) == before
