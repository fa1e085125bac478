"""Browser, before and after the live: follow, the bell when the shop goes live, order in chat, live cart → COD,
the seller's report. Phone size; screenshots for the docs."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser



@pytest.fixture
def lives(real_socketio, app, db, factory):
    """A cooperative with a live about to start (two products, a cover) and another organisation's live on air."""
    from app.core.addresses import commune_province, find_commune
    from app.core.dbtypes import utcnow
    from app.core.storage import get_storage
    from app.livestream import covers, services
    from app.shop import services as shop
    from app.shop.demo import draw_photo

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    commune = find_commune("Xã Ô Diên")
    buyer = factory.user("Trần Thị Lan", province_code=commune_province(commune), commune_code=commune,
                         street="Số 5, thôn Đông")
    live = services.schedule_live(owner, org, title="Phiên bưởi Tết: chốt đơn tại vườn",
                                  scheduled_at=utcnow() + timedelta(hours=2, minutes=15),
                                  description="Gõ mã sản phẩm vào ô chat để chốt đơn, ví dụ “chốt A12 x2”.")
    for name, code, price, stock in (("Bưởi Diễn loại 1", "A12", 60000, 20), ("Cam Canh", "B3", 45000, 5)):
        product = shop.create_product(owner, org, shop.ProductData(name=name, category="fruit", unit="fruit",
                                                                   price=price, code=code, status="active"),
                                      stock=stock)
        services.add_live_product(owner, live, product)
    covers.set_cover(owner, live, draw_photo("Bưởi Diễn", "fruit", 640), get_storage())

    other_owner = factory.user("Lê Thị Hồng")
    other = factory.org(other_owner, name="HTX Rau sạch Ô Diên")
    on_air = services.schedule_live(other_owner, other, title="Rau sạch hái sáng nay", scheduled_at=utcnow())
    covers.set_cover(other_owner, on_air, draw_photo("Rau sạch", "vegetables", 640), get_storage())
    services.start_live(other_owner, on_air)
    db.session.commit()
    return owner, org, buyer, live


