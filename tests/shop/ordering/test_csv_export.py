"""The sellers' orders CSV: what buyers typed never becomes a live spreadsheet formula."""
from __future__ import annotations

import csv
import io

from .test_views import checkout_form


def test_orders_csv_defuses_formulas_typed_by_the_buyer(db, client, auth, buyer, stocked, address, seller):
    auth.login_as(buyer)
    client.post("/shop/cart/add", data={"variant_id": stocked.id, "quantity": 1})
    form = {**checkout_form(address), "name": '=HYPERLINK("http://evil.example","Bấm vào")',
            "street": "@SUM(1+1)*cmd|' /C calc'!A0"}
    assert client.post("/shop/checkout", data=form).status_code == 302
    auth.logout()
    owner, org = seller
    auth.login_as(owner)
    response = client.get(f"/shop/manage/{org.slug}/orders.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="orders-{org.slug}.csv"'
    header, row = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = dict(zip(header, row, strict=False))
    assert cells["buyer_name"] == '\'=HYPERLINK("http://evil.example","Bấm vào")'
    assert cells["street"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert cells["buyer_phone"] == "0912 345 678"  # text as Vietnamese people write it, never "+84…" (a formula)
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
