"""Browser: the screenshots of the seller and trainer guides (docs/seller-guide.*.md, docs/trainer-guide.*.md),
taken by walking the real app in Vietnamese on a 390×844 phone with the demo district seeded, in the order of the
work. Every page is checked as all browser pages are (axe, 360 px); the names are docs/screenshots/guide-*.png and
the guides refer to them (tests/test_docs.py checks that each one exists)."""
from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.core.addresses import HANOI
from tests.support.browser import sign_in_demo

pytestmark = pytest.mark.browser

OWNER, TRAINEE, TRAINER = "0911000001", "0911000003", "0900000002"  # HTX Bưởi Diễn; Lê Thị Mai (in the class); Cô Hạnh
NEW_SELLER = ("Nguyễn Thị Thu", "0912345678", "matkhau-an-toan-1")


def _top(page: Page, locator) -> None:
    """Bring an element near the top of the screen, so the screenshot shows it and what follows."""
    locator.first.scroll_into_view_if_needed()
    box = locator.first.bounding_box()
    if box:
        page.evaluate("y => window.scrollBy(0, y - 130)", box["y"])


def _step(driver, db, run_id: int):
    """One simulated comment; taken once more if SQLite said "database is locked" (as in test_practice_live.py:
    the client_id makes the step idempotent)."""
    from sqlalchemy.exc import OperationalError

    try:
        return driver.step(run_id)
    except OperationalError as exc:
        if "database is locked" not in str(exc):
            raise
        db.session.rollback()
        return driver.step(run_id)


def test_seller_guide_screens(page: Page, browser_app, real_socketio, district, db, vi, shot, page_checks):
    from app.livestream.models import LiveSession

    org, lives = district["org"], district["lives"]

    # 1. Open the shop: an account with the phone number, then the shop itself.
    page.goto("/register")
    name, phone, password = NEW_SELLER
    page.locator("#name").fill(name)
    page.locator("#login").fill(phone)
    page.locator("#password").fill(password)
    page.locator("#consent").check()  # express consent, never pre-ticked (accounts.privacy)
    shot(page, "guide-01-register")
    page.get_by_test_id("register-submit").click()
    page.get_by_test_id("account-link").click()
    expect(page.get_by_test_id("new-org")).to_be_visible()
    _top(page, page.get_by_test_id("new-org").locator(".."))
    shot(page, "guide-02-account")
    page.get_by_test_id("new-org").click()
    page.locator("#name").fill("Hộ kinh doanh Thu Hát Môn")
    page.locator("#kind").select_option("household")
    page.locator("#province_code").select_option(str(HANOI))
    expect(page.locator("#commune_code option", has_text="Xã Hát Môn")).to_have_count(1)
    page.locator("#commune_code").select_option(label="Xã Hát Môn")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#description").fill("Bưởi Diễn và chuối tiêu hồng của nhà trồng ở bãi sông Hồng.")
    shot(page, "guide-03-open-shop")
    page.get_by_test_id("org-submit").click()
    bank = page.locator("form:has(#bank_bin)")
    expect(bank).to_be_visible()
    bank.locator("#bank_bin").select_option("970436")
    bank.locator("#account_number").fill("0011004999999")
    bank.locator("#account_name").fill("NGUYEN THI THU")
    _top(page, bank)
    shot(page, "guide-04-bank-account")
    bank.locator("button[type=submit]").click()
    expect(page.locator("body")).to_contain_text(vi("Bank account saved."))

    # 2. Products, as the demo cooperative's owner (a shop with goods, lives and orders).
    page.context.clear_cookies()
    sign_in_demo(page, OWNER)
    page.get_by_test_id("seller-tools").click()
    expect(page.get_by_test_id("tab-products")).to_be_visible()
    shot(page, "guide-05-overview")
    page.get_by_test_id("tab-products").click()
    expect(page.get_by_test_id("new-product")).to_be_visible()
    shot(page, "guide-06-products")
    page.get_by_test_id("new-product").click()
    page.locator("#name").fill("Bưởi Diễn Hát Môn, quả 1–1,2 kg")
    page.locator("#code").fill("A30")
    page.locator("#unit").select_option("fruit")
    page.locator("#category").select_option("fruit")
    page.locator("#price").fill("65.000")
    page.locator("#stock").fill("40")
    shot(page, "guide-07-product-form")
    page.locator("#status").select_option("active")
    page.get_by_test_id("save-product").click()
    photos = page.locator('input[type="file"][name="photo"]')
    expect(photos).to_be_visible()
    _top(page, page.locator("#photo-list"))
    shot(page, "guide-08-product-photos")

    # 3. Schedule the live, then put products in it.
    page.goto("/live/")
    schedule = page.get_by_role("button", name=re.compile(re.escape(vi("Schedule a live for %(org)s", org="X")
                                                                  .split("X")[0].strip())))
    _top(page, schedule)
    shot(page, "guide-09-live-page")
    page.goto(f"/live/manage/{org}/new")
    page.locator("#starts_at").fill("2026-12-12T20:00")
    page.locator("#title").fill("Bưởi Diễn tối thứ Bảy")
    shot(page, "guide-10-schedule")
    page.goto(f"/live/{lives['scheduled']}/products")
    expect(page.locator("h1")).to_contain_text(vi("Products in this live"))
    shot(page, "guide-11-live-products")

    # 4. Go live from the phone: the stream key page (server, key, the steps for Larix).
    page.goto(f"/live/{lives['scheduled']}/stream-key")
    page.get_by_test_id("new-key").click()
    expect(page.get_by_test_id("stream-key")).to_be_visible()
    shot(page, "guide-12-stream-key")
    _top(page, page.get_by_role("heading", name=vi("How to go live")))
    shot(page, "guide-13-larix-steps")

    # 5. Answer and confirm: the live console of the live on air, after three buyers ordered in the chat
    #    (one in words the parser does not read, so the guide can show what that looks like).
    from app.accounts.services import find_user_by_login
    from app.livestream import services as live_services

    for login, text in (("0922000001", "chốt A12 x2"), ("0922000002", "lấy cho anh 2 quả to nhé"),
                        ("0922000003", "chốt A14 x1")):
        live_services.post_comment(lives["live"], find_user_by_login(login), text, f"guide-{login}", min_interval=0)
    db.session.commit()
    page.goto(f"/live/{lives['live']}/console")
    expect(page.get_by_test_id("console-state")).to_contain_text(vi("On air"))
    shot(page, "guide-14-console")
    expect(page.get_by_test_id("console-queue").locator("li[data-id]")).to_have_count(2)
    _top(page, page.locator("#console-chat"))
    shot(page, "guide-15-console-chat")
    _top(page, page.locator("#console-held"))
    shot(page, "guide-15b-console-held")
    page.locator("#console-flash-box summary").click()
    page.locator("#console-flash input[name=price]").fill("55000")
    _top(page, page.locator("#console-flash-box"))
    shot(page, "guide-17-flash-sale")
    live = db.session.scalar(select(LiveSession).where(LiveSession.id == lives["live"]))
    assert live is not None and live.state == "live"

    # 6. Orders: confirm, pack, hand over, deliver.
    page.get_by_test_id("seller-tools").click()
    page.get_by_test_id("tab-orders").click()
    expect(page.get_by_test_id("tab-orders")).to_have_attribute("aria-current", "page")
    shot(page, "guide-18-orders")
    placed = district["orders"].get("placed") or next(iter(district["orders"].values()))
    page.goto(f"/shop/manage/{org}/orders/{placed}")
    _top(page, page.locator("form:has(input[name=to_status])"))
    shot(page, "guide-19-order")
    page.locator('form:has(input[name="to_status"][value="confirmed"]) button').click()
    expect(page.locator('form:has(input[name="to_status"][value="packed"]) button')).to_be_visible()
    _top(page, page.locator("form:has(input[name=to_status])"))
    shot(page, "guide-19b-order-confirmed")
    page.goto(f"/shop/manage/{org}/orders/pick-list")
    shot(page, "guide-20-pick-list")


