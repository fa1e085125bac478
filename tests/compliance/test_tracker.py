"""The household revenue tracker, in both modes: the year by month and channel, warnings at 80 % and at the crossing."""
from __future__ import annotations

from datetime import date

from tests.compliance.conftest import vn
from tests.conftest import AuthActions


def test_revenue_by_month_with_cod_and_returns(db, household, product, order, pay, move):
    from app.compliance import tracker

    owner, org = household
    p = product(owner, org, "Gạo", 1_000_000, stock=1000)
    paid = order([(p, 3)], "vietqr", at=vn(2026, 1, 31, 23, 0))
    pay(paid, vn(2026, 1, 31, 23, 30))
    cod = order([(p, 2)], "cod", at=vn(2026, 2, 10, 9, 0))
    move(cod, "confirmed", "packed", "shipped", "delivered", at=vn(2026, 2, 27, 9, 0))
    pay(cod, vn(2026, 3, 1, 8, 0), provider="manual")
    move(paid, "confirmed", "packed", "shipped", "delivered", at=vn(2026, 2, 2, 9, 0))
    move(paid, "refunded", at=vn(2026, 4, 2, 9, 0))
    unpaid = order([(p, 9)], "cod", at=vn(2026, 4, 3, 9, 0))
    assert unpaid.paid_at is None
    board = tracker.tracker(org, 2026, date(2026, 6, 1))
    assert [m.total for m in board.months[:5]] == [3_000_000, 0, 2_000_000, -3_000_000, 0]
    assert board.total == 2_000_000 and board.shop == 2_000_000 and board.live == 0


def test_warnings_at_eighty_percent_and_at_the_crossing(db, household, product, order, pay):
    from app.compliance import tracker

    owner, org = household
    p = product(owner, org, "Máy xát", 100_000_000, stock=100)
    for day, qty in [(5, 3), (6, 1)]:
        o = order([(p, qty)], "vietqr", at=vn(2026, 3, day, 9, 0))
        pay(o, vn(2026, 3, day, 9, 5))
    levels = {t.key: t.level for t in tracker.tracker(org, 2026, date(2026, 3, 10)).thresholds}
    assert levels == {"exempt_threshold": "near", "einvoice_threshold": "ok"}  # 400 of 500 million
    for day, qty in [(7, 2), (8, 3)]:  # 900 million
        o = order([(p, qty)], "vietqr", at=vn(2026, 3, day, 9, 0))
        pay(o, vn(2026, 3, day, 9, 5))
    board = tracker.tracker(org, 2026, date(2026, 3, 10))
    assert {t.key: t.level for t in board.thresholds} == {"exempt_threshold": "crossed", "einvoice_threshold": "near"}
    o = order([(p, 2)], "vietqr", at=vn(2026, 3, 9, 9, 0))
    pay(o, vn(2026, 3, 9, 9, 5))
    board = tracker.tracker(org, 2026, date(2026, 3, 10))
    assert {t.key: t.level for t in board.thresholds}["einvoice_threshold"] == "crossed"
    assert board.crossed_on["einvoice_threshold"] == date(2026, 3, 9)
    assert board.register_by() == date(2026, 4, 8)  # 30 days after crossing


def test_the_thresholds_follow_their_dates(db, household, admin):
    from app.compliance import settings, tracker

    owner, org = household
    assert settings.int_value("exempt_threshold", date(2025, 12, 31)) == 200_000_000
    assert settings.int_value("exempt_threshold", date(2026, 1, 1)) == 500_000_000
    settings.set_value(admin, "exempt_threshold", "1.000.000.000".replace(".", ""), date(2026, 7, 1), "NĐ 141/2026")
    db.session.commit()
    assert settings.int_value("exempt_threshold", date(2026, 6, 30)) == 500_000_000
    assert settings.int_value("exempt_threshold", date(2026, 7, 1)) == 1_000_000_000
    assert {t.key: t.amount for t in tracker.tracker(org, 2026, date(2026, 8, 1)).thresholds}["exempt_threshold"] \
        == 1_000_000_000


def test_the_household_sees_its_tracker_page(app, db, household, product, order, pay):
    owner, org = household
    p = product(owner, org, "Gạo", 450_000_000, stock=10)
    o = order([(p, 1)], "vietqr", at=vn(2026, 1, 5, 9, 0))
    pay(o, vn(2026, 1, 5, 9, 5))
    client = app.test_client()
    AuthActions(client, None).login_as(owner)
    text = client.get(f"/compliance/{org.slug}?year=2026").get_data(as_text=True)
    assert 'data-testid="tracker"' in text and 'data-testid="warning"' in text
