"""Helpers for the phone-size live browser tests: a live on air with chat, opening it signed in, layout checks
(phone contexts and signing in: tests/support/browser.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in


@pytest.fixture
def live_on_air(real_socketio, app, db, factory, no_rate_limit):
    """A cooperative on air with Bưởi Diễn (A12), a gift box with two options (A13), Cam Canh (B3) and a few comments."""
    from app.core.dbtypes import utcnow
    from app.livestream import services
    from app.shop import inventory
    from app.shop import services as shop

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Phú Diễn")
    buyer = factory.user("Trần Thị Lan")
    live = services.schedule_live(owner, org, title="Phiên bưởi Tết: chốt đơn tại vườn",
                                  scheduled_at=utcnow() - timedelta(minutes=5))
    for name, code, price, stock, options in (
            ("Bưởi Diễn", "A12", 65000, 30, None),
            ("Bưởi Diễn hộp quà Tết", "A13", 390000, 10, ("Hộp 4 quả", "Hộp 6 quả")),
            ("Cam Canh", "B3", 45000, 20, None)):
        product = shop.create_product(owner, org, shop.ProductData(name=name, category="fruit", unit="fruit",
                                                                   price=price, code=code, status="active"),
                                      stock=0 if options else stock)
        if options:
            shop.set_variants(owner, product, [shop.VariantRow(id=None, label=o) for o in options])
            db.session.flush()
            for variant in product.variants:
                if variant.label:
                    inventory.receive_stock(variant, stock, owner, "harvest")
            db.session.refresh(product)
        services.add_live_product(owner, live, product)
    services.start_live(owner, live)
    services.pin_product(owner, live, "A12")
    for n, (name, text) in enumerate((("Phạm Văn Hùng", "Chào HTX, bưởi năm nay ngọt không ạ?"),
                                      ("Đỗ Thị Mai", "Ship về Hà Đông mất mấy ngày shop?"),
                                      ("Vũ Minh Tuấn", "chốt B3 x2"))):
        services.post_comment(live.id, factory.user(name), text, f"seed-{n}", min_interval=0)
    db.session.commit()
    return owner, buyer, live


@pytest.fixture
def no_rate_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 0)


def open_live(page: Page, user, live) -> None:
    """Sign in, open the live and wait until its chat is connected (the Send button is enabled then)."""
    sign_in(page, user)
    page.goto(f"/live/{live.id}")
    expect(page.locator("#live-comment button[type=submit]")).to_be_enabled()


def in_first_screen(page: Page, locator) -> bool:
    """The element's box lies inside the viewport as the page is, without scrolling."""
    box = locator.bounding_box()
    view = page.viewport_size
    scrolled = page.evaluate("() => [window.scrollX, window.scrollY]")
    return (box is not None and scrolled == [0, 0] and box["y"] >= 0 and box["x"] >= 0
            and box["y"] + box["height"] <= view["height"] + 0.5 and box["x"] + box["width"] <= view["width"] + 0.5)


def in_view(page: Page, locator) -> bool:
    """The element is inside the viewport where the page is scrolled now."""
    box = locator.bounding_box()
    view = page.viewport_size
    return (box is not None and box["height"] > 0 and box["y"] >= 0
            and box["y"] + box["height"] <= view["height"] + 0.5)


def no_horizontal_overflow(page: Page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
