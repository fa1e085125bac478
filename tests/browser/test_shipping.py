"""Browser, phone-sized: the seller books a pickup from the order page in one tap, sees the day's parcels with
the label batch, and reads a COD payout's reconciliation (screenshots shipping-book, shipping-labels,
shipping-cod); the carriers are the local doubles."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.shop.shipping.conftest import carriers, shop_world  # noqa: F401  (fixtures)
from tests.shop.shipping.test_carriers import _another_confirmed_order, webhook
from tests.support.browser import sign_in

pytestmark = pytest.mark.browser


def test_the_seller_ships_prints_and_reconciles(page: Page, db, carriers, shop_world, client, shot):  # noqa: F811
    from app.shop.shipping.models import Shipment

    owner, org, order = shop_world("ghtk")
    second = _another_confirmed_order(db, org, owner)
    sign_in(page, owner)
    page.goto(f"/shop/manage/{org.slug}/orders/{order.number}")
    page.get_by_test_id("book-ghtk").click()
    expect(page.get_by_test_id("shipment")).to_contain_text("GHTK")
    page.get_by_test_id("delivery").scroll_into_view_if_needed()
    shot(page, "shipping-book")

    page.goto(f"/shop/manage/{org.slug}/orders/{second.number}")
    page.get_by_test_id("book-ghtk").click()
    expect(page.get_by_test_id("shipment")).to_be_visible()
    page.goto(f"/shop/manage/{org.slug}/shipments")
    expect(page.get_by_test_id("day-shipments")).to_contain_text(second.number)
    shot(page, "shipping-labels")
    with page.expect_popup() as popup:
        page.get_by_test_id("print-batch").click()
    assert popup.value.url.split("?")[0].endswith("/shipments/labels")

    shipments = db.session.scalars(select(Shipment).order_by(Shipment.id)).all()
    for shipment in shipments:
        webhook(client, "ghtk", shipment.carrier_code, "3", "2026-12-06T09:00:00")
        webhook(client, "ghtk", shipment.carrier_code, "5", "2026-12-07T10:00:00")
    statement = ("Mã vận đơn,Tiền thu hộ,Phí dịch vụ\n"
                 f"{shipments[0].carrier_code},150000,24500\n{shipments[1].carrier_code},80000,22000\n")
    page.goto(f"/shop/manage/{org.slug}/cod")
    page.get_by_test_id("payout-carrier").select_option("ghtk")
    page.locator("input[name=reference]").fill("DS-2026-12-08")
    page.locator("input[name=paid_amount]").fill("180000")
    page.locator("input[name=statement]").set_input_files(
        files=[{"name": "doi-soat.csv", "mimeType": "text/csv", "buffer": statement.encode("utf-8")}])
    page.locator("form[enctype] button[type=submit]").click()
    expect(page.get_by_test_id("reconciliation-totals")).to_be_visible()
    expect(page.get_by_test_id("difference")).to_contain_text("3.500")
    expect(page.get_by_test_id("line-check").first).to_contain_text("✓")
    shot(page, "shipping-cod")
