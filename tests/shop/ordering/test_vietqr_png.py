""""Lưu ảnh QR": the order's VietQR as a PNG download, for its buyer only, decoding to the order's payload."""
from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from app.shop import vietqr
from app.shop.ordering import services
from tests.shop.ordering.test_views import place_vietqr


def test_buyer_saves_the_qr_as_a_png_that_scans(db, client, auth, buyer, stocked, address, seller):
    order = place_vietqr(db, client, auth, buyer, stocked, address, seller)
    page = client.get(f"/shop/orders/{order.number}").get_data(as_text=True)
    assert f'href="/shop/orders/{order.number}/vietqr.png"' in page and 'data-testid="qr-save"' in page
    response = client.get(f"/shop/orders/{order.number}/vietqr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Content-Disposition"] == f'attachment; filename="vietqr-{order.number}.png"'
    assert "no-store" in response.headers["Cache-Control"]
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)).convert("L"))
    org = order.organisation
    assert found.text == vietqr.build_payload(org.bank_bin, org.bank_account_number, order.total,
                                              vietqr.normalize_memo(order.number))


def test_only_the_buyer_and_only_while_payment_is_due(db, client, auth, factory, buyer, stocked, address, seller):
    order = place_vietqr(db, client, auth, buyer, stocked, address, seller)
    url = f"/shop/orders/{order.number}/vietqr.png"
    auth.logout()
    assert client.get(url).status_code in (302, 401)
    auth.login_as(factory.user("Người khác"))
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login_as(buyer)
    services.transition(order, "cancelled", buyer)
    db.session.commit()
    assert client.get(url).status_code == 404
    assert client.get("/shop/orders/KHONG-CO/vietqr.png").status_code == 404
