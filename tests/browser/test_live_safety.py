"""Browser: the seller runs a flash sale from the console and the buyer sees its countdown and gets the price;
an abusive comment stays with its sender and shows greyed on the console; the seller mutes the buyer."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser



@pytest.fixture
def on_air(real_socketio, app, db, factory, monkeypatch):
    from app.core.dbtypes import utcnow
    from app.livestream import services
    from app.shop import services as shop

    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 0)
    monkeypatch.setitem(app.config, "LIVE_STATS_INTERVAL", 0)
    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    buyer = factory.user("Trần Thị Lan")
    live = services.schedule_live(owner, org, title="Phiên bưởi Tết", scheduled_at=utcnow() + timedelta(minutes=5))
    for name, code, price, stock, category, unit in (("Bưởi Diễn loại 1", "A12", 60000, 20, "fruit", "fruit"),
                                                     ("Gà Mía thả vườn", "B3", 180000, 5, "other", "head")):
        product = shop.create_product(owner, org, shop.ProductData(name=name, category=category, unit=unit,
                                                                   price=price, code=code, status="active"),
                                      stock=stock)
        services.add_live_product(owner, live, product)
    services.start_live(owner, live)
    db.session.commit()
    return owner, buyer, live


def say(page: Page, text: str) -> None:
    page.locator("#live-comment input[name=text]").fill(text)
    page.locator("#live-comment button[type=submit]").click()


def test_flash_sale_countdown_hidden_words_and_mute(browser, browser_context_args, browser_app, on_air, vi, shot):
    owner, buyer, live = on_air
    seller_ctx = browser.new_context(**browser_context_args)
    buyer_ctx = browser.new_context(**browser_context_args)
    try:
        seller = seller_ctx.new_page()
        seller.set_default_timeout(10_000)
        sign_in(seller, owner)
        seller.goto(f"/live/{live.id}/console")
        shopper = buyer_ctx.new_page()
        shopper.set_default_timeout(10_000)
        sign_in(shopper, buyer)
        shopper.goto(f"/live/{live.id}")
        expect(shopper.locator("#live-comment")).to_be_visible()
        expect(seller.locator('[data-stat="viewers"]')).to_have_text("2")

        seller.locator("#console-flash-box summary").click()
        form = seller.locator("#console-flash")
        form.locator("select[name=code]").select_option("A12")
        form.locator("input[name=price]").fill("39000")
        form.locator("input[name=seconds]").fill("120")
        form.locator("input[name=per_buyer_cap]").fill("2")
        form.scroll_into_view_if_needed()
        shot(seller, "live-console-flash-form")
        form.get_by_role("button", name=vi("Start the flash sale")).click()
        expect(seller.get_by_test_id("console-flash-running")).to_be_visible()

        banner = shopper.get_by_test_id("live-flash")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("39.000")
        expect(banner).to_contain_text("60.000")
        expect(banner.locator(".live-flash-left")).to_have_text(re.compile(r"\d+"))
        say(shopper, "chốt A12 x2")
        expect(shopper.locator("#live-ack")).to_contain_text("39.000")
        banner.scroll_into_view_if_needed()
        shot(shopper, "live-flash-sale")

        order_line = seller.get_by_test_id("console-messages").locator("li.kind-order")
        expect(order_line.get_by_role("button", name=vi("Mute 10 min"))).to_be_visible()
        say(shopper, "shop lừa đảo")
        expect(shopper.locator("#live-messages")).to_contain_text("shop lừa đảo")  # the sender sees their own line
        hidden = seller.get_by_test_id("console-messages").locator("li.is-hidden")
        expect(hidden).to_contain_text("shop lừa đảo")
        expect(hidden).to_contain_text(vi("hidden automatically: abusive word or link"))

        hidden.get_by_role("button", name=vi("Mute 10 min")).click()
        expect(hidden).to_contain_text(re.compile(vi("muted until %(time)s", time="") + r"\d\d:\d\d"))
        say(shopper, "chốt B3")
        expect(shopper.locator("#live-ack")).to_have_class("ack-error")
        expect(shopper.locator("#live-ack")).to_contain_text(vi("The seller has muted you in this live until %(time)s.",
                                                                time="")[:25])
        seller.once("dialog", lambda dialog: dialog.accept())
        hidden.get_by_role("button", name=vi("Block")).click()
        blocked = seller.get_by_test_id("console-blocked")
        expect(blocked).to_be_visible()
        expect(blocked.locator("summary")).to_contain_text("(1)")
        hidden.scroll_into_view_if_needed()
        shot(seller, "live-console-moderation")
        blocked.locator("summary").click()
        blocked.get_by_role("button", name=vi("Unblock")).click()
        expect(blocked).to_be_hidden()
        seller.locator("h1").scroll_into_view_if_needed()
        expect(seller.locator('[data-stat="orders"]')).to_have_text("1")
        expect(seller.locator('[data-stat="orders_per_min"]')).to_have_text("1")
        shot(seller, "live-console-stats")
    finally:
        seller_ctx.close()
        buyer_ctx.close()
