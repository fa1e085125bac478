"""Every important page, as a buyer, a seller, a trainer and an admin, in Vietnamese and English, on a 360×740 phone
with the demo district seeded: no serious or critical axe-core violation and nothing wider than the screen."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import sign_in_demo

from .pagecheck import NARROW, problems

pytestmark = pytest.mark.browser

BUYER, SELLER, TRAINER, ADMIN = "0922000001", "0911000001", "0900000002", "0900000001"


def pages_of(role: str, d: dict) -> list[str]:
    org, lives = d["org"], d["lives"]
    common = ["/", "/shop/", "/shop/?q=buoi", f"/shop/o/{org}", f"/shop/p/{d['product']}", "/shop/cart", "/live/",
              "/training/", f"/training/c/{d['course']}", f"/training/lesson/{d['lesson']}", "/account",
              "/notifications", "/verify"]
    if role == "buyer":
        return common + ["/shop/orders", f"/shop/orders/{d['buyer_order']}", "/live/cart",
                         f"/training/quiz/{d['quiz']}", "/training/certificates", "/account/password",
                         "/account/data", f"/live/{lives['ended']}/replay", f"/live/{lives['live']}", "/live/rules"]
    if role == "seller":
        base = f"/shop/manage/{org}"
        return common + [f"{base}/dashboard", f"{base}/products", f"{base}/products/new",
                         f"{base}/products/{d['product']}", f"{base}/products/{d['product']}/stock",
                         f"{base}/products/{d['product']}/variants", f"{base}/orders",
                         *[f"{base}/orders/{number}" for number in d["orders"].values()],
                         f"{base}/orders/pick-list", f"{base}/bank-reviews", f"{base}/shipping",
                         f"/orgs/{org}/manage", f"/live/manage/{org}/new", f"/live/{lives['ended']}/claims",
                         f"/live/{lives['ended']}/report", f"/live/{lives['scheduled']}/stream-key",
                         f"/live/{lives['live']}/products", f"/live/{lives['live']}/console", "/training/practice/",
                         f"/live/{lives['scheduled']}/console", "/live/reports", f"/live/{lives['ended']}/archive"]
    if role == "trainer":
        return common + ["/training/classes", f"/training/classes/{d['cohort']}", "/training/report",
                         "/training/author"]
    return common + ["/admin/users", "/training/report", "/training/classes", f"/training/classes/{d['cohort']}",
                     "/training/author", "/live/reports", "/live/rules/edit", "/admin/compliance/purges",
                     "/admin/compliance/breaches"]


@pytest.mark.parametrize("role,login", [("buyer", BUYER), ("seller", SELLER), ("trainer", TRAINER), ("admin", ADMIN)])
def test_every_page_passes_axe_and_fits_a_360_px_phone(browser, browser_context_args, browser_app, district,
                                                       page_checks, role, login):
    context = browser.new_context(**{**browser_context_args, "viewport": NARROW, "screen": NARROW})
    found: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in_demo(page, login)
        for language in ("vi", "en"):
            page.goto(f"/lang/{language}?next=/")
            expect(page.locator("html")).to_have_attribute("lang", language)
            for path in pages_of(role, district):
                response = page.goto(path)
                assert response is not None and response.status < 400, f"{role} {language} {path}: {response and response.status}"
                found += [f"[{role} {language}] {p}" for p in problems(page)]
                page_checks.checked.add(page.url)
    finally:
        context.close()
    assert not found, "\n".join(found)
