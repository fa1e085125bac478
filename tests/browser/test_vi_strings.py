"""The screens issue 21 rewrote, in Vietnamese on a 390×844 phone with the demo district: the words of docs/glossary.md
are on screen (gian hàng, giỏ live, Lên lịch, Bài tiếp theo, action buttons that say what they do, units per nải/vỉ,
the street hint, numbers written 1.440). Screenshots docs/screenshots/vi-*.png."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in_demo

pytestmark = pytest.mark.browser

BUYER, SELLER = "0922000001", "0911000001"


@pytest.fixture
def phone(browser, browser_context_args, browser_app):
    contexts = []

    def open_as(login: str):
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in_demo(page, login)
        page.goto("/lang/vi?next=/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_buyer_screens_in_vietnamese(phone, district, db, vi, shot):
    from sqlalchemy import select

    from app.shop.models import Product

    page = phone(BUYER)
    bananas = db.session.scalar(select(Product).where(Product.name == "Chuối tiêu hồng"))
    page.goto(f"/shop/p/{bananas.id}")
    expect(page.locator("main")).to_contain_text("/ nải")
    expect(page.locator("main")).to_contain_text("Gian hàng:")
    page.get_by_text("Gian hàng:").evaluate("el => el.scrollIntoView({block: 'center'})")
    shot(page, "vi-product-per-hand")

    page.goto("/live/cart")
    expect(page.locator("h1")).to_have_text("Giỏ live của bạn")
    shot(page, "vi-live-cart")

    page.goto(f"/shop/p/{district['product']}")
    page.get_by_role("button", name=vi("Add to cart")).click()
    page.goto("/shop/checkout")
    expect(page.locator("h1")).to_have_text("Đặt hàng")
    street = page.get_by_label("Số nhà, ngõ/ngách, đường, tổ dân phố/thôn/xóm")
    expect(street).to_be_visible()
    expect(page.locator("main")).to_contain_text("Ví dụ: số 12 ngõ 5 Lê Lợi, tổ dân phố 3")
    expect(page.locator("main")).to_contain_text("Trả tiền mặt khi nhận hàng (COD)")
    page.get_by_text("Ví dụ: số 12 ngõ 5 Lê Lợi").evaluate("el => el.scrollIntoView({block: 'center'})")
    shot(page, "vi-checkout-address")

    page.goto(f"/training/c/{district['course']}")
    page.get_by_test_id("enrol").click()
    expect(page.get_by_test_id("lesson-done")).to_contain_text("bài tiếp theo")
    page.get_by_test_id("lesson-done").scroll_into_view_if_needed()
    shot(page, "vi-lesson-next")
    page.goto(f"/training/c/{district['course']}")
    expect(page.locator("main")).to_contain_text("Bài tiếp theo:")


def test_seller_screens_in_vietnamese(phone, district, vi, shot):
    page = phone(SELLER)
    org = district["org"]
    placed = district["orders"].get("placed") or next(iter(district["orders"].values()))
    page.goto(f"/shop/manage/{org}/orders/{placed}")
    actions = page.get_by_test_id("order-actions")
    expect(actions).to_be_visible()
    for status_word in ("Đã xác nhận", "Đã giao", "Đã hủy", "Đã hoàn tiền"):
        expect(actions.get_by_role("button", name=status_word, exact=True)).to_have_count(0)
    shot(page, "vi-seller-order-actions")

    page.goto(f"/live/manage/{org}/new")
    expect(page.get_by_role("button", name="Lên lịch", exact=True)).to_be_visible()
    page.get_by_role("button", name="Lên lịch", exact=True).scroll_into_view_if_needed()
    shot(page, "vi-live-schedule")

    page.goto(f"/shop/manage/{org}/products/new")
    unit = page.get_by_label("Đơn vị tính")
    expect(unit).to_be_visible()
    for word in ("nải", "con", "vỉ", "thùng"):
        expect(unit.locator("option", has_text=word).first).to_be_attached()
    unit.scroll_into_view_if_needed()
    shot(page, "vi-product-form-units")

    page.goto(f"/live/{district['lives']['ended']}/claims")
    expect(page.locator("main")).not_to_contain_text("đã thanh toán")
    shot(page, "vi-claims-log")

    page.goto(f"/live/{district['lives']['ended']}/report")
    expect(page.locator("main")).to_contain_text("Tiền hàng đang giữ")
    shot(page, "vi-live-report")

    page.goto("/orgs/new")
    expect(page.locator("h1")).to_have_text("Mở gian hàng")
    expect(page.get_by_label("Tên gian hàng")).to_be_visible()
    shot(page, "vi-open-shop")
