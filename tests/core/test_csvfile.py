"""core.csvfile: cells a spreadsheet would run as formulas are written as text."""
from __future__ import annotations

import csv
import io

import pytest

from app.core.csvfile import BOM, csv_response, csv_safe, write_csv


@pytest.mark.parametrize("cell, written", [
    ("=1+1", "'=1+1"),
    ('=HYPERLINK("http://evil.example","Bấm")', '\'=HYPERLINK("http://evil.example","Bấm")'),
    ("+84912345678", "'+84912345678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("   =1", "'   =1"),
    ("Bưởi Diễn", "Bưởi Diễn"),
    ("a=b", "a=b"),
    ("", ""),
    (None, ""),
    (60000, 60000),
    (-5, -5),
    (True, "True"),
])
def test_csv_safe(cell, written):
    assert csv_safe(cell) == written


def test_write_csv_defuses_every_cell_and_reads_back():
    text = write_csv([["name", "total"], ["=cmd|' /C calc'!A0", 120000], ["Chị Lan", 5]])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "total"], ["'=cmd|' /C calc'!A0", "120000"], ["Chị Lan", "5"]]


def test_csv_response_is_an_attachment_with_a_bom(app):
    response = csv_response([["a"], ["=1"]], 'orders-"x"\r\n.csv')
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="orders-x.csv"'
    body = response.get_data(as_text=True)
    assert body.startswith(BOM) and "'=1" in body
