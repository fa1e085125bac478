"""Inventory (DESIGN invariant 1): conditional updates, the ledger, bad quantities, and no oversell under load."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from app.errors import Conflict, InvalidInput, NotFound, OutOfStock
from app.shop import inventory
from app.shop.models import StockMovement, Variant


def _counters(db, variant_id):
    db.session.expire_all()
    v = db.session.get(Variant, variant_id)
    return v.received, v.available, v.reserved, v.sold


@pytest.fixture
def variant(seller, make_product):
    owner, org = seller
    return make_product(owner, org, stock=10).variants[0]


def test_the_full_life_of_stock_keeps_the_balance(db, seller, variant):
    owner, _ = seller
    vid = variant.id
    inventory.reserve_stock(vid, 4, reason="order CL-AAA")
    inventory.sell_reserved(vid, 3, "paid")
    inventory.release_stock(vid, 1, "expired")
    inventory.return_sold(vid, 1, "refund")
    inventory.receive_stock(variant, 5, owner, "harvest")
    inventory.adjust_stock(variant, -2, owner, "spoilt")
    db.session.commit()
    received, available, reserved, sold = _counters(db, vid)
    assert (received, available, reserved, sold) == (13, 11, 0, 2)
    assert received == available + reserved + sold
    kinds = [m.kind for m in db.session.scalars(select(StockMovement).order_by(StockMovement.id))]
    assert kinds == ["received", "reserve", "sell", "release", "return", "received", "adjust"]


def test_every_movement_records_who_and_why(db, seller, variant):
    owner, _ = seller
    inventory.adjust_stock(variant, 3, owner, "  đếm lại   kho ")
    db.session.commit()
    movement = db.session.scalars(select(StockMovement).order_by(StockMovement.id.desc())).first()
    assert (movement.delta, movement.kind, movement.actor_id, movement.reason) == (3, "adjust", owner.id, "đếm lại kho")
    assert movement.created_at is not None


def test_reserving_more_than_available_is_refused_with_a_clear_message(db, variant):
    with pytest.raises(OutOfStock) as exc:
        inventory.reserve_stock(variant.id, 11, reason="too many")
    assert "10" in str(exc.value.message) and exc.value.details["available"] == 10
    inventory.reserve_stock(variant.id, 10, reason="all")
    with pytest.raises(OutOfStock) as exc:
        inventory.reserve_stock(variant.id, 1, reason="one more")
    assert exc.value.details["available"] == 0
    db.session.commit()
    assert _counters(db, variant.id) == (10, 0, 10, 0)


def test_out_of_stock_message_in_vietnamese(app, db, variant):
    with app.test_request_context(headers={"Accept-Language": "vi"}):
        with pytest.raises(OutOfStock) as exc:
            inventory.reserve_stock(variant.id, 50, reason="x")
        assert "Bưởi Diễn" in str(exc.value.message)


@pytest.mark.parametrize("qty", [0, -1, 2.5, "3", True, None, 10**12])
def test_bad_quantities_are_refused(db, variant, qty):
    with pytest.raises(InvalidInput):
        inventory.reserve_stock(variant.id, qty, reason="x")
    with pytest.raises(InvalidInput):
        inventory.receive_stock(variant, qty, None, "x")
    assert _counters(db, variant.id) == (10, 10, 0, 0)


def test_adjust_never_takes_available_below_zero_and_needs_a_reason(db, seller, variant):
    owner, _ = seller
    inventory.reserve_stock(variant.id, 6, reason="order")
    with pytest.raises(InvalidInput) as exc:
        inventory.adjust_stock(variant, -5, owner, "broken")
    assert exc.value.code == "stock_below_zero"
    with pytest.raises(InvalidInput):
        inventory.adjust_stock(variant, -1, owner, "   ")
    with pytest.raises(InvalidInput):
        inventory.adjust_stock(variant, 0, owner, "nothing")
    inventory.adjust_stock(variant, -4, owner, "broken")
    db.session.commit()
    assert _counters(db, variant.id) == (6, 0, 6, 0)


def test_release_sell_and_return_need_the_units_to_be_there(db, variant):
    with pytest.raises(Conflict):
        inventory.release_stock(variant.id, 1, "nothing reserved")
    with pytest.raises(Conflict):
        inventory.sell_reserved(variant.id, 1, "nothing reserved")
    with pytest.raises(Conflict):
        inventory.return_sold(variant.id, 1, "nothing sold")
    with pytest.raises(NotFound):
        inventory.reserve_stock(999999, 1, reason="ghost")
    assert _counters(db, variant.id) == (10, 10, 0, 0)


def test_loaded_variant_sees_the_new_counters(db, variant):
    loaded = db.session.get(Variant, variant.id)
    assert loaded.available == 10
    inventory.reserve_stock(variant.id, 3, reason="order")
    assert (loaded.available, loaded.reserved) == (7, 3)


@pytest.mark.parametrize("stock,threads,each", [(10, 60, 1), (7, 50, 2)])
def test_many_buyers_at_once_never_oversell(app, db, seller, make_product, stock, threads, each):
    owner, org = seller
    vid = make_product(owner, org, stock=stock).variants[0].id
    barrier = threading.Barrier(threads)
    winners, losers, errors = [], [], []
    lock = threading.Lock()

    def buy(n):
        with app.app_context():
            try:
                barrier.wait()
                inventory.reserve_stock(vid, each, reason=f"buyer {n}")
                inventory.sell_reserved(vid, each, f"buyer {n} paid")
                db.session.commit()
                with lock:
                    winners.append(n)
            except OutOfStock as exc:
                db.session.rollback()
                with lock:
                    losers.append(str(exc.message))
            except Exception as exc:  # anything else (a lock error, a constraint) is a failure
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))

    workers = [threading.Thread(target=buy, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()

    assert errors == []
    assert len(winners) == stock // each
    assert len(losers) == threads - stock // each
    assert all(message for message in losers)
    received, available, reserved, sold = _counters(db, vid)
    assert sold == (stock // each) * each and sold + reserved <= received
    assert min(received, available, reserved, sold) >= 0
    assert received == available + reserved + sold
    sells = db.session.scalars(select(StockMovement).where(StockMovement.variant_id == vid,
                                                           StockMovement.kind == "sell")).all()
    assert sum(m.delta for m in sells) == sold
