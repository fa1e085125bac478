"""CPU per order comment, in process: one unit of work per comment (on_comment without group commit) against
batch.write_batch in batches, with its fast lane (batch_fast.py) off and on.

`python -m bench.batch_cpu [--rounds 3]`: SQLite, or PostgreSQL when DATABASE_URL is set. The three paths take the
same kind of comments on the same seeded live, alternated round by round in one process."""
from __future__ import annotations

import argparse
import os
import time
from typing import Any

from sqlalchemy import func, select

from . import common

ORDERS = 400


def _per_comment(app: Any, items: list[Any]) -> None:
    """What events.on_comment does with LIVE_GROUP_COMMIT off: take_comment, the broadcasts queued, one commit."""
    from app.core.uow import after_commit
    from app.extensions import db
    from app.livestream import broadcast, moderation, services

    config = app.config
    users: dict[int, Any] = {}
    for item in items:
        try:
            user = users.get(item.user_id) or db.session.get(services.comments.User, item.user_id)
            users[item.user_id] = user
            outcome = services.take_comment(
                item.session_id, user, item.text, item.client_id,
                hold_hours=config.get("LIVE_HOLD_HOURS", services.DEFAULT_HOLD_HOURS),
                min_interval=config.get("LIVE_COMMENT_MIN_INTERVAL", 1.0),
                hidden_words=moderation.hidden_word_list(config.get("LIVE_HIDDEN_WORDS")), by_shop=False)
            if outcome.message is not None:  # the handler's after-commit work, as events.on_comment queues it
                broadcast.comment_taken(item.session_id, outcome.message, outcome.reservations, outcome.ack,
                                        outcome.stock, None)
                after_commit(broadcast.announce_ended_flash_sales_now_and_then, item.session_id)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise


def _batched(items: list[Any], size: int) -> None:
    from app.livestream import batch

    for start in range(0, len(items), size):
        batch.write_batch(items[start:start + size])


def _comments(seed: dict, round_no: int, mode: str, buyer_ids: list[int]) -> list[Any]:
    """ORDERS order comments: buyers in turn (each batch of len(buyers) has every buyer once), codes spread."""
    from app.livestream import batch

    codes = seed["codes"]
    return [batch.PendingComment(session_id=seed["live_id"], user_id=buyer_ids[n % len(buyer_ids)],
                                 text=f"chốt {codes[(n * 7 + round_no) % len(codes)]}", by_shop=False,
                                 client_id=f"{mode}-{round_no}-{n}", sender_sid=None, locale="vi")
            for n in range(ORDERS)]


def measure(url: str, workdir: Any, rounds: int, batch_size: int, codes: int, buyers: int,
            interval: float) -> dict[str, Any]:
    env = common.app_env(url, workdir)
    env.pop("SOCKETIO_ASYNC_MODE", None)  # in process, no server: the threading mode
    os.environ.update(env)
    from app import create_app
    from app.accounts.models import User
    from app.extensions import db
    from app.livestream.models import ChatMessage, LiveReservation

    from .seed import seed as seed_live

    app = create_app()
    app.config.update(LIVE_COMMENT_MIN_INTERVAL=interval, JOBS_ENABLED=False)
    modes = ("per_comment", "batch_slow", "batch")
    cpu: dict[str, float] = dict.fromkeys(modes, 0.0)
    count: dict[str, int] = dict.fromkeys(modes, 0)
    oks: dict[str, int] = dict.fromkeys(modes, 0)
    with app.app_context():
        seed = seed_live(buyers, codes, 100000, 100000)
        buyer_ids = list(db.session.scalars(select(User.id).where(User.phone.like("0912%")).order_by(User.id)))
        db.session.commit()
        for round_no in range(rounds):
            for mode in modes:
                items = _comments(seed, round_no, mode, buyer_ids)
                app.config["LIVE_BATCH_FAST"] = mode == "batch"  # batch_slow: every comment through take_comment
                start = time.process_time()
                if mode != "per_comment":
                    _batched(items, batch_size)
                else:
                    _per_comment(app, items)
                cpu[mode] += time.process_time() - start
                count[mode] += len(items)
                if mode != "per_comment":
                    oks[mode] += sum(1 for item in items if item.ack and item.ack.get("reserved"))
                db.session.remove()
        reserved = db.session.scalar(select(func.count(LiveReservation.id)))
        messages = db.session.scalar(select(func.count(ChatMessage.id)))
    oks["per_comment"] = reserved - oks["batch"] - oks["batch_slow"]
    return {"cpu_ms": {k: 1000 * cpu[k] / count[k] for k in cpu}, "orders": count, "reserved": oks,
            "messages": messages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--codes", type=int, default=40)
    parser.add_argument("--buyers", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.001,
                        help="LIVE_COMMENT_MIN_INTERVAL: above 0 so the rate gate is written, as in production")
    args = parser.parse_args()
    given = os.environ.get("DATABASE_URL")
    kind = "postgresql" if given and given.startswith("postgresql") else "sqlite"
    workdir = common.workdir()
    try:
        with common.database(kind, workdir) as url:
            result = measure(url, workdir, args.rounds, args.batch, args.codes, args.buyers, args.interval)
    finally:
        common.drop_templates()
    per, slow, bat = (result["cpu_ms"][k] for k in ("per_comment", "batch_slow", "batch"))
    print(f"bench.batch_cpu on {kind}: {args.codes} codes, {args.buyers} buyers, {args.rounds} rounds of "
          f"{ORDERS} orders per path, batches of {args.batch}")
    print(f"{'path':<20}{'orders':>8}{'reserved':>10}{'CPU ms/order':>14}")
    for key, label in (("per_comment", "per comment"), ("batch_slow", "batch, no fast lane"),
                       ("batch", "batch, fast lane")):
        print(f"{label:<20}{result['orders'][key]:>8}{result['reserved'][key]:>10}{result['cpu_ms'][key]:>14.2f}")
    print(f"ratio batch (fast lane) / per comment: {bat / per:.2f}; batch without the fast lane / per comment: "
          f"{slow / per:.2f}")


if __name__ == "__main__":
    main()
