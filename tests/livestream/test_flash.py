"""Flash sales: seller events, the flash price within the per-buyer cap, the end by time, the viewer banner."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.dbtypes import utcnow
from app.livestream import flash, services
from app.livestream.models import FlashSale, LiveReservation
from tests.livestream.live_sockets import NS, comment, connect, events, names, seller_event  # noqa: F401


@pytest.fixture
def room(make_live, seller, buyer, connect, no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 20, None), ("B3", "Cam Canh", 20, None)])
    console = connect(live.id, seller[0])
    buyer_socket = connect(live.id, buyer)
    watcher = connect(live.id)
    for c in (console, buyer_socket, watcher):
        c.get_received(NS)
    return live, console, buyer_socket, watcher


def start(console, **fields):
    payload = {"code": "A12", "price": 30000, "seconds": 60, "per_buyer_cap": 2, **fields}
    return seller_event(console, "start_flash_sale", payload)


def test_flash_sale_reaches_viewers_and_orders_take_the_flash_price_within_the_cap(room, db):
    live, console, buyer_socket, watcher = room
    assert start(console) == {"ok": True}
    [sale] = events(watcher, "flash_sale")
    assert sale["code"] == "A12" and sale["price"] == 30000 and sale["regular_price"] == 60000
    assert sale["per_buyer_cap"] == 2 and 55 <= sale["seconds_left"] <= 60 and sale["ends_at"]

    ack = comment(buyer_socket, "chốt A12 x2", "f1")
    assert ack["reserved"][0]["price"] == 30000 and ack["reserved"][0]["flash"] is True
    over = comment(buyer_socket, "chốt A12", "f2")
    assert over["ok"] is False and over["error"]["code"] == "limit_exceeded"
    assert "2" in over["error"]["message"]
    # Other products keep their price; the cap is per buyer, per flash sale.
    assert comment(buyer_socket, "chốt B3", "f3")["reserved"][0]["price"] == 60000
    rows = db.session.execute(select(LiveReservation.quantity, LiveReservation.unit_price,
                                     LiveReservation.flash_sale_id)).all()
    assert sorted((q, p) for q, p, _ in rows) == [(1, 60000), (2, 30000)]


def test_cancelling_gives_the_flash_share_back(room, db):
    live, console, buyer_socket, watcher = room
    start(console, per_buyer_cap=1)
    comment(buyer_socket, "chốt A12", "c1")
    assert comment(buyer_socket, "hủy A12", "c2")["cancelled"]
    assert comment(buyer_socket, "chốt A12", "c3")["reserved"][0]["price"] == 30000


def test_too_many_in_one_comment_is_refused_whole(room, db):
    live, console, buyer_socket, watcher = room
    start(console, per_buyer_cap=2)
    ack = comment(buyer_socket, "chốt A12 x3", "x3")
    assert ack["ok"] is False and ack["error"]["code"] == "limit_exceeded"
    assert db.session.scalar(select(func.count(LiveReservation.id))) == 0


def test_the_flash_price_ends_by_its_end_time_without_any_timer(db, make_live, seller, buyer):
    live = make_live([("A12", "Bưởi Diễn", 20, None)])
    t0 = utcnow()
    flash.start_flash_sale(seller[0], live, "a12", price=1000, seconds=10, per_buyer_cap=5, now=t0)
    db.session.commit()
    inside = services.post_comment(live.id, buyer, "A12", "in", min_interval=0, now=t0 + timedelta(seconds=9))
    after = services.post_comment(live.id, buyer, "A12", "out", min_interval=0, now=t0 + timedelta(seconds=10))
    assert inside["reserved"][0]["price"] == 1000 and after["reserved"][0]["price"] == 60000
    assert flash.running(live.id, t0 + timedelta(seconds=10)) == []


def test_flash_sale_ended_is_announced_once(room, db, app):
    live, console, buyer_socket, watcher = room
    start(console)
    sale = db.session.scalar(select(FlashSale))
    sale.starts_at, sale.ends_at = utcnow() - timedelta(seconds=70), utcnow() - timedelta(seconds=10)
    db.session.commit()
    assert seller_event(console, "console_tick")["ok"] is True
    assert events(watcher, "flash_sale_ended") == [{"id": sale.id, "code": "A12"}]
    seller_event(console, "console_tick")
    comment(buyer_socket, "xin chào", "hi")  # any later activity looks again: nothing more to announce
    assert events(watcher, "flash_sale_ended") == []
    db.session.refresh(sale)
    assert sale.end_announced is True


def test_stop_early_and_start_again(room, db):
    live, console, buyer_socket, watcher = room
    start(console)
    assert start(console)["error"]["code"] == "flash_active"
    assert seller_event(console, "stop_flash_sale", {"code": "A12"}) == {"ok": True}
    assert [e["code"] for e in events(watcher, "flash_sale_ended")] == ["A12"]
    assert comment(buyer_socket, "chốt A12", "p")["reserved"][0]["price"] == 60000
    assert seller_event(console, "stop_flash_sale", {"code": "A12"})["error"]["code"] == "no_flash_sale"
    assert start(console, price=25000) == {"ok": True}


def test_a_viewer_joining_during_a_flash_sale_gets_it_at_once(room, connect):
    live, console, *_ = room
    start(console)
    late = connect(live.id)
    assert [s["code"] for s in events(late, "flash_sale")] == ["A12"]


@pytest.mark.parametrize("fields,code", [
    ({"seconds": 9}, "invalid_duration"), ({"seconds": 301}, "invalid_duration"), ({"seconds": "60"}, "invalid_duration"),
    ({"price": 0}, "invalid_price"), ({"price": -5}, "invalid_price"), ({"price": 1.5}, "invalid_price"),
    ({"price": 10**12}, "invalid_price"), ({"per_buyer_cap": 0}, "invalid_cap"), ({"per_buyer_cap": None}, "invalid_cap"),
    ({"code": "Z9"}, "unknown_code"), ({"code": None}, "unknown_code"),
])
def test_flash_sale_input_is_validated(room, db, fields, code):
    live, console, buyer_socket, watcher = room
    ack = start(console, **fields)
    assert ack["ok"] is False and ack["error"]["code"] == code and ack["error"]["message"]
    assert db.session.scalar(select(func.count(FlashSale.id))) == 0
    assert names(watcher) == []


def test_buyers_cannot_start_or_stop_flash_sales(room, db):
    live, console, buyer_socket, watcher = room
    assert start(buyer_socket)["error"]["code"] == "not_a_member"
    assert start(watcher)["error"]["code"] == "not_signed_in"
    start(console)
    assert seller_event(buyer_socket, "stop_flash_sale", {"code": "A12"})["error"]["code"] == "not_a_member"
    assert seller_event(buyer_socket, "console_tick")["error"]["code"] == "not_a_member"
    assert db.session.scalar(select(FlashSale.end_announced)) is False


def test_no_flash_sale_unless_on_air(db, make_live, seller):
    live = make_live(state="scheduled")
    from app.errors import Conflict

    with pytest.raises(Conflict):
        flash.start_flash_sale(seller[0], live, "A12", price=1000, seconds=30, per_buyer_cap=1)


def test_live_page_carries_the_flash_banner(client, make_live):
    live = make_live()
    page = client.get(f"/live/{live.id}").get_data(as_text=True)
    assert 'id="live-flash"' in page and "js/live-flash.js" in page
    assert page.index("js/live-flash.js") < page.index("js/live.js")


def test_one_buyer_racing_from_many_connections_never_beats_the_flash_cap(app, db, make_live, seller, factory):
    """Ten comments from the same buyer at once: exactly the cap is held at the flash price (the cap is read
    after the live product's row lock, as the per-buyer limit is)."""
    import threading

    from app.accounts.models import User

    live = make_live([("A12", "Bưởi Diễn", 50, None)])
    flash.start_flash_sale(seller[0], live, "A12", price=1000, seconds=300, per_buyer_cap=3)
    buyer_id = factory.user("Đỗ Thị Nhanh").id
    db.session.commit()
    barrier, lock, acks, errors = threading.Barrier(10), threading.Lock(), [], []

    def order(n):
        with app.app_context():
            try:
                barrier.wait(timeout=60)
                ack = services.post_comment(live.id, db.session.get(User, buyer_id), "chốt A12", f"r{n}",
                                            min_interval=0)
                db.session.commit()
                with lock:
                    acks.append(ack)
            except Exception as exc:  # any exception is a failure of the design
                db.session.rollback()
                with lock:
                    errors.append(repr(exc))

    workers = [threading.Thread(target=order, args=(n,)) for n in range(10)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []
    assert sum(1 for a in acks if a["ok"]) == 3
    assert {a["error"]["code"] for a in acks if not a["ok"]} == {"limit_exceeded"}
    db.session.expire_all()
    held = db.session.execute(select(func.sum(LiveReservation.quantity), func.min(LiveReservation.unit_price))
                              .where(LiveReservation.status == "held")).one()
    assert tuple(held) == (3, 1000)


def test_the_job_announces_ended_flash_sales(room, app, db):
    from app.core.jobs import run_job

    live, console, buyer_socket, watcher = room
    start(console)
    sale = db.session.scalar(select(FlashSale))
    sale.starts_at, sale.ends_at = utcnow() - timedelta(seconds=40), utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert run_job(app, "livestream.flash-sales-ended").result == 1
    assert events(watcher, "flash_sale_ended") == [{"id": sale.id, "code": "A12"}]
    assert run_job(app, "livestream.flash-sales-ended").result == 0


def test_stopping_early_is_announced_by_the_service_once(make_live, seller, buyer, db):
    """stop_flash_sale marks the end announced and tells the buyers holding lines at its price, in the seller's unit of
    work: no job or comment announces it a second time."""
    from app.accounts.models import Notification

    live = make_live()
    owner = seller[0]
    flash.start_flash_sale(owner, live, "A12", price=30000, seconds=60, per_buyer_cap=2)
    db.session.commit()
    services.post_comment(live.id, buyer, "chốt A12", "f1", min_interval=0)
    sale = flash.stop_flash_sale(owner, live, "A12")
    assert sale.end_announced is True
    assert flash.end_due(live.id, utcnow() + timedelta(seconds=1)) == []
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == buyer.id,
                                                                       Notification.kind == "flash_sale_ended")) == 1
