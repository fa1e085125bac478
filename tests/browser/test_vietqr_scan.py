"""Browser: the order page's VietQR scans from the screen itself at 360 px, 390 px and desktop widths, and
"Lưu ảnh QR" downloads a PNG of the same payload."""
from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser

SIZES = {"360": {"width": 360, "height": 740}, "390": {"width": 390, "height": 844},
         "desktop": {"width": 1280, "height": 800}}


@pytest.fixture
def vietqr_order(app, db, factory):
    from app.core.addresses import commune_province, find_commune
    from app.shop import services as shop
    from app.shop import vietqr
    from app.shop.ordering import services as ordering

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0071001234567", "HTX BUOI DIEN PHU DIEN"
    buyer = factory.user("Trần Thị Lan")
    product = shop.create_product(owner, org, shop.ProductData(name="Bưởi Diễn", category="fruit", unit="fruit",
                                                               price=65000, code="A12", status="active"), stock=20)
    cart = ordering.get_cart(buyer, None, create=True)
    ordering.add_to_cart(cart, product.variants[0].id, 3)
    commune = find_commune("Xã Ô Diên")
    [order] = ordering.checkout(cart, buyer, name="Trần Thị Lan", phone="0912345678",
                                province_code=commune_province(commune), commune_code=commune, street="Thôn Đông",
                                note=None, payment_method="vietqr", idempotency_key=uuid.uuid4().hex)
    db.session.commit()
    payload = vietqr.build_payload(org.bank_bin, org.bank_account_number, order.total,
                                   vietqr.normalize_memo(order.number))
    return buyer, order, payload


@pytest.mark.parametrize("size", sorted(SIZES))
def test_vietqr_decodes_from_the_screenshot(browser, browser_context_args, browser_app, vietqr_order, shot, vi, size):
    buyer, order, payload = vietqr_order
    ctx = browser.new_context(**{**browser_context_args, "viewport": SIZES[size], "screen": SIZES[size],
                                 **({"is_mobile": False, "has_touch": False} if size == "desktop" else {})})
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, buyer)
        page.goto(f"/shop/orders/{order.number}")
        qr = page.locator(".vietqr-box svg")
        qr.scroll_into_view_if_needed()
        box = qr.bounding_box()
        assert box["width"] >= 240 and abs(box["width"] - box["height"]) < 1, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"], box  # drawn whole
        path = shot(page, f"order-vietqr-{size}")
        [found] = zxingcpp.read_barcodes(Image.open(path).convert("L"))
        assert found.format == zxingcpp.BarcodeFormat.QRCode and found.text == payload
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

        # "Lưu ảnh QR", beside the copy buttons: a PNG download of the same payload.
        save = page.get_by_test_id("qr-save")
        expect(save).to_have_text("💾 " + vi("Save QR image"))
        with page.expect_download() as info:
            save.click()
        download = info.value
        assert download.suggested_filename == f"vietqr-{order.number}.png"
        [saved] = zxingcpp.read_barcodes(Image.open(io.BytesIO(Path(download.path()).read_bytes())).convert("L"))
        assert saved.text == payload
    finally:
        ctx.close()
