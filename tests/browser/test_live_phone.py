"""Browser, the live on a phone (360×740 and 390×844): player, newest comment and comment box on the first screen;
"Chốt" reserves and the acknowledgement shows in view; orders by name and the choice between names; the seller's
cancel (with its reason) and confirmation reach the buyer's page; the seller console at phone size."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.live_support import (  # noqa: F401  (live_on_air, no_rate_limit: fixtures)
    in_first_screen,
    in_view,
    live_on_air,
    no_horizontal_overflow,
    no_rate_limit,
    open_live,
)
from tests.support.browser import phone_context, sign_in, sign_in_demo

pytestmark = pytest.mark.browser


def held(db, user):
    from app.livestream.models import LiveReservation

    db.session.expire_all()
    return [(r.live_product.live_code, r.quantity, r.variant.label, r.status) for r in db.session.scalars(
        select(LiveReservation).where(LiveReservation.user_id == user.id).order_by(LiveReservation.id))]


@pytest.mark.parametrize("size", ["360", "390"])
def test_first_screen_and_chot_on_a_phone(browser, browser_context_args, browser_app, live_on_air, db, vi, shot, size):
    owner, buyer, live = live_on_air
    ctx = phone_context(browser, browser_context_args, size)
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        open_live(page, buyer, live)
        newest = page.locator("#live-messages li").last
        expect(newest).to_contain_text("chốt B3 x2")
        for part in (page.locator(".live-stage .live-frame").first, newest, page.locator("#live-comment input")):
            assert in_first_screen(page, part), part
        assert no_horizontal_overflow(page)
        expect(page.get_by_test_id("no-video-note")).to_contain_text(vi("On air, no video yet."))

        # Order by name from the box: the acknowledgement shows next to it, on the first screen.
        page.locator("#live-comment input").fill("lấy 2 quả bưởi diễn")
        page.locator("#live-comment button[type=submit]").click()
        ack = page.locator("#live-ack")
        expect(ack).to_contain_text(vi("Reserved for you:"))
        expect(ack).to_contain_text("2 × A12")
        assert in_first_screen(page, ack) and in_first_screen(page, page.locator("#live-comment input"))
        shot(page, f"live-buyer-{size}")

        # "Chốt" on the gift box: option and quantity, then the same comment a buyer would type.
        page.get_by_test_id("chot-A13").click()
        dialog = page.locator("#chot-dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_label("Hộp 6 quả").check()
        dialog.get_by_role("button", name=vi("One more")).click()
        expect(dialog.locator(".chot-text")).to_have_text("chốt A13 x2 Hộp 6 quả")
        dialog.get_by_test_id("chot-send").click()
        expect(dialog).to_be_hidden()
        expect(ack).to_contain_text("2 × A13 Hộp 6 quả")
        assert in_view(page, ack)
        expect(page.locator('.live-product[data-code="A13"] .remaining')).to_have_text("18")
        assert held(db, buyer) == [("A12", 2, None, "held"), ("A13", 2, "Hộp 6 quả", "held")]
        expect(page.locator("#live-messages")).to_contain_text("chốt A13 x2 Hộp 6 quả")  # in the claim log as a comment
        assert no_horizontal_overflow(page)
    finally:
        ctx.close()


def test_a_name_that_fits_two_products_asks_with_buttons(browser, browser_context_args, browser_app, live_on_air, db,
                                                         vi):
    owner, buyer, live = live_on_air
    ctx = phone_context(browser, browser_context_args, "390")
    try:
        page = ctx.new_page()
        open_live(page, buyer, live)
        page.locator("#live-comment input").fill("lấy 2 quả bưởi")
        page.locator("#live-comment button[type=submit]").click()
        expect(page.locator("#live-ack")).to_contain_text(vi("Do you want to order %(choices)s?", choices="A12 Bưởi Diễn")
                                                          .split("A12")[0].strip())
        choices = page.get_by_test_id("live-choices")
        expect(choices.get_by_role("button")).to_have_count(2)
        choices.get_by_test_id("choice-A12").click()
        expect(page.locator("#live-ack")).to_contain_text("2 × A12")
        expect(choices).to_be_hidden()
        assert held(db, buyer) == [("A12", 2, None, "held")]
    finally:
        ctx.close()


def test_seller_cancel_and_confirm_reach_the_buyer(browser, browser_context_args, browser_app, live_on_air, db, vi,
                                                   shot):
    owner, buyer, live = live_on_air
    seller_ctx = phone_context(browser, browser_context_args, "390")
    buyer_ctx = phone_context(browser, browser_context_args, "360")
    try:
        shopper = buyer_ctx.new_page()
        open_live(shopper, buyer, live)
        for text in ("chốt A12 x2", "chốt B3"):
            shopper.locator("#live-comment input").fill(text)
            shopper.locator("#live-comment button[type=submit]").click()
            expect(shopper.locator("#live-ack")).to_contain_text(text.split()[1])

        seller = seller_ctx.new_page()
        sign_in(seller, owner)
        seller.goto(f"/live/{live.id}/console")
        group = seller.locator(f'.queue-buyer[data-user-id="{buyer.id}"]')
        expect(group).to_contain_text("Trần Thị Lan")
        expect(group.locator("li")).to_have_count(2)
        assert no_horizontal_overflow(seller)

        # Cancel one line, choosing why: the buyer's page says so at once.
        group.locator("li", has_text="B3").get_by_role("button", name=vi("Cancel")).click()
        dialog = seller.locator("#cancel-dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_label(vi("Sold out")).check()
        dialog.get_by_test_id("cancel-confirm").click()
        expect(group.locator("li")).to_have_count(1)
        notice = shopper.get_by_test_id("buyer-notice").first
        expect(notice).to_contain_text(vi("the product ran out"))
        expect(notice).to_contain_text("1 × Cam Canh")
        assert in_view(shopper, notice)

        # Confirm all of the buyer's lines in one tap.
        group.get_by_role("button", name=vi("Confirm all (%(n)s)", n=1)).click()
        expect(group.locator("li.is-confirmed")).to_have_count(1)
        expect(shopper.get_by_test_id("buyer-notice").first).to_contain_text("2 × A12")
        assert held(db, buyer) == [("A12", 2, None, "held"), ("B3", 1, None, "cancelled")]
        shopper.locator("#live-composer").scroll_into_view_if_needed()
        shot(shopper, "live-buyer-notice-360")

        # A question gets the quick replies; the reply bar sits under the list, never over it.
        shopper.locator("#live-comment input").fill("shop ơi bưởi còn không?")
        shopper.locator("#live-comment button[type=submit]").click()
        question = seller.locator("#console-messages li.kind-question").last
        expect(question).to_contain_text("bưởi còn không")
        question.get_by_role("button", name=vi("We have it in stock.")).click()
        expect(shopper.locator("#live-messages li").last).to_contain_text("@Lan " + vi("We have it in stock."))
        bar = seller.locator("#console-reply").bounding_box()
        messages = seller.locator("#console-messages").bounding_box()
        assert bar["y"] >= messages["y"] + messages["height"] - 0.5
        question.scroll_into_view_if_needed()
        shot(seller, "live-console-phone")

        # Ending asks first; dismissing it keeps the live on air.
        seller.once("dialog", lambda d: d.dismiss())
        seller.locator("#console-end").click()
        expect(seller.get_by_test_id("console-state")).to_contain_text(vi("On air"))
    finally:
        seller_ctx.close()
        buyer_ctx.close()


def test_demo_live_order_by_name(browser, browser_context_args, browser_app, real_socketio, runner, db, vi):
    """The demo district: "lấy 2 quả bưởi diễn" in the demo live reserves A12 × 2."""
    from app.accounts.services import find_user_by_login
    from app.livestream.models import LiveSession

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    live = db.session.scalar(select(LiveSession).where(LiveSession.state == "live"))
    buyer = find_user_by_login("0922000003")
    ctx = phone_context(browser, browser_context_args, "390")
    try:
        page = ctx.new_page()
        sign_in_demo(page, buyer.phone)
        page.goto(f"/live/{live.id}")
        expect(page.locator("#live-comment button[type=submit]")).to_be_enabled()
        page.locator("#live-comment input").fill("lấy 2 quả bưởi diễn")
        page.locator("#live-comment button[type=submit]").click()
        expect(page.locator("#live-ack")).to_contain_text("2 × A12")
        assert ("A12", 2, None, "held") in held(db, buyer)
    finally:
        ctx.close()
