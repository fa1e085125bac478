"""The batch's fast lane (livestream/batch_fast.py): the same acks, rows, signals and broadcasts as the per-comment
path for the same comments, and a number of statements that does not grow with the batch."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.core.dbtypes import utcnow
from app.livestream import batch_fast, broadcast
from app.livestream import services as live_services
from app.livestream import signals as live_signals
from app.livestream.models import ChatMessage, LiveCommentGate, LiveProduct, LiveReservation
from app.shop import inventory
from app.shop import services as shop_services
from app.shop.models import StockMovement, Variant
from tests.livestream.test_batch import counted, fresh, pending, write

REAL_SEND = live_signals.signals.send_after_commit

# (live code, name, stock, options, per-buyer limit, allotment when not the stock)
PRODUCTS = (("A12", "Bưởi Diễn", 5, None, 2, None), ("B3", "Cam Vinh", 100, None, None, None),
            ("C7", "Áo bà ba", 4, ("đỏ", "xanh"), None, None), ("D1", "Mật ong", 3, None, None, None),
            ("E9", "Chè Thái", 2, None, None, 3), ("F2", "Nước mắm", 1, None, 1, 5))


def _live(db, seller, prefix):
    """A live on air with PRODUCTS under their live codes (the shop's product codes differ per live)."""
    owner, org = seller
    live = live_services.schedule_live(owner, org, title="Phiên so sánh", scheduled_at=utcnow() + timedelta(hours=1))
    for code, name, stock, options, limit, allotment in PRODUCTS:
        product = shop_services.create_product(owner, org, shop_services.ProductData(
            name=name, category="fruit", unit="fruit", price=50000, code=f"{prefix}{code}", status="active"),
            stock=0 if options else stock)
        if options:
            shop_services.set_variants(owner, product, [shop_services.VariantRow(id=None, label=o) for o in options])
            db.session.flush()
            for v in product.variants:
                if v.label:
                    inventory.receive_stock(v, stock, owner, "harvest")
        db.session.flush()
        db.session.refresh(product)
        live_services.add_live_product(owner, live, product, live_code=code, per_buyer_limit=limit,
                                       allotment=allotment)
    live_services.start_live(owner, live)
    db.session.commit()
    return live


# Two batches: plain orders (limits, the last units, two lines in one comment), chat and questions, and comments the
# fast lane leaves to take_comment in between (an option, a cancel, a link, a re-sent client_id, a second comment
# of one buyer within the interval, an unknown code, an empty line); then, with no interval, a buyer twice in a run
# and a client_id twice.
FIRST = [(0, "chốt A12 x2", "a"), (1, "chốt A12 x3", "b"), (2, "chốt B3, D1 x2", "c"), (3, "chốt C7 đỏ", "d"),
         (4, "chào shop nha", "e"), (5, "còn hàng không?", "f"), (0, "chốt B3", "g"), (6, "chốt D1 x2", "h"),
         (7, "chốt D1", "i"), (1, "chốt A12 x3", "b"), (8, "xem http://lua.example nhé", "j"), (9, "chốt Z9", "k"),
         (10, "   ", "l"), (11, "chốt A12 B3", "m"), (12, "chốt A12 x2", "n"), (13, "chốt A12", "o")]
SECOND = [(0, "chốt A12", "p"), (2, "hủy D1", "q"), (6, "chốt D1", "r"), (11, "chốt A12", "s"), (7, "chốt D1", "t"),
          (14, "chốt B3 x5", "u"), (3, "chốt C7 xanh 2", "v"), (15, "ok", "w"), (14, "chốt B3", "x"),
          (15, "ok", "w"), (15, "chốt A12 x2", "y"), (16, "chốt E9 x3", "z1"), (17, "chốt F2 x2", "z2"),
          (18, "chốt F2, E9 x2", "z3"), (19, "chốt E9", "z4")]


def _scrub(value, ids):
    """Ids and times out: what must be the same on both paths."""
    if isinstance(value, dict):
        return {k: _scrub(v, ids) for k, v in value.items()
                if k not in ("message_id", "id", "session_id", "live_id", "reservation_id", "hold_until",
                             "hold_until_text", "created_at", "live_product_id", "variant_id", "user_id")}
    if isinstance(value, list):
        return [_scrub(v, ids) for v in value]
    if isinstance(value, str):
        return re.sub(r"live \d+ message \d+", "live L message M", value)
    return value


def _rows(db, live):
    fresh(db)
    users = {}

    def who(uid):
        return users.setdefault(uid, len(users))

    messages = [(who(m.user_id), m.text, m.public_text, m.kind, m.hidden, m.hidden_reason, m.by_shop, m.client_id,
                 _scrub(json.loads(m.ack_json), None) if m.ack_json else None)
                for m in db.session.scalars(select(ChatMessage).where(ChatMessage.session_id == live.id)
                                            .order_by(ChatMessage.id))]
    lines = [(who(r.user_id), r.live_product.live_code, r.variant.label, r.quantity, r.unit_price, r.status,
              r.message.client_id, r.flash_sale_id, r.hold_until - r.message.created_at)
             for r in db.session.scalars(select(LiveReservation).where(LiveReservation.session_id == live.id)
                                         .order_by(LiveReservation.id))]
    lps = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)
                             .order_by(LiveProduct.id)).all()
    counters = [(lp.live_code, lp.allotment, lp.allotment_used,
                 sorted((v.label, v.received, v.available, v.reserved, v.sold) for v in lp.product.variants))
                for lp in lps]
    variants = [v.id for lp in lps for v in lp.product.variants]
    ledger = [(m.kind, m.delta, _scrub(m.reason, None), m.actor_id is not None)
              for m in db.session.scalars(select(StockMovement).where(StockMovement.variant_id.in_(variants),
                                                                      StockMovement.kind != "received")
                                          .order_by(StockMovement.id))]
    gates = sorted(who(g.user_id) for g in db.session.scalars(
        select(LiveCommentGate).where(LiveCommentGate.session_id == live.id)))
    return {"messages": messages, "lines": lines, "counters": counters, "ledger": ledger, "gates": gates}


