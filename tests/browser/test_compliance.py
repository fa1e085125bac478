"""Browser journey of a marketplace (#16): a household sends its papers, the admin reviews and approves them, the
seller reads last month's statement, the admin opens the monthly declaration. Screenshots at phone size."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.compliance.settings import VIETNAM
from tests.compliance.conftest import PDF
from tests.support.browser import sign_in


@pytest.fixture
def market(app, db, factory):
    """A marketplace with household Lan, an admin, and last month's sales (one of them returned this month)."""
    from app.accounts.services import set_bank_account
    from app.compliance import settings
    from app.core.addresses import commune_province, find_commune
    from app.shop import services as shop
    from app.shop.ordering import services as ordering

    settings.choose_mode(None, "marketplace", date(2025, 7, 1))
    admin = factory.user("Cán bộ Xã Ô Diên", is_admin=True)
    owner = factory.user("Nguyễn Thị Lan")
    org = factory.org(owner, name="Hộ kinh doanh Bưởi Lan", kind="household")
    set_bank_account(owner, org, bank_bin="970436", account_number="0123456789", account_name="Nguyen Thi Lan")
    products = []
    for name, price, code in [("Bưởi Diễn loại 1", 65_000, "B1"), ("Cam Canh", 45_000, "C1"), ("Mật ong rừng", 180_000, "M1")]:
        p = shop.create_product(owner, org, shop.ProductData(name=name, category="fruit", unit="piece", price=price,
                                                             code=code, status="draft"), stock=200)
        p.status = "active"
        products.append(p)
    buyer = factory.user("Trần Văn Minh")
    today = datetime.now(VIETNAM)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(hour=10)
    commune = find_commune("Xã Ô Diên")
    for n, (p, qty) in enumerate([(products[0], 6), (products[1], 10), (products[2], 2), (products[0], 3)]):
        cart = ordering.get_cart(buyer, None, create=True)
        ordering.add_to_cart(cart, p.variants[0].id, qty)
        at = last_month - timedelta(days=3 * n)
        [order] = ordering.checkout(cart, buyer, name="Trần Văn Minh", phone="0912345678",
                                    province_code=commune_province(commune), commune_code=commune, street="Thôn Đông",
                                    note=None, payment_method="vietqr", idempotency_key=uuid.uuid4().hex, now=at)
        ordering.mark_paid(order, "bank", None, order.total, now=at + timedelta(minutes=5))
        if n == 3:
            for step in ("confirmed", "packed", "shipped", "delivered"):
                ordering.transition(order, step, owner, now=at + timedelta(days=1))
            ordering.transition(order, "refunded", owner, now=last_month + timedelta(hours=1))
    db.session.commit()
    return admin, owner, org, last_month.strftime("%Y-%m")


def test_verification_statement_and_export(browser, browser_context_args, browser_app, db, market, vi, shot, tmp_path):
    admin, owner, org, period = market
    contexts = [browser.new_context(**browser_context_args) for _ in range(2)]
    try:
        seller, office = (ctx.new_page() for ctx in contexts)
        for p in (seller, office):
            p.set_default_timeout(10_000)

        # The household sends who it is and its registration paper.
        sign_in(seller, owner)
        seller.goto(f"/compliance/{org.slug}")
        seller.get_by_test_id("verification-link").click()
        seller.locator("#id_number").fill("0010 8501 2345")
        seller.locator("#representative_name").fill("Nguyễn Thị Lan")
        seller.get_by_test_id("verification-send").click()
        expect(seller.locator(".flash[role=status]")).to_be_visible()
        paper = tmp_path / "dang-ky-ho-kinh-doanh.pdf"
        paper.write_bytes(PDF)
        seller.locator('input[type="file"][name="document"]').set_input_files(str(paper))
        seller.get_by_test_id("document-send").click()
        expect(seller.get_by_test_id("documents").locator("a")).to_have_count(1)
        expect(seller.get_by_test_id("verification-status")).to_contain_text(vi("Waiting for review"))

        # The commune's admin reviews it: the ID number in full, the paper, the decision.
        sign_in(office, admin)
        office.goto("/admin/compliance/verifications")
        office.get_by_role("link", name=org.name).click()
        expect(office.get_by_test_id("id-number")).to_have_text("001085012345")
        office.locator('input[name="decision"][value="approved"]').check()
        office.get_by_test_id("review-form").scroll_into_view_if_needed()
        shot(office, "compliance-verification-review")
        office.get_by_test_id("review-save").click()
        expect(office.locator(".flash[role=status]")).to_have_text(vi("Decision saved."))

        # The seller reads last month's statement (printable, Vietnamese).
        seller.goto(f"/compliance/{org.slug}/statement?month={period}")
        expect(seller.get_by_test_id("statement")).to_contain_text(vi("Sales and tax withheld statement"))
        expect(seller.get_by_test_id("st-revenue")).to_contain_text("1.395.000")
        shot(seller, "compliance-seller-statement")

        # The admin opens the month's declaration with its totals and downloads.
        office.goto(f"/admin/compliance/export?month={period}")
        expect(office.get_by_test_id("declaration")).to_contain_text(org.name)
        expect(office.get_by_test_id("export-xlsx")).to_be_visible()
        shot(office, "compliance-admin-export")
    finally:
        for ctx in contexts:
            ctx.close()
