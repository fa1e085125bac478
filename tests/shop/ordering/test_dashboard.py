"""The seller dashboard (figures, chart data, low stock, best sellers, reviews) and the delivery fee page."""
from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from app.shop import dashboard
from app.shop.ordering import payment_events, services
from app.shop.ordering.models import ShippingRule
from app.shop.payments.bank_notifications import parse_sepay

UTC = UTC
# 10:00 in Hà Nội on 28 November 2026.
NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)


def buy(db, place, buyer, variant, qty, *, at, method="cod"):
    cart = services.get_cart(buyer, None, create=True)
    services.add_to_cart(cart, variant.id, qty)
    db.session.commit()
    return place(cart, buyer, method=method, now=at, payment_minutes=60 * 24 * 365)[0]


@pytest.fixture
def shop_history(db, seller, buyer, stocked, make_product, place):
    """A cooperative with orders today, yesterday (late evening, Hà Nội time), 5 and 40 days ago."""
    owner, org = seller
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX THU"
    db.session.commit()
    tea = make_product(owner, org, "Chè Tân Cương", stock=3, price=100000, category="tea", unit="pack").variants[0]
    make_product(owner, org, "Nón lá cũ", stock=1, price=50000, category="handicraft", unit="piece",
                 status="archived")
    pomelo = stocked  # Bưởi Diễn, 10 in stock at 60.000 ₫
    # 01:00 on the 28th in Hà Nội is still the 27th in UTC: it counts as today.
    early = buy(db, place, buyer, pomelo, 2, at=datetime(2026, 11, 27, 18, 0, tzinfo=UTC))
    cancelled = buy(db, place, buyer, tea, 1, at=NOW - timedelta(hours=1))
    services.transition(cancelled, "cancelled", buyer, now=NOW)
    # 23:30 on the 27th in Hà Nội: yesterday.
    late_evening = buy(db, place, buyer, pomelo, 1, at=datetime(2026, 11, 27, 16, 30, tzinfo=UTC))
    services.transition(late_evening, "confirmed", owner, now=NOW)
    paid = buy(db, place, buyer, pomelo, 3, at=NOW - timedelta(days=5), method="vietqr")
    services.mark_paid(paid, "manual", None, paid.total, owner, now=NOW - timedelta(days=5))
    old = buy(db, place, buyer, tea, 1, at=NOW - timedelta(days=40), method="vietqr")
    services.mark_paid(old, "manual", None, old.total, owner, now=NOW - timedelta(days=40))
    payment_events.handle_bank_notification(parse_sepay({
        "id": "tx-1", "gateway": "Vietcombank", "transactionDate": "2026-11-28 09:00:00",
        "accountNumber": "0123456789", "content": f"CK {early.number} ", "transferType": "in",
        "transferAmount": 1000, "referenceCode": "FT1"}))
    db.session.commit()
    return dict(org=org, owner=owner, tea=tea, pomelo=pomelo, early=early, cancelled=cancelled,
                late_evening=late_evening, paid=paid, old=old)


def test_dashboard_figures(db, shop_history):
    h = shop_history
    board = dashboard.seller_dashboard(h["org"], now=NOW)
    assert board.today.isoformat() == "2026-11-28"
    assert [o.number for o in board.today_orders] == [h["cancelled"].number, h["early"].number]
    assert board.today_total == h["early"].total  # a cancelled order is not money
    assert board.to_confirm == 3  # placed: the early COD order and both paid transfers; the late one is confirmed
    assert board.paid_revenue == h["paid"].total  # the 40-day-old payment is outside the window
    assert board.pending_revenue == h["early"].total + h["late_evening"].total
    assert board.pending_orders == 2
    # emptiest first; the archived product's one unit is not "running low"
    assert [(v.product.name, v.available) for v in board.low_stock] == [("Chè Tân Cương", 2), ("Bưởi Diễn", 4)]
    best = board.best_sellers
    assert [(b.name, b.units) for b in best] == [("Bưởi Diễn", 6)]
    assert best[0].amount == 6 * 60000
    assert len(board.days) == 30 and board.days[-1] == board.today
    assert board.orders_per_day[-1] == 2 and board.orders_per_day[-2] == 1 and board.orders_per_day[-6] == 1
    assert sum(board.orders_per_day) == 4
    chart = board.chart()
    assert chart["labels"][-1] == "28/11" and chart["orders"] == board.orders_per_day
    assert [r.reason for r in board.reviews] == ["amount_mismatch"]


def test_dashboard_of_an_organisation_without_orders(db, seller):
    board = dashboard.seller_dashboard(seller[1], now=NOW)
    assert board.today_orders == [] and board.paid_revenue == 0 and board.pending_revenue == 0
    assert board.best_sellers == [] and board.low_stock == [] and board.reviews == []
    assert board.orders_per_day == [0] * 30


