"""Product pages answer a conditional GET with 304 until the product, its stock, the language or the viewer change."""
from __future__ import annotations

from app.shop import inventory


def _page(client, product, etag=None, **headers):
    if etag:
        headers["If-None-Match"] = etag
    return client.get(f"/shop/p/{product.id}/{product.slug}", headers=headers)


def test_product_page_carries_an_etag_and_a_revalidation_gets_304(client, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    first = _page(client, product)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    again = _page(client, product, first.headers["ETag"])
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_a_stock_change_makes_the_page_new_again(client, db, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    etag = _page(client, product).headers["ETag"]
    assert _page(client, product, etag).status_code == 304
    inventory.receive_stock(product.variants[0], 3, owner, "more fruit")
    db.session.commit()
    fresh = _page(client, product, etag)
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert "8" in fresh.get_data(as_text=True)


def test_another_language_or_a_signed_in_viewer_gets_the_full_page(client, auth, seller, make_product):
    from app.core.i18n import LANG_COOKIE

    owner, org = seller
    product = make_product(owner, org, stock=5)
    etag = _page(client, product).headers["ETag"]
    client.set_cookie(LANG_COOKIE, "en")
    english = _page(client, product, etag)
    assert english.status_code == 200 and english.headers["ETag"] != etag
    client.delete_cookie(LANG_COOKIE)
    auth.login_as(owner)
    signed_in = _page(client, product, etag)
    assert signed_in.status_code == 200 and signed_in.headers["ETag"] != etag


def test_a_wrong_etag_gets_the_page(client, seller, make_product):
    owner, org = seller
    product = make_product(owner, org, stock=5)
    response = _page(client, product, '"not-this-one"')
    assert response.status_code == 200 and "Bưởi Diễn" in response.get_data(as_text=True)
