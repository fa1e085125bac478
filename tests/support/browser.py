"""Browser helpers shared by tests/browser: signing in through the login form, a phone-size context."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from . import PASSWORD

PHONES = {"360": {"width": 360, "height": 740}, "390": {"width": 390, "height": 844}}


def sign_in(page: Page, who: Any, password: str = PASSWORD) -> None:
    """Sign in through the login form as `who` (a user, by phone, or a login as typed) and wait until the page
    shows the account link: the session cookie is set then."""
    page.goto("/login")
    page.locator("#login").fill(who if isinstance(who, str) else who.phone)
    page.locator("#password").fill(password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("account-link")).to_be_visible()


def sign_in_demo(page: Page, login: str) -> None:
    """Sign in as one of the demo district's accounts (`flask seed-demo`, tests/browser/conftest.py `district`)."""
    from app.accounts.demo import DEMO_PASSWORD

    sign_in(page, login, DEMO_PASSWORD)


def phone_context(browser: Browser, browser_context_args: dict[str, Any], size: str = "390") -> BrowserContext:
    """A second phone (its own cookies) of the given width, as the session's context args set up the first."""
    return browser.new_context(**{**browser_context_args, "viewport": PHONES[size], "screen": PHONES[size]})
