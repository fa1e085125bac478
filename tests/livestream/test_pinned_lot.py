"""#17 item 5: when the seller pins a product in the live, the live page shows its newest lot with the link to
the lot's traceability page; an unpinned product shows none."""
from __future__ import annotations

from datetime import date

from app.livestream import services
from app.livestream.models import LiveProduct
from app.shop import lots


def test_the_pinned_product_shows_its_lot(db, client, make_live, seller):
    live = make_live([("A12", "Bưởi Diễn", 10, None), ("B3", "Mứt bưởi", 5, None)])
    lp_a, lp_b = db.session.query(LiveProduct).order_by(LiveProduct.id).all()
    old = lots.add_lot(lp_a.product, lots.LotData(code="BD-2026-10", produced_on=date(2026, 10, 1)))
    new = lots.add_lot(lp_a.product, lots.LotData(code="BD-2026-11", produced_on=date(2026, 11, 20)))
    lots.add_lot(lp_b.product, lots.LotData(code="MB-1", produced_on=date(2026, 11, 1)))
    db.session.commit()
    assert "BD-2026-11" not in client.get(f"/live/{live.id}").get_data(as_text=True), "nothing pinned yet"

    services.pin_product(seller[0], live, "A12", True)
    db.session.commit()
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert "BD-2026-11" in page and f"/lot/{new.id}" in page
    assert "BD-2026-10" not in page and f"/lot/{old.id}" not in page and "MB-1" not in page