def test_follow_notify_order_checkout_and_report(browser, browser_context_args, browser_app, lives, vi, shot):
    owner, org, buyer, live = lives
    seller_ctx = browser.new_context(**browser_context_args)
    buyer_ctx = browser.new_context(**browser_context_args)
    try:
        shopper = buyer_ctx.new_page()
        shopper.set_default_timeout(10_000)
        sign_in(shopper, buyer)

        # Home: the live on air and the one coming up, as cards.
        shopper.goto("/")
        cards = shopper.get_by_test_id("home-lives").get_by_test_id("live-card")
        expect(cards).to_have_count(2)
        expect(cards.first).to_contain_text(vi("Live now"))
        shopper.get_by_test_id("home-lives").scroll_into_view_if_needed()
        shot(shopper, "home-lives")

        # The scheduled live: countdown, follow.
        cards.filter(has_text=live.title).click()
        expect(shopper.get_by_test_id("countdown")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))
        shopper.get_by_test_id("follow-button").click()
        expect(shopper.get_by_test_id("unfollow-button")).to_be_visible()
        expect(shopper.get_by_test_id("follower-count")).to_contain_text("1")
        shot(shopper, "live-countdown")
        # The countdown page listens on the live's socket: the seller's "go live" reloads it.
        shopper.wait_for_function("window.cholive && window.cholive.liveSocket && window.cholive.liveSocket.connected")

        # The seller goes live from the console.
        seller = seller_ctx.new_page()
        seller.set_default_timeout(10_000)
        sign_in(seller, owner)
        seller.goto(f"/live/{live.id}/console")
        seller.get_by_role("button", name=vi("Go live")).click()
        expect(seller.get_by_test_id("console-state")).to_contain_text(vi("On air"))
        # The buyer's countdown turned into the live room by itself (a reload); only then leave it.
        expect(shopper.get_by_test_id("live-state")).to_have_attribute("data-state", "live")
        shopper.wait_for_load_state()

        # The buyer's bell shows it; the notification leads to the live.
        shopper.goto("/")
        expect(shopper.get_by_test_id("unread-count")).to_have_text("1")
        shopper.get_by_test_id("bell").click()
        note = shopper.get_by_test_id("notification")
        expect(note).to_contain_text(live.title)
        shot(shopper, "notifications")
        note.get_by_role("button").click()
        expect(shopper).to_have_url(re.compile(rf"/live/{live.id}$"))
        expect(shopper.get_by_test_id("unread-count")).to_have_count(0)

        # Order by comment.
        expect(shopper.locator("#live-comment")).to_be_visible()
        shopper.locator("#live-comment input[name=text]").fill("chốt A12 x2")
        shopper.locator("#live-comment button[type=submit]").click()
        expect(shopper.locator("#live-ack")).to_contain_text(vi("Reserved for you:"))

        # 'Đơn live của bạn' → COD checkout through the shop's pipeline.
        shopper.get_by_test_id("live-cart-link").click()
        expect(shopper.locator("h1")).to_have_text(vi("Your live orders"))
        group = shopper.get_by_test_id("live-cart-group")
        expect(group).to_contain_text("Bưởi Diễn loại 1")
        expect(group).to_contain_text("120.000")
        expect(group.get_by_test_id("claim-log-link")).to_be_visible()
        shot(shopper, "live-cart")
        form = shopper.get_by_test_id("live-checkout")
        form.locator("#phone").fill("0912 345 678")
        expect(form.locator("#payment_method-0")).to_be_checked()
        form.locator("#consent").check()  # never pre-ticked (accounts.privacy)
        form.get_by_role("button", name=vi("Place live order")).click()
        expect(shopper).to_have_url(re.compile(r"/shop/orders/"))
        expect(shopper.get_by_test_id("flash")).to_contain_text(vi("Thank you! Your live order has been placed."))

        # The seller ends the live and opens the report.
        seller.goto(f"/live/{live.id}")
        seller.get_by_test_id("report-link").click()
        expect(seller.locator("h1")).to_have_text(vi("Live report"))
        expect(seller.get_by_test_id("report-stats")).to_contain_text("120.000")
        expect(seller.locator("#orders-chart canvas")).to_have_count(1)
        expect(seller.get_by_test_id("report-products")).to_contain_text("A12")
        shot(seller, "live-report")
    finally:
        seller_ctx.close()
        buyer_ctx.close()


def test_sold_out_comment_offers_a_waitlist_place(page, real_socketio, db, factory, vi):
    from app.core.dbtypes import utcnow
    from app.livestream import services
    from app.livestream.models import LiveWaitlist
    from app.shop import services as shop

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Gà Mía Đường Lâm")
    first, buyer = factory.user("Người mua trước"), factory.user("Trần Thị Lan")
    live = services.schedule_live(owner, org, title="Gà Mía cuối tuần", scheduled_at=utcnow())
    product = shop.create_product(owner, org, shop.ProductData(name="Gà Mía thả vườn", category="other", unit="head",
                                                               price=180000, code="B3", status="active"), stock=1)
    services.add_live_product(owner, live, product)
    services.start_live(owner, live)
    services.post_comment(live.id, first, "chốt B3", "first", min_interval=0)
    db.session.commit()

    sign_in(page, buyer)
    page.goto(f"/live/{live.id}")
    page.locator("#live-comment input[name=text]").fill("chốt B3")
    page.locator("#live-comment button[type=submit]").click()
    expect(page.locator("#live-ack")).to_have_class("ack-error")
    offer = page.locator("#waitlist-offer")
    offer.get_by_test_id("join-waitlist").click()
    expect(offer).to_contain_text(vi("You are number %(n)s on the waitlist. We will tell you as soon as one frees up.",
                                     n=1))
    assert db.session.query(LiveWaitlist).filter_by(user_id=buyer.id, status="waiting").count() == 1