def test_dashboard_page_for_members_only(db, client, auth, factory, shop_history):
    org = shop_history["org"]
    url = f"/shop/manage/{org.slug}/dashboard"
    assert client.get(url).status_code == 302  # sign in first
    auth.login_as(shop_history["owner"])
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="orders-chart"' in page and "uPlot.iife.min.js" in page and "dashboard.js" in page
    raw = re.search(r'data-chart="([^"]*)"', page).group(1)
    chart = json.loads(html.unescape(raw))
    assert len(chart["labels"]) == 30 and len(chart["orders"]) == 30
    assert 'data-testid="low-stock"' in page and "Chè Tân Cương" in page
    assert 'data-testid="best-sellers"' in page
    assert 'data-testid="reviews-alert"' in page and f"/shop/manage/{org.slug}/bank-reviews" in page
    assert "<script>" not in page  # the CSP forbids inline scripts: the chart reads its data attribute
    assert client.get(f"/shop/manage/{org.slug}").location.endswith(url)
    # the organisation page links here
    assert url in client.get(f"/orgs/{org.slug}/manage").get_data(as_text=True)
    auth.logout()
    staff = factory.user("Nhân viên")
    from app.accounts.services import add_staff

    add_staff(shop_history["owner"], org, staff.phone)
    db.session.commit()
    auth.login_as(staff)
    assert client.get(url).status_code == 200
    auth.logout()
    stranger = factory.user("Chủ HTX khác")
    factory.org(stranger, name="HTX Khác")
    auth.login_as(stranger)
    assert client.get(url).status_code == 403
    assert client.get("/shop/manage/no-such-org/dashboard").status_code == 404


def test_dashboard_counts_no_money_from_an_expired_transfer(db, client, auth, seller, buyer, stocked, place):
    owner, org = seller
    org.bank_bin, org.bank_account_number, org.bank_account_name = "970436", "0123456789", "HTX THU"
    db.session.commit()
    cart = services.get_cart(buyer, None, create=True)
    services.add_to_cart(cart, stocked.id, 1)
    order = place(cart, buyer, method="vietqr", payment_minutes=30)[0]
    order.expires_at = order.expires_at - timedelta(hours=1)
    db.session.commit()
    auth.login_as(owner)
    assert client.get(f"/shop/manage/{org.slug}/dashboard").status_code == 200
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == "cancelled"
    assert dashboard.seller_dashboard(org).pending_revenue == 0


# Delivery fee ------------------------------------------------------------------------------------------

def rule(db, org):
    db.session.expire_all()
    found = db.session.query(ShippingRule).filter_by(organisation_id=org.id).one_or_none()
    return (found.flat_fee, found.free_above) if found else None


def test_owner_sets_the_delivery_fee(db, client, auth, seller):
    owner, org = seller
    url = f"/shop/manage/{org.slug}/shipping"
    auth.login_as(owner)
    page = client.get(url).get_data(as_text=True)
    assert 'value="30.000"' in page and 'value="500.000"' in page  # the platform default, shown as typed
    response = client.post(url, data={"flat_fee": "25.000 ₫", "free_above": "300.000"})
    assert response.status_code == 302
    assert rule(db, org) == (25000, 300000)
    assert services.shipping_fee(org.id, 299999) == 25000 and services.shipping_fee(org.id, 300000) == 0
    page = client.get(url).get_data(as_text=True)
    assert "25.000 ₫" in page and "300.000 ₫" in page
    client.post(url, data={"flat_fee": "20000", "free_above": ""})
    assert rule(db, org) == (20000, None)
    assert services.shipping_fee(org.id, 10**9) == 20000


@pytest.mark.parametrize("flat, free, says", [
    ("-5.000", "", "Phí giao hàng không được âm."),
    ("15000", "-1", "Phí giao hàng không được âm."),
    ("50.000.000", "", "Vui lòng kiểm tra lại số chữ số 0"),
    ("30000", "99.000.000.000.000", "Vui lòng kiểm tra lại số chữ số 0"),
    ("ba mươi nghìn", "", "chỉ gồm chữ số"),
    ("30000", "năm trăm", "chỉ gồm chữ số"),
    ("", "", "chỉ gồm chữ số"),
])
def test_bad_delivery_fees_are_refused_in_vietnamese(db, client, auth, seller, flat, free, says):
    owner, org = seller
    services.set_shipping_rule(owner, org, 18000, 200000)
    db.session.commit()
    auth.login_as(owner)
    response = client.post(f"/shop/manage/{org.slug}/shipping", data={"flat_fee": flat, "free_above": free})
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert rule(db, org) == (18000, 200000)


def test_only_the_owner_changes_the_fee_and_outsiders_see_nothing(db, client, auth, factory, seller):
    owner, org = seller
    staff = factory.user("Nhân viên")
    from app.accounts.services import add_staff

    add_staff(owner, org, staff.phone)
    db.session.commit()
    url = f"/shop/manage/{org.slug}/shipping"
    auth.login_as(staff)
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="shipping-form"' not in page and "30.000 ₫" in page
    client.post(url, data={"flat_fee": "0", "free_above": ""})
    assert rule(db, org) is None
    auth.logout()
    stranger = factory.user("Người lạ")
    factory.org(stranger, name="HTX Lạ")
    auth.login_as(stranger)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"flat_fee": "0", "free_above": ""}).status_code == 403
    assert rule(db, org) is None
