"""Browser (#17): registering asks for consent (never pre-ticked); the "Dữ liệu của tôi" page; a lot's public page
and its printable QR label, which decodes from the screen to a URL that opens the lot's page."""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


def test_register_with_consent_then_my_data(page: Page, browser_app, db, vi, shot, page_checks):
    page.goto("/register")
    page.locator("#name").fill("Đỗ Thị Hoa")
    page.locator("#login").fill("0912 777 888")
    page.locator("#password").fill("matkhau-dai-123")
    expect(page.locator("#consent")).not_to_be_checked()
    expect(page.locator("#marketing")).not_to_be_checked()
    page.get_by_test_id("register-submit").click()
    expect(page.locator("#consent-error")).to_have_text(vi(
        "Please tick the box to agree to how we use your personal data; without it we cannot go on."))
    page_checks.check(page)

    page.locator("#password").fill("matkhau-dai-123")
    page.locator("#consent").check()
    page.get_by_test_id("register-submit").click()
    expect(page).to_have_url(re.compile(r"/account$"))
    page.get_by_test_id("my-data").click()
    expect(page.locator("h1")).to_have_text(vi("My data"))
    expect(page.get_by_test_id("data-counts")).to_contain_text(vi("Consents") + ": 1")
    shot(page, "my-data")
    page.locator("#delete").scroll_into_view_if_needed()
    shot(page, "my-data-delete")
    with page.expect_download() as info:
        page.get_by_test_id("download-json").click()
    assert info.value.suggested_filename == "cholive-my-data.json"


def test_lot_page_and_qr_label_decode_to_the_lot(page: Page, browser_app, db, factory, shot, vi):
    from app.shop import lots, services

    owner = factory.user("Chủ HTX Bưởi")
    org = factory.org(owner, name="HTX Bưởi Diễn Đan Phượng")
    product = services.create_product(owner, org, services.ProductData(
        name="Bưởi Diễn loại 1", category="fruit", unit="fruit", price=60000, status="active"), stock=10)
    lots.set_gtin(product, "8934567890120")
    lot = lots.add_lot(product, lots.LotData(code="BD-2026-11", produced_on=date(2026, 11, 20),
                                             farm="Vườn bưởi bà Tư, thôn Thượng Thụy", plot="Thửa 7",
                                             certifications="VietGAP"))
    db.session.commit()

    page.goto(f"/lot/{lot.id}")
    expect(page.get_by_test_id("lot-code")).to_have_text("BD-2026-11")
    shot(page, "lot-page")

    sign_in(page, owner)
    page.goto(f"/shop/manage/{org.slug}/products/{product.id}#documents")
    page.evaluate("document.getElementById('documents').scrollIntoView({block: 'start'}); window.scrollBy(0, -130)")
    expect(page.get_by_test_id("add-document")).to_be_visible()
    shot(page, "product-documents")
    # The product form takes no OCOP stars by hand: it points at the certificate instead.
    hint = page.get_by_test_id("ocop-hint")
    expect(hint).to_contain_text(vi("The OCOP stars show once you add the OCOP certificate under “Quality papers” below."))
    expect(page.locator('select[name="ocop_stars"]')).to_have_count(0)  # the certificate's is doc-ocop_stars
    hint.scroll_into_view_if_needed()
    shot(page, "product-form-ocop-hint")
    page.goto(f"/shop/manage/{org.slug}/products/{product.id}/lots/{lot.id}/label")
    qr = page.locator(".lot-qr")
    box = qr.bounding_box()
    assert box["width"] >= 200 and box["x"] >= 0, box
    path = shot(page, "lot-label")
    [found] = zxingcpp.read_barcodes(Image.open(path).convert("L"))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    url = urlsplit(found.text)
    assert url.path == "/01/08934567890120/10/BD-2026-11", found.text
    page.goto(url.path)
    expect(page).to_have_url(re.compile(rf"/lot/{lot.id}$"))
    expect(page.get_by_test_id("lot-code")).to_have_text("BD-2026-11")
