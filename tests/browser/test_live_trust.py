"""Browser (#17): a viewer reports a chat line from the live page and the seller finds it in the queue, reporter
masked; the host shows a warning that appears over the buyer's video; the admin stops the live and the buyer's page
hides its content. Screenshots: the report form, the warning overlay, the seller's queue, the stopped live."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def on_air(real_socketio, app, db, factory, monkeypatch):
    from app.core.dbtypes import utcnow
    from app.livestream import services
    from app.shop import services as shop

    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 0)
    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    buyer = factory.user("Trần Thị Lan")
    admin = factory.user("Quản Trị Xã", is_admin=True)
    live = services.schedule_live(owner, org, title="Phiên bưởi Tết", scheduled_at=utcnow() + timedelta(minutes=5))
    for name, code, price, stock in (("Bưởi Diễn loại 1", "A12", 60000, 20), ("Rượu nếp cái hoa vàng", "R1", 150000, 5)):
        product = shop.create_product(owner, org, shop.ProductData(name=name, category="processed", unit="bottle",
                                                                   price=price, code=code, status="active"),
                                      stock=stock)
        services.add_live_product(owner, live, product)
    services.start_live(owner, live)
    other = factory.user("Phạm Văn Hùng")
    services.post_comment(live.id, other, "Bưởi này chữa được tiểu đường đấy, mua đi", "c1", min_interval=0)
    db.session.commit()
    return owner, buyer, admin, live


def test_report_warning_and_stop(browser, browser_context_args, browser_app, on_air, vi, shot):
    owner, buyer, admin, live = on_air
    seller_ctx = browser.new_context(**browser_context_args)
    buyer_ctx = browser.new_context(**browser_context_args)
    admin_ctx = browser.new_context(**browser_context_args)
    try:
        seller = seller_ctx.new_page()
        seller.set_default_timeout(10_000)
        sign_in(seller, owner)
        seller.goto(f"/live/{live.id}/console")
        shopper = buyer_ctx.new_page()
        shopper.set_default_timeout(10_000)
        sign_in(shopper, buyer)
        shopper.goto(f"/live/{live.id}")
        expect(shopper.locator("#live-comment button[type=submit]")).to_be_enabled()
        expect(shopper.get_by_test_id("rules-link")).to_be_visible()

        # The host shows a warning on the wine: it appears over the buyer's video.
        seller.get_by_test_id("console-warning").locator("summary").click()
        seller.locator("#warning-preset").select_option("adults_only")
        seller.locator("#warning-code").fill("R1")
        seller.get_by_test_id("warning-show").click()
        overlay = shopper.get_by_test_id("live-warning")
        expect(overlay).to_be_visible()
        expect(overlay).to_contain_text(vi("Product for adults only"))
        expect(overlay).to_contain_text("R1")
        shopper.evaluate("window.scrollTo(0, 0)")
        shot(shopper, "live-warning-overlay")
        # A reload renders it on the server, in the viewer's language, the same way.
        shopper.reload()
        expect(overlay).to_contain_text(vi("Product for adults only"))
        expect(shopper.locator("#live-comment button[type=submit]")).to_be_enabled()
        seller.get_by_test_id("console-warning").scroll_into_view_if_needed()
        shot(seller, "live-console-warning")

        # The buyer reports the chat line that makes a health claim.
        line = shopper.get_by_test_id("live-messages").locator("li").first
        line.locator("button.report-line").click()
        form = shopper.locator("#live-report-form")
        expect(form.get_by_test_id("report-quote")).to_contain_text("tiểu đường")
        form.get_by_test_id("reason-false_claim").check()
        form.locator("textarea[name=details]").fill("Nói bưởi chữa bệnh")
        form.scroll_into_view_if_needed()
        shot(shopper, "live-report-form")
        form.get_by_test_id("report-send").click()
        expect(form.get_by_test_id("report-status")).to_contain_text(vi(
            "Thank you. Your report was sent to the platform's team and the seller."))
        form.get_by_test_id("report-status").scroll_into_view_if_needed()
        shot(shopper, "live-report-sent")

        # The seller's queue: the report with its message, the reporter masked.
        seller.goto("/live/reports")
        card = seller.locator("article[data-testid^=report-]").first
        expect(card).to_contain_text("tiểu đường")
        expect(card.get_by_test_id("reporter")).to_have_text("***")
        shot(seller, "live-reports-queue")

        # The admin stops the live: the buyer's page hides the video, chat and products.
        boss = admin_ctx.new_page()
        boss.set_default_timeout(10_000)
        sign_in(boss, admin)
        boss.goto(f"/live/{live.id}")
        boss.get_by_test_id("admin-stop").locator("summary").click()
        boss.locator("#stop-reason").fill("Quảng cáo thực phẩm chữa bệnh")
        boss.get_by_test_id("stop-live").click()
        expect(boss.get_by_test_id("live-stopped")).to_be_visible()
        expect(shopper.get_by_test_id("live-stopped")).to_be_visible()
        expect(shopper.locator("#live-messages")).to_have_count(0)
        expect(shopper.locator("#live-products")).to_have_count(0)
        shot(shopper, "live-stopped")
    finally:
        seller_ctx.close()
        buyer_ctx.close()
        admin_ctx.close()


def test_the_pre_live_checklist(browser, browser_context_args, browser_app, real_socketio, db, factory, vi, shot):
    from app.core.dbtypes import utcnow
    from app.livestream import services
    from app.shop import services as shop

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    live = services.schedule_live(owner, org, title="Phiên bưởi Tết", scheduled_at=utcnow() + timedelta(hours=2))
    product = shop.create_product(owner, org, shop.ProductData(name="Bưởi Diễn loại 1", category="fruit", unit="fruit",
                                                               price=60000, code="A12", status="active"), stock=20)
    services.add_live_product(owner, live, product)
    db.session.commit()
    context = browser.new_context(**browser_context_args)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, owner)
        page.goto(f"/live/{live.id}/console")
        checks = page.get_by_test_id("prelive")
        expect(checks.get_by_test_id("check-host_chosen")).to_have_attribute("data-ok", "no")
        page.get_by_test_id("host-select").select_option(str(owner.id))
        page.get_by_test_id("host-save").click()
        expect(checks.get_by_test_id("check-host_verified")).to_have_attribute("data-ok", "yes")
        expect(checks.get_by_test_id("check-rules_acknowledged")).to_have_attribute("data-ok", "no")
        checks.evaluate("el => el.scrollIntoView({block: 'start'})")
        shot(page, "live-prelive-checklist")
        page.get_by_test_id("rules-ack").check()
        page.get_by_test_id("rules-ack-save").click()
        expect(checks.get_by_test_id("check-rules_acknowledged")).to_have_attribute("data-ok", "yes")
        expect(page.get_by_text(vi("Thank you: the rules are acknowledged for this live."))).to_be_visible()
    finally:
        context.close()