def _run(app, db, monkeypatch, live, buyers, fast):
    monkeypatch.setitem(app.config, "LIVE_BATCH_FAST", fast)
    seen: list = []
    monkeypatch.setattr(broadcast, "sellers_listening", lambda _live_id: True)  # the console's payloads too
    monkeypatch.setattr(broadcast, "broadcast_comment",
                        lambda *a, **k: seen.append(("comment", _scrub(list(a[1:]), None), _scrub(k, None))))
    monkeypatch.setattr(live_signals.signals, "send_after_commit",
                        lambda signal, **k: seen.append(("signal", signal.name, _scrub(k, None)))
                        or REAL_SEND(signal, **k))
    acks = []
    for comments, interval in ((FIRST, 1.0), (SECOND, 0)):
        monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", interval)
        acks += write(app, [pending(live, buyers[b], text, cid, "en" if b == 4 else "vi")
                            for b, text, cid in comments])
    return _scrub(acks, None), seen, _rows(db, live)


def test_the_fast_lane_answers_writes_and_announces_as_the_per_comment_path(app, db, seller, factory, monkeypatch):
    buyers = [factory.user(f"Khách {n}") for n in range(20)]
    lives = [_live(db, seller, prefix) for prefix in ("S", "F")]
    taken = []
    real_run = batch_fast.run
    monkeypatch.setattr(batch_fast, "run", lambda *a: taken.append(real_run(*a)) or taken[-1])
    slow = _run(app, db, monkeypatch, lives[0], buyers, False)
    assert taken == []
    fast = _run(app, db, monkeypatch, lives[1], buyers, True)
    assert sum(n for n in taken if n > 0) >= 12, taken  # most comments went the fast way, some did not
    assert 0 in taken
    for n, (a, b) in enumerate(zip(slow[0], fast[0], strict=True)):
        assert a == b, (n, a, b)
    assert slow[2] == fast[2]
    assert slow[1] == fast[1]
    # What the scenario exercised: a limit, the last units, a refused line next to a taken one, replays.
    codes = [e.get("code") for a in fast[0] for e in a.get("errors", [])]
    assert {"limit_exceeded", "out_of_stock", "rate_limited"} <= set(codes) | {
        a.get("error", {}).get("code") for a in fast[0]}
    assert fast[0][9] == fast[0][1]  # the re-sent client_id: the stored ack


def _plain_batch(app, db, live, buyers, tag):
    items = [pending(live, b, f"chốt {('A12', 'B3', 'C7')[k % 3]} x2", f"{tag}-{b.id}") for k, b in enumerate(buyers)]
    with counted(db) as (seen, commits):
        acks = write(app, items)
    assert all(a["ok"] for a in acks) and len(commits) == 1
    # Up to the batch's last write: the after-commit work reads now and then (the flash sales ended, throttled).
    last = max(n for n, s in enumerate(seen) if s.startswith("RELEASE SAVEPOINT"))
    return seen[:last + 1]


@pytest.mark.parametrize("interval", [0, 1.0])
def test_a_batch_of_plain_orders_runs_as_many_statements_for_ten_as_for_fifty(app, db, make_live, factory,
                                                                              monkeypatch, interval):
    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", interval)
    live = make_live([(code, f"Hàng {code}", 1000, None) for code in ("A12", "B3", "C7")], per_buyer_limit=10)
    ten = _plain_batch(app, db, live, [factory.user(f"Mười {k}") for k in range(10)], "ten")
    fifty = _plain_batch(app, db, live, [factory.user(f"Năm mươi {k}") for k in range(50)], "fifty")
    assert len(ten) == len(fifty), "\n".join(ten) + "\n---\n" + "\n".join(fifty)
    assert len(fifty) <= 24, "\n".join(fifty)
    assert sum(1 for s in fifty if s.startswith("INSERT INTO live_chat_messages")) == 1
    fresh(db)
    assert db.session.scalar(select(func.sum(Variant.reserved))) == 120