def test_trainer_guide_screens(page: Page, browser_app, real_socketio, district, db, vi, shot, page_checks, tmp_path):
    from app.training.models import Course
    from app.training.practice import driver
    from app.training.practice.models import PracticeRun

    course_title = db.session.scalar(select(Course.title).where(Course.slug == district["course"]))

    # Classes by commune, as the trainer.
    sign_in_demo(page, TRAINER)
    page.goto("/training/classes")
    shot(page, "guide-trainer-01-classes")
    page.goto(f"/training/classes/{district['cohort']}")
    expect(page.get_by_test_id("cohort-table")).to_be_visible()
    shot(page, "guide-trainer-02-class")
    _top(page, page.locator("#live-reviews"))
    shot(page, "guide-trainer-03-reviews")

    # A trainee: the course page with the offline pack, the pack opened on the phone, the practice live.
    page.context.clear_cookies()
    sign_in_demo(page, TRAINEE)
    page.goto(f"/training/c/{district['course']}")
    if page.get_by_test_id("enrol").count():
        page.get_by_test_id("enrol").click()
    pack_link = page.get_by_test_id("pack")
    expect(pack_link).to_be_visible()
    _top(page, page.locator("section.resume"))
    shot(page, "guide-trainer-04-course")
    with page.expect_download() as download:
        pack_link.click()
    pack = tmp_path / "pack.zip"
    download.value.save_as(pack)
    with zipfile.ZipFile(pack) as zf:
        zf.extractall(tmp_path / "pack")
    index = next((tmp_path / "pack").rglob("index.html"))
    page.goto(index.as_uri())
    expect(page.locator("body")).to_contain_text(course_title)
    shot(page, "guide-trainer-05-offline-pack")
    page_checks.check(page)

    page.goto("/training/practice/")
    expect(page.locator("h1")).to_contain_text(vi("Practice live"))
    page.get_by_test_id("pace-calm").check()
    shot(page, "guide-trainer-06-practice-start")
    page.get_by_test_id("practice-start").click()
    expect(page).to_have_url(re.compile(r"/live/\d+/console$"))
    expect(page.get_by_test_id("practice-banner")).to_be_visible()
    db.session.expire_all()
    run = db.session.scalars(select(PracticeRun).order_by(PracticeRun.id.desc())).first()
    assert run is not None
    for _ in range(6):
        item = _step(driver, db, run.id)
        if item is None:
            break
        expect(page.locator(f'#console-messages li[data-id="{item.payload["id"]}"]')).to_be_visible()
    shot(page, "guide-trainer-07-practice-console")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#console-end").click()
    expect(page.get_by_test_id("console-state")).to_contain_text(vi("This live has ended."))
    page.get_by_test_id("practice-banner").get_by_role("link").click()
    expect(page.get_by_test_id("scorecard")).to_be_visible()
    shot(page, "guide-trainer-08-scorecard")

    # Back as the trainer: the report by commune.
    page.context.clear_cookies()
    sign_in_demo(page, TRAINER)
    page.goto("/training/report")
    shot(page, "guide-trainer-09-report")
    page.goto("/training/author")
    expect(page.locator("h1")).to_contain_text(vi("Write courses"))
    shot(page, "guide-trainer-10-write-courses")
