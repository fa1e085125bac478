"""The withholding ledger: paid, cash-on-delivery, cancelled after payment and returned orders across a month
boundary in Vietnam's time; rounding; rates by effective date; immutable rows; atomic with the order."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, text

from tests.compliance.conftest import entries, vn


@pytest.fixture
def seller(marketplace, household, product):
    owner, org = household
    return org, product(owner, org, "Bưởi Diễn", 12_345), product(owner, org, "Cam Canh", 100_000, code="C1")


def test_a_transfer_paid_late_on_the_last_evening_of_january_is_booked_in_january(db, seller, order, pay):
    org, pomelo, orange = seller
    o = order([(pomelo, 1), (orange, 2)], "vietqr", at=vn(2026, 1, 31, 20, 0))
    pay(o, vn(2026, 1, 31, 23, 30))  # 16:30 UTC on the 31st
    rows = entries(db, o.id)
    assert [(r.kind, r.period, r.revenue, r.vat, r.pit, r.tax_kind, r.reason) for r in rows] == [
        ("withholding", "2026-01", 12_345, 123, 62, "goods", "paid"),      # 123.45 → 123, 61.725 → 62
        ("withholding", "2026-01", 200_000, 2_000, 1_000, "goods", "paid")]
    assert {r.channel for r in rows} == {"shop"} and {r.organisation_id for r in rows} == {org.id}


def test_midnight_in_vietnam_is_already_february_though_utc_is_still_january(db, seller, order, pay):
    _, pomelo, _ = seller
    o = order([(pomelo, 2)], "stripe", at=vn(2026, 1, 31, 23, 50))
    pay(o, vn(2026, 2, 1, 0, 30), provider="stripe")  # 17:30 UTC on 31 January
    assert [(r.period, r.revenue) for r in entries(db, o.id)] == [("2026-02", 24_690)]


def test_cash_on_delivery_counts_only_when_delivered_and_paid(db, seller, order, move, pay):
    from app.shop.ordering import services

    _, pomelo, orange = seller
    o = order([(orange, 1)], "cod", at=vn(2026, 1, 28, 9, 0))
    move(o, "confirmed", "packed", "shipped", at=vn(2026, 1, 29, 9, 0))
    move(o, "delivered", at=vn(2026, 1, 31, 18, 0))
    assert entries(db, o.id) == []  # delivered, but the cash has not been marked received
    assert services.seller_mark_paid  # the seller's button calls mark_paid(provider="manual")
    pay(o, vn(2026, 2, 1, 8, 0), provider="manual")
    [row] = entries(db, o.id)
    assert (row.period, row.reason, row.revenue, row.vat, row.pit) == ("2026-02", "paid", 100_000, 1_000, 500)

    early = order([(pomelo, 1)], "cod", at=vn(2026, 1, 28, 9, 0))
    pay(early, vn(2026, 1, 30, 9, 0), provider="manual")  # cash taken before delivery: not yet a sale
    assert entries(db, early.id) == []
    move(early, "confirmed", "packed", "shipped", at=vn(2026, 1, 31, 9, 0))
    move(early, "delivered", at=vn(2026, 2, 2, 10, 0))
    [row] = entries(db, early.id)
    assert (row.period, row.reason) == ("2026-02", "delivered")


def test_a_cancellation_after_payment_is_offset_in_the_month_it_happens(db, seller, order, pay, move):
    from app.compliance import queries

    org, pomelo, orange = seller
    o = order([(pomelo, 1), (orange, 1)], "vietqr", at=vn(2026, 1, 31, 10, 0))
    pay(o, vn(2026, 1, 31, 11, 0))
    move(o, "cancelled", at=vn(2026, 2, 1, 0, 5))
    rows = entries(db, o.id)
    booked = [r for r in rows if r.kind == "withholding"]
    reversed_ = [r for r in rows if r.kind == "reversal"]
    assert [r.period for r in booked] == ["2026-01"] * 2 and [r.period for r in reversed_] == ["2026-02"] * 2
    assert [(r.reverses_id, r.revenue, r.vat, r.pit, r.reason) for r in reversed_] == [
        (b.id, -b.revenue, -b.vat, -b.pit, "cancelled") for b in booked]
    january, february = queries.statement(org, "2026-01"), queries.statement(org, "2026-02")
    assert (january.totals.net_revenue, january.totals.net_withheld) == (112_345, 123 + 62 + 1_000 + 500)
    assert (february.totals.revenue, february.totals.offset_revenue, february.totals.net_withheld) == \
        (0, -112_345, -(123 + 62 + 1_000 + 500))


def test_a_return_of_a_delivered_cash_order_is_offset_in_the_next_month(db, seller, order, pay, move):
    _, _, orange = seller
    o = order([(orange, 3)], "cod", at=vn(2026, 3, 25, 9, 0))
    move(o, "confirmed", "packed", "shipped", "delivered", at=vn(2026, 3, 30, 9, 0))
    pay(o, vn(2026, 3, 31, 22, 0), provider="manual")
    move(o, "refunded", at=vn(2026, 4, 2, 9, 0))
    assert [(r.kind, r.period, r.revenue, r.vat, r.pit, r.reason) for r in entries(db, o.id)] == [
        ("withholding", "2026-03", 300_000, 3_000, 1_500, "paid"),
        ("reversal", "2026-04", -300_000, -3_000, -1_500, "refunded")]


def test_cancelled_before_it_counted_books_nothing(db, seller, order, move, pay):
    _, pomelo, _ = seller
    o = order([(pomelo, 1)], "cod", at=vn(2026, 1, 5, 9, 0))
    pay(o, vn(2026, 1, 5, 10, 0), provider="manual")
    move(o, "cancelled", at=vn(2026, 1, 6, 9, 0))
    assert entries(db, o.id) == []


def test_a_second_payment_notice_or_a_later_delivery_books_nothing_twice(db, seller, order, pay, move):
    from app.shop.ordering import services

    _, pomelo, _ = seller
    o = order([(pomelo, 1)], "vietqr", at=vn(2026, 1, 10, 9, 0))
    pay(o, vn(2026, 1, 10, 9, 5))
    assert services.mark_paid(o, "bank", None, o.total) is False
    move(o, "confirmed", "packed", "shipped", "delivered", at=vn(2026, 1, 12, 9, 0))
    assert len(entries(db, o.id)) == 1


def test_own_shop_mode_and_cooperatives_are_not_withheld(db, factory, household, product, order, pay):
    from app.compliance import settings

    owner, org = household
    p = product(owner, org, "Gạo", 50_000)
    o = order([(p, 1)], "vietqr", at=vn(2026, 1, 10, 9, 0))
    pay(o, vn(2026, 1, 10, 9, 5))
    assert entries(db) == []  # no mode chosen: own shop
    settings.choose_mode(None, "marketplace", date(2026, 1, 11))
    db.session.commit()
    coop_owner = factory.user("Chủ HTX")
    coop = factory.org(coop_owner, name="HTX Rau", kind="cooperative")
    q = product(coop_owner, coop, "Rau", 20_000)
    c = order([(q, 1)], "vietqr", at=vn(2026, 1, 12, 9, 0))
    pay(c, vn(2026, 1, 12, 9, 5))
    assert entries(db) == []  # a cooperative declares its own taxes
    h = order([(p, 1)], "vietqr", at=vn(2026, 1, 12, 9, 0))
    pay(h, vn(2026, 1, 12, 9, 5))
    assert [r.order_id for r in entries(db)] == [h.id]


def test_rates_follow_their_effective_date(db, seller, order, pay, admin, move):
    from app.compliance import settings

    org, _, orange = seller
    settings.set_rate(admin, "goods", "2", "0,75", date(2026, 2, 1), "Giả định cho kiểm thử")
    db.session.commit()
    before = order([(orange, 1)], "vietqr", at=vn(2026, 1, 31, 23, 0))
    pay(before, vn(2026, 1, 31, 23, 59))
    after = order([(orange, 1)], "vietqr", at=vn(2026, 2, 1, 0, 0))
    pay(after, vn(2026, 2, 1, 0, 1))
    move(before, "cancelled", at=vn(2026, 2, 3, 9, 0))
    rows = entries(db)
    assert [(r.order_id, r.kind, r.vat_bp, r.pit_bp, r.vat, r.pit) for r in rows] == [
        (before.id, "withholding", 100, 50, 1_000, 500),
        (after.id, "withholding", 200, 75, 2_000, 750),
        (before.id, "reversal", 100, 50, -1_000, -500)]  # the reversal undoes exactly what was withheld


def test_an_unclassified_category_is_withheld_at_the_highest_rate(db, seller, order, pay):
    from app.compliance.models import ComplianceSetting

    _, pomelo, _ = seller
    # As for a category the shop adds later without a tax group: no usable value in force.
    db.session.execute(delete(ComplianceSetting).where(ComplianceSetting.key == "tax_kind.fruit"))
    db.session.add(ComplianceSetting(key="tax_kind.fruit", value="unknown", effective_from=date(2025, 7, 1)))
    db.session.commit()
    o = order([(pomelo, 1)], "vietqr", at=vn(2026, 1, 10, 9, 0))
    pay(o, vn(2026, 1, 10, 9, 5))
    [row] = entries(db, o.id)
    assert (row.tax_kind, row.vat_bp, row.pit_bp, row.vat, row.pit) == ("services", 500, 200, 617, 247)


@pytest.mark.parametrize("amount,bp,expected", [(12_345, 100, 123), (12_345, 50, 62), (12_300, 50, 62),
                                                (12_299, 50, 61), (1, 50, 0), (100, 50, 1), (0, 500, 0),
                                                (9_999_999_999, 700, 699_999_999 + 1), (-12_345, 50, -62)])
def test_rounding_is_half_up_to_the_whole_dong(amount, bp, expected):
    from app.compliance.settings import withholding

    assert withholding(amount, bp) == expected


def test_ledger_rows_are_never_changed(db, seller, order, pay):
    from app.compliance.ledger import ImmutableLedger

    _, pomelo, _ = seller
    o = order([(pomelo, 1)], "vietqr", at=vn(2026, 1, 10, 9, 0))
    pay(o, vn(2026, 1, 10, 9, 5))
    [row] = entries(db, o.id)
    row.vat = 0
    with pytest.raises(ImmutableLedger):
        db.session.flush()
    db.session.rollback()
    db.session.delete(entries(db, o.id)[0])
    with pytest.raises(ImmutableLedger):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="immutable"):
        db.session.execute(text("UPDATE withholding_entries SET vat = 0"))
    db.session.rollback()
    assert entries(db, o.id)[0].vat == 123


def test_a_payment_whose_ledger_line_fails_is_not_recorded_either(db, seller, order, monkeypatch):
    from app.compliance import settings
    from app.shop.ordering import services
    from app.shop.ordering.models import Order

    _, pomelo, _ = seller
    o = order([(pomelo, 1)], "vietqr", at=vn(2026, 1, 10, 9, 0))

    def broken(*_a, **_k):
        raise RuntimeError("rate table unreadable")

    monkeypatch.setattr(settings, "rate", broken)
    with pytest.raises(RuntimeError):
        services.mark_paid(o, "bank", None, o.total, now=vn(2026, 1, 10, 9, 5))
    db.session.rollback()
    assert db.session.get(Order, o.id).paid_at is None and entries(db) == []


def test_an_order_from_a_live_is_booked_on_the_live_channel(db, seller, order, pay):
    from app.compliance.ledger import channel_of
    from app.livestream.models import LiveOrderLine, LiveProduct, LiveReservation, LiveSession

    org, pomelo, _ = seller
    o = order([(pomelo, 1)], "vietqr", at=vn(2026, 1, 10, 9, 0))
    live = LiveSession(organisation_id=org.id, title="Live bưởi", scheduled_at=vn(2026, 1, 10, 8, 0), state="live")
    db.session.add(live)
    db.session.flush()
    lp = LiveProduct(session_id=live.id, product_id=pomelo.id, live_code="A1", allotment=1, allotment_used=1)
    db.session.add(lp)
    db.session.flush()
    held = LiveReservation(session_id=live.id, live_product_id=lp.id, variant_id=pomelo.variants[0].id,
                           user_id=o.buyer_id, quantity=1, unit_price=12_345, status="checked_out",
                           hold_until=vn(2026, 1, 11, 8, 0))
    db.session.add(held)
    db.session.flush()
    db.session.add(LiveOrderLine(reservation_id=held.id, order_id=o.id))
    db.session.commit()
    assert channel_of(o.id) == "live"
    pay(o, vn(2026, 1, 10, 9, 5))
    assert [r.channel for r in entries(db, o.id)] == ["live"]
