"""The live allotment ledger: conditional takes and give-backs that never pass the allotment nor go below zero."""
from __future__ import annotations

from app.livestream import allotment
from app.livestream.models import LiveProduct


def test_take_up_to_the_allotment_and_no_further(db, make_live):
    live = make_live([("A12", "Bưởi Diễn", 10, None)], allotment=3)
    [lp] = live.products
    assert allotment.take(lp, 2) is True
    assert lp.allotment_used == 2  # the loaded row was expired, so it reads the new count
    assert allotment.take(lp, 2) is False  # 2 + 2 > 3: nothing changes
    assert allotment.take(lp.id, 1) is True
    db.session.commit()
    assert db.session.get(LiveProduct, lp.id).allotment_used == 3
    assert allotment.remaining(lp) == 0


def test_give_back_never_below_zero(db, make_live, caplog):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    [lp] = live.products
    assert allotment.take(lp, 4) is True
    assert allotment.give_back(lp, 3) is True and lp.allotment_used == 1
    assert allotment.give_back(lp, 2) is False and lp.allotment_used == 1
    assert "fewer are in use" in caplog.text


def test_remaining_is_the_smaller_of_the_allotment_left_and_the_shelf(db, make_live):
    live = make_live([("A12", "Bưởi Diễn", 5, None)], allotment=4)
    [lp] = live.products
    assert allotment.remaining(lp) == 4
    allotment.take(lp, 1)
    assert allotment.remaining(lp) == 3
    error = allotment.out_of_stock(lp)
    assert error.code == "out_of_stock" and error.details == {"available": 3}
    allotment.take(lp, 3)
    assert allotment.out_of_stock(lp).details == {"available": 0}
