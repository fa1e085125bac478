"""Browser, phone-sized: a product page served from the page cache during a sale shows the live stock (shop/stock.js
reads /shop/p/<id>/stock), and its add-to-cart button is disabled once the product is sold out."""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.fixture
def cached_pages(browser_app):
    from app.core import pagecache
    from app.core.pagecache.stores import LocalStore

    app = browser_app
    saved_ttl, saved_store = app.config["PAGE_CACHE_TTL"], app.extensions[pagecache.EXTENSION_KEY]
    app.config["PAGE_CACHE_TTL"] = 30
    app.extensions[pagecache.EXTENSION_KEY] = LocalStore(64, soft_seconds=30)  # the page outlives the whole test
    yield
    app.config["PAGE_CACHE_TTL"] = saved_ttl
    app.extensions[pagecache.EXTENSION_KEY] = saved_store


def test_a_cached_product_page_follows_the_sale(page: Page, db, factory, cached_pages, live_server, vi, shot):
    from app.shop import inventory, services
    from app.shop.views import catalog

    owner = factory.user("Nguyễn Văn Bình")
    org = factory.org(owner, name="HTX Bưởi Diễn Thử")
    product = services.create_product(owner, org, services.ProductData(
        name="Bưởi Diễn", category="fruit", unit="fruit", price=60000, status="active"), stock=5)
    db.session.commit()
    url = f"/shop/p/{product.id}/{product.slug}"
    variant_id = product.variants[0].id
    assert requests.get(live_server + url, timeout=10).headers["X-Page-Cache"] == "miss"  # someone else filled it

    page.goto(url)
    line = page.get_by_test_id("stock-line")
    expect(line).to_contain_text("5")
    inventory.reserve_stock(variant_id, 5, reason="sold in the live")
    db.session.commit()
    catalog._stock_answers.clear()
    assert requests.get(live_server + url, timeout=10).headers["X-Page-Cache"] == "hit"  # the page stays cached

    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # as when the buyer comes back to the tab
    expect(line).to_have_text(vi("Sold out"))
    expect(page.get_by_test_id("add-to-cart").locator("button[type=submit]")).to_be_disabled()
    shot(page, "shop-product-sold-out-from-cache")
