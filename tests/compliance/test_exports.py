"""The admin's monthly declaration (page, CSV, XLSX, CLI) and the seller's statement: columns and totals equal the
ledger; text is never a formula; the reminder before the 20th."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.compliance.conftest import vn
from tests.conftest import AuthActions

HEADER = ["STT", "Người bán", "Loại hình", "Mã số thuế", "Số định danh cá nhân", "Người đại diện theo pháp luật",
          "Nhóm ngành", "Thuế suất GTGT (%)", "Thuế suất TNCN (%)", "Doanh thu", "Thuế GTGT đã khấu trừ",
          "Thuế TNCN đã khấu trừ", "Doanh thu giảm trừ (hủy, trả hàng)", "Thuế GTGT bù trừ", "Thuế TNCN bù trừ",
          "Doanh thu thuần", "Thuế GTGT thuần", "Thuế TNCN thuần"]
MONEY = slice(9, 18)


@pytest.fixture
def february(db, factory, marketplace, household, product, order, pay, move, verify):
    """Two household sellers: January sales, February sales, a January sale returned in February."""
    owner, lan = household
    verify(owner, lan, id_number="001085012345")
    other_owner = factory.user("Chủ Hộ Minh")
    minh = factory.org(other_owner, name="=HYPERLINK(\"http://x\",\"Hộ Minh\")", kind="household")
    verify(other_owner, minh, id_number="001090054321")
    a, b = product(owner, lan, "Bưởi", 12_345), product(owner, lan, "Cam", 99_999, code="C1")
    c = product(other_owner, minh, "Rau", 30_000)
    jan = order([(a, 2)], "vietqr", at=vn(2026, 1, 20, 9, 0))
    pay(jan, vn(2026, 1, 20, 10, 0))
    for lines, at in [([(a, 1), (b, 3)], vn(2026, 2, 1, 0, 10)), ([(c, 7)], vn(2026, 2, 28, 23, 59))]:
        o = order(lines, "vietqr", at=at)
        pay(o, at)
    move(jan, "confirmed", "packed", "shipped", "delivered", at=vn(2026, 1, 25, 9, 0))
    move(jan, "refunded", at=vn(2026, 2, 3, 9, 0))
    late = order([(c, 1)], "vietqr", at=vn(2026, 3, 1, 0, 0))
    pay(late, vn(2026, 3, 1, 0, 1))  # March: not in February's file
    return lan, minh


def _ledger_sums(db, period):
    from app.compliance.models import WithholdingEntry as E

    def total(column, kind):
        return db.session.scalar(select(func.coalesce(func.sum(column), 0)).where(E.period == period, E.kind == kind))

    got = {kind: [total(E.revenue, kind), total(E.vat, kind), total(E.pit, kind)] for kind in ("withholding", "reversal")}
    net = [w + r for w, r in zip(got["withholding"], got["reversal"], strict=False)]
    return got["withholding"] + got["reversal"] + net


def test_the_declaration_columns_and_totals_equal_the_ledger(db, february):
    from app.compliance import exports, queries

    lan, minh = february
    rows = exports.declaration_rows(queries.declaration("2026-02"))
    assert rows[0] == HEADER
    body, totals = rows[1:-1], rows[-1]
    assert [r[1] for r in body] == [minh.name, lan.name]  # by name; one tax group and rate each
    assert [(r[3], r[4]) for r in body] == [("", "001090054321"), ("", "001085012345")]
    sums = _ledger_sums(db, "2026-02")
    assert totals[MONEY] == sums
    assert [sum(r[i] for r in body) for i in range(9, 18)] == sums
    assert sums[:3] == [12_345 + 299_997 + 210_000, 123 + 3_000 + 2_100, 62 + 1_500 + 1_050]
    assert sums[3:6] == [-24_690, -247, -123]  # January's pomelos returned in February


def test_the_admin_downloads_csv_and_xlsx_with_the_same_figures(app, db, february, admin):
    from openpyxl import load_workbook

    client = app.test_client()
    AuthActions(client, None).login_as(admin)
    page = client.get("/admin/compliance/export?month=2026-02")
    assert page.status_code == 200 and "HYPERLINK" in page.get_data(as_text=True)
    sums = _ledger_sums(db, "2026-02")
    response = client.get("/admin/compliance/export.csv?month=2026-02")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == HEADER and [int(x) for x in rows[-1][MONEY]] == sums
    assert rows[1][1].startswith("'=HYPERLINK")  # defused for spreadsheets
    response = client.get("/admin/compliance/export.xlsx?month=2026-02")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER and values[-1][MONEY] == sums
    cell = sheet.cell(row=2, column=2)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # text, never a formula
    assert client.get("/admin/compliance/export.csv?month=2026-13").status_code == 400
    assert client.get("/admin/compliance/export.xlsx?month=02-2026").status_code == 400


def test_the_export_is_for_admins_only(app, db, household):
    owner, _ = household
    client = app.test_client()
    AuthActions(client, None).login_as(owner)
    for path in ("/admin/compliance", "/admin/compliance/export.csv?month=2026-02", "/admin/compliance/settings",
                 "/admin/compliance/verifications", "/admin/compliance/mode"):
        assert client.get(path).status_code == 403


def test_the_cli_writes_the_same_file(app, db, february, tmp_path):
    from openpyxl import load_workbook

    runner = app.test_cli_runner()
    out = tmp_path / "khau-tru.xlsx"
    result = runner.invoke(args=["tax", "export", "--month", "2026-02", "--out", str(out)])
    assert result.exit_code == 0, result.output
    values = [[c.value for c in row] for row in load_workbook(out).active.iter_rows()]
    assert values[0] == HEADER and values[-1][MONEY] == _ledger_sums(db, "2026-02")
    out_csv = tmp_path / "khau-tru.csv"
    assert runner.invoke(args=["tax", "export", "--month", "2026-02", "--out", str(out_csv)]).exit_code == 0
    assert list(csv.reader(io.StringIO(out_csv.read_text("utf-8").lstrip("\ufeff"))))[0] == HEADER
    bad = runner.invoke(args=["tax", "export", "--month", "2026-2", "--out", str(out)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output
    assert runner.invoke(args=["tax", "export", "--month", "2026-02", "--out", str(tmp_path / "x.txt")]).exit_code != 0


def test_the_seller_statement_page_and_csv(app, db, february, household):
    owner, lan = household
    client = app.test_client()
    AuthActions(client, None).login_as(owner)
    page = client.get(f"/compliance/{lan.slug}/statement?month=2026-02")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "001085012345" in text  # the owner sees the full number
    response = client.get(f"/compliance/{lan.slug}/statement.csv?month=2026-02")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Ngày", "Đơn", "Sản phẩm"]
    lines, total = rows[1:-1], rows[-1]
    assert len(lines) == 3 and int(total[6]) == 12_345 + 299_997 - 24_690
    assert int(total[7]) + int(total[8]) == 123 + 3_000 + 62 + 1_500 - 247 - 123
    assert int(total[9]) == int(total[6]) - int(total[7]) - int(total[8])
    assert client.get(f"/compliance/{lan.slug}/statement?month=abc").status_code == 400


def test_staff_see_the_statement_with_the_identity_number_masked(app, db, february, household, factory):
    from app.accounts.services import add_staff

    owner, lan = household
    staff = factory.user("Nhân viên")
    add_staff(owner, lan, staff.phone)
    db.session.commit()
    client = app.test_client()
    AuthActions(client, None).login_as(staff)
    text = client.get(f"/compliance/{lan.slug}/statement?month=2026-02").get_data(as_text=True)
    assert "001085012345" not in text and "•••345" in text
    assert client.get(f"/compliance/{lan.slug}/verification").status_code == 403


def test_the_reminder_runs_from_the_first_to_the_due_day_until_filed(db, february, admin):
    from app.compliance import queries, services

    assert queries.reminder(date(2026, 3, 5)).days_left == 15
    assert queries.reminder(date(2026, 3, 5)).entries == 4  # Lan's two lines, Minh's one, January's return
    assert queries.reminder(date(2026, 3, 21)).overdue
    services.mark_filed(admin, "2026-02")
    db.session.commit()
    assert queries.reminder(date(2026, 3, 5)) is None
    assert queries.reminder(date(2026, 4, 5)).period == "2026-03"


def test_the_admin_dashboard_shows_the_reminder(app, db, february, admin, monkeypatch):
    from app.compliance import settings

    monkeypatch.setattr(settings, "local_day", lambda moment=None: date(2026, 3, 18) if moment is None
                        else settings.local_day.__wrapped__(moment) if hasattr(settings.local_day, "__wrapped__")
                        else _day(moment))
    client = app.test_client()
    AuthActions(client, None).login_as(admin)
    text = client.get("/admin/compliance").get_data(as_text=True)
    assert 'data-testid="declaration-reminder"' in text and "20/03/2026" in text


def _day(moment):
    from datetime import datetime

    from app.compliance.settings import VIETNAM

    return moment.astimezone(VIETNAM).date() if isinstance(moment, datetime) else moment