def test_a_failing_run_is_rolled_back_and_its_comments_go_one_by_one(app, db, make_live, factory, monkeypatch,
                                                                     no_rate_limit):
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    buyers = [factory.user(f"Khách {n}") for n in range(3)]
    real = batch_fast._write

    def write_then_break(run, *args):
        real(run, *args)
        raise RuntimeError("injected after the run's rows")

    monkeypatch.setattr(batch_fast, "_write", write_then_break)
    acks = write(app, [pending(live, b, "chốt A12 x2", f"c{b.id}") for b in buyers])
    assert [a["reserved"][0]["remaining"] for a in acks] == [8, 6, 4]
    fresh(db)
    assert db.session.scalar(select(Variant.reserved)) == 6
    assert len(db.session.scalars(select(ChatMessage)).all()) == 3
    assert len(db.session.scalars(select(StockMovement).where(StockMovement.kind == "reserve")).all()) == 3


def test_a_muted_or_banned_buyer_is_refused_as_before(app, db, make_live, factory, seller, monkeypatch,
                                                      no_rate_limit):
    from app.livestream import moderation

    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    muted, banned, fine = factory.user("M"), factory.user("B"), factory.user("F")
    moderation.mute_user(seller[0], live, muted.id, 5)
    moderation.ban_user(seller[0], live, banned.id)
    db.session.commit()
    acks = write(app, [pending(live, u, "chốt A12", f"c{n}") for n, u in enumerate((fine, muted, banned, fine))])
    assert acks[0]["ok"] is True and acks[3]["ok"] is True
    assert acks[1]["error"]["code"] == "muted" and acks[2]["error"]["code"] == "banned"
    fresh(db)
    assert db.session.scalar(select(Variant.reserved)) == 2
    db.session.execute(update(LiveProduct).values(allotment=2))
    db.session.commit()
    assert write(app, [pending(live, fine, "chốt A12", "late")])[0]["error"]["code"] == "out_of_stock"


def test_a_gate_moved_by_another_process_sends_the_run_one_by_one(app, db, make_live, factory, monkeypatch):
    """Another process's comment of the same buyer moved the gate after the run read it: the upsert leaves that row
    alone, the run is rolled back, and take_comment refuses the comment as it always did."""
    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 5.0)
    live = make_live([("A12", "Bưởi Diễn", 10, None)])
    quick, other = factory.user("Nhanh"), factory.user("Khác")
    db.session.add(LiveCommentGate(session_id=live.id, user_id=quick.id, last_comment_at=utcnow()))
    db.session.commit()
    real_init = batch_fast._State.__init__

    def blind(self, cands):
        real_init(self, cands)
        self.gates.clear()  # as if read before the other process's commit

    monkeypatch.setattr(batch_fast._State, "__init__", blind)
    acks = write(app, [pending(live, other, "chốt A12", "o"), pending(live, quick, "chốt A12", "q")])
    assert acks[0]["ok"] is True
    assert acks[1]["error"]["code"] == "rate_limited"
    fresh(db)
    assert db.session.scalar(select(Variant.reserved)) == 1
    assert [m.client_id for m in db.session.scalars(select(ChatMessage))] == ["o"]


def test_comments_too_soon_are_refused_inside_the_run_and_write_nothing(app, db, make_live, factory, monkeypatch):
    """A flash sale's impatient buyers: every second "chốt" within the interval is answered rate_limited by the run
    itself (the same refusal take_comment gives), without a SAVEPOINT or a statement of its own."""
    monkeypatch.setitem(app.config, "LIVE_COMMENT_MIN_INTERVAL", 30.0)
    live = make_live([("A12", "Bưởi Diễn", 1000, None)], per_buyer_limit=100)
    buyers = [factory.user(f"Vội {k}") for k in range(10)]
    once = [pending(live, b, "chốt A12", f"one-{b.id}") for b in buyers]
    again = [pending(live, b, "chốt A12 x2", f"two-{b.id}") for b in buyers]
    taken = []
    real_run = batch_fast.run
    monkeypatch.setattr(batch_fast, "run", lambda *a: taken.append(real_run(*a)) or taken[-1])
    with counted(db) as (seen, commits):
        acks = write(app, [x for pair in zip(once, again, strict=True) for x in pair])
    assert taken == [20]  # one run took them all, in arrival order
    assert [a["ok"] for a in acks] == [True, False] * 10
    for ack in acks[1::2]:
        assert ack["error"]["code"] == "rate_limited" and ack["error"]["details"]["retry_after"] == 30
        assert "30" in ack["error"]["message"]
    assert sum(1 for s in seen if s.startswith("SAVEPOINT")) == 1
    assert sum(1 for s in seen if s.startswith("INSERT INTO live_chat_messages")) == 1
    fresh(db)
    assert [m.client_id for m in db.session.scalars(select(ChatMessage).order_by(ChatMessage.id))] == \
        [f"one-{b.id}" for b in buyers]
    assert db.session.scalar(select(Variant.reserved)) == 10
    # The next batch still refuses them: the gate rows and the stored comments say so.
    later = write(app, [pending(live, b, "chốt A12", f"three-{b.id}") for b in buyers[:3]])
    assert [a["error"]["code"] for a in later] == ["rate_limited"] * 3
