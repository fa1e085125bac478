"""The monthly files: a seller's statement (CSV) and the admin's declaration data (CSV and XLSX), in Vietnamese.

Every table is built once as rows (a header, the lines, a totals row) and written as CSV through core.csvfile
(formula-looking text defused) or as XLSX with openpyxl, where text is always stored as text, never a formula.
"""
from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..shop.ordering.models import Order
from .queries import Declaration, Statement, Totals
from .settings import bp_to_percent, local_day


def _kind_label(kind: str) -> str:
    return {"goods": _("Goods"), "services": _("Services"), "transport": _("Transport")}.get(kind, kind)


def _org_kind_label(kind: str) -> str:
    return _("Cooperative") if kind == "cooperative" else _("Household business")


def _money_columns(totals: Totals) -> list[int]:
    return [totals.revenue, totals.vat, totals.pit, totals.offset_revenue, totals.offset_vat, totals.offset_pit,
            totals.net_revenue, totals.net_vat, totals.net_pit]


def declaration_header() -> list[str]:
    return [_("No."), _("Seller"), _("Kind"), _("Tax code"), _("Personal identification number"),
            _("Legal representative"), _("Tax group"), _("VAT rate (%)"), _("PIT rate (%)"), _("Revenue"),
            _("VAT withheld"), _("PIT withheld"), _("Revenue offset (cancelled, returned)"), _("VAT offset"),
            _("PIT offset"), _("Net revenue"), _("Net VAT"), _("Net PIT")]


def declaration_rows(report: Declaration) -> list[list[Any]]:
    """Header, one row per seller, tax group and rate, and the totals (always in Vietnamese)."""
    with force_locale("vi"):
        rows: list[list[Any]] = [declaration_header()]
        for number, row in enumerate(report.rows, start=1):
            v = row.verification
            rows.append([number, row.organisation.name, _org_kind_label(row.organisation.kind),
                         (v.tax_code or "") if v else "", (v.id_number or "") if v else "",
                         v.representative_name if v else "",
                         _kind_label(row.tax_kind), bp_to_percent(row.vat_bp), bp_to_percent(row.pit_bp),
                         *_money_columns(row.totals)])
        rows.append(["", _("Total"), "", "", "", "", "", "", "", *_money_columns(report.totals)])
    return rows


def statement_rows(report: Statement) -> list[list[Any]]:
    """A seller's month: one row per ledger line, then the totals (always in Vietnamese)."""
    numbers = dict(db.session.execute(select(Order.id, Order.number).where(
        Order.id.in_({e.order_id for e in report.entries}))).tuples().all()) if report.entries else {}
    with force_locale("vi"):
        rows: list[list[Any]] = [[_("Date"), _("Order"), _("Product"), _("Channel"), _("Entry"), _("Tax group"),
                                  _("Revenue"), _("VAT withheld"), _("PIT withheld"), _("Net due")]]
        for e in report.entries:
            rows.append([local_day(e.booked_at).strftime("%d/%m/%Y"), numbers.get(e.order_id, ""), e.product_name,
                         _("Live") if e.channel == "live" else _("Shop"),
                         _("Withheld") if e.kind == "withholding" else _("Offset (cancelled or returned)"),
                         _kind_label(e.tax_kind), e.revenue, e.vat, e.pit, e.revenue - e.vat - e.pit])
        t = report.totals
        rows.append([_("Total"), "", "", "", "", "", t.net_revenue, t.net_vat, t.net_pit, t.net_due])
    return rows


def xlsx_bytes(rows: Sequence[Sequence[Any]], title: str) -> bytes:
    """The rows as one sheet; text cells stay text (a name starting with '=' is never a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value if value != "" else None)
            if isinstance(value, str):
                cell.data_type = "s"
            if r == 1 or r == len(rows):
                cell.font = Font(bold=True)
    for c, header in enumerate(rows[0] if rows else (), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = max(10, min(len(str(header)) + 2, 40))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
