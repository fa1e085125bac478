"""CSV exports that a spreadsheet opens safely: text that looks like a formula is defused, UTF-8 with a BOM.

Every CSV the app serves goes through write_csv (or csv_response), so a buyer who names themselves
`=HYPERLINK("http://evil.example", "Bấm")` never becomes a live formula in the seller's Excel (OWASP
"CSV injection"). Numbers we computed stay numbers; text starting with = + - @, a tab or a carriage
return (also after leading spaces, which spreadsheets skip) gets a leading apostrophe.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"  # Excel reads a CSV as UTF-8 only with it


def csv_safe(value: Any) -> Any:
    """The cell as written: None → '', ints and floats unchanged, formula-looking text prefixed with "'"."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) or text.lstrip(" ").startswith(FORMULA_START):
        return "'" + text
    return text


def write_csv(rows: Iterable[Sequence[Any]]) -> str:
    """The rows (a header row first, if any) as CSV text, every cell passed through csv_safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()


def csv_response(rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """A download of the rows as `filename` (ASCII), with the BOM spreadsheets need for Vietnamese text."""
    safe_name = "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "-_.")) or "export.csv"
    return Response(BOM + write_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{safe_name}"'})
