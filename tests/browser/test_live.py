"""Browser: the seller starts a live and pins a product on the console; a buyer orders by typing; the order arrives."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser



@pytest.fixture
def live_setup(real_socketio, app, db, factory):
    """A cooperative with two products on a scheduled live, committed before the browser acts."""
    from app.core.dbtypes import utcnow
    from app.livestream import services
    from app.shop import services as shop

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    buyer = factory.user("Trần Thị Lan")
    live = services.schedule_live(owner, org, title="Phiên bưởi Tết", scheduled_at=utcnow() + timedelta(minutes=5))
    codes = {}
    for name, code, price, stock, category, unit in (("Bưởi Diễn loại 1", "A12", 60000, 20, "fruit", "fruit"),
                                                     ("Gà Mía thả vườn", "B3", 180000, 5, "other", "head")):
        product = shop.create_product(owner, org, shop.ProductData(name=name, category=category, unit=unit,
                                                                   price=price, code=code, status="active"),
                                      stock=stock)
        codes[name] = services.add_live_product(owner, live, product).live_code
    db.session.commit()
    return owner, buyer, live, codes


def test_seller_console_and_buyer_order_by_comment(browser, browser_context_args, browser_app, live_setup, vi, shot):
    owner, buyer, live, codes = live_setup
    code = codes["Bưởi Diễn loại 1"]
    seller_ctx = browser.new_context(**browser_context_args)
    buyer_ctx = browser.new_context(**browser_context_args)
    viewer_ctx = browser.new_context(**browser_context_args)
    try:
        seller = seller_ctx.new_page()
        seller.set_default_timeout(10_000)
        sign_in(seller, owner)
        seller.goto(f"/live/{live.id}/console")
        expect(seller.locator("h1")).to_have_text(vi("Live console"))
        seller.get_by_role("button", name=vi("Go live")).click()
        expect(seller.get_by_test_id("console-state")).to_contain_text(vi("On air"))

        shopper = buyer_ctx.new_page()
        shopper.set_default_timeout(10_000)
        sign_in(shopper, buyer)
        shopper.goto(f"/live/{live.id}")
        expect(shopper.locator("#live-comment")).to_be_visible()
        # Send is enabled once the socket has joined the live's room: only then does the pin below reach this page.
        expect(shopper.locator("#live-comment button[type=submit]")).to_be_enabled()

        card = seller.locator(f'.console-product[data-code="{code}"]')
        card.get_by_role("button", name=vi("Pin product")).click()
        expect(card).to_have_attribute("data-pinned", "true")
        expect(card.get_by_role("button", name=vi("Unpin"))).to_be_visible()
        expect(shopper.locator(f'.live-product[data-code="{code}"] .pin-mark')).to_be_visible()

        viewer = viewer_ctx.new_page()  # not signed in: watches the chat
        viewer.set_default_timeout(10_000)
        viewer.goto(f"/live/{live.id}")
        expect(viewer.locator("#live-messages")).to_be_attached()

        shopper.locator("#live-comment input[name=text]").fill(f"chốt {code} x2 sdt 0987654321 giao ngõ 5")
        shopper.locator("#live-comment button[type=submit]").click()
        ack = shopper.locator("#live-ack")
        expect(ack).to_contain_text(vi("Reserved for you:"))
        expect(ack).to_contain_text(f"2 × {code}")
        expect(ack).to_have_class("ack-ok")
        expect(shopper.locator(f'.live-product[data-code="{code}"] .remaining')).to_have_text("18")
        shopper.locator("#live-ack").scroll_into_view_if_needed()
        shot(shopper, "live-buyer")

        # #12: the viewer sees the buyer's phone and street masked (by the server); the console reads them as typed.
        viewer_line = viewer.locator("#live-messages li.kind-order")
        expect(viewer_line).to_contain_text("0987 *** 321 giao ngõ ***")
        expect(viewer.locator("#live-messages")).not_to_contain_text("0987654321")
        expect(seller.get_by_test_id("console-messages").locator("li.kind-order")).to_contain_text(
            "0987654321 giao ngõ 5")

        queue = seller.get_by_test_id("console-queue")
        expect(queue.locator(".queue-buyer")).to_contain_text("Trần Thị Lan")
        expect(queue.locator(".queue-buyer li")).to_contain_text(f"2 × {code}")
        expect(seller.get_by_test_id("console-messages").locator("li.kind-order")).to_contain_text(f"→ 2 × {code} ✓")
        expect(seller.locator('[data-stat="orders"]')).to_have_text("1")
        expect(seller.locator(f'.console-product[data-code="{code}"] .remaining')).to_have_text("18")
        queue.scroll_into_view_if_needed()
        shot(seller, "live-console")
    finally:
        seller_ctx.close()
        buyer_ctx.close()
        viewer_ctx.close()
