"""The score card of a practice live: what the chat ended up holding against what the simulated buyers meant, the
questions answered and how fast, and which tips to show."""
from __future__ import annotations

from statistics import median
from typing import Any

from sqlalchemy import select

from ...accounts.models import User
from ...extensions import db
from ...livestream.models import ChatMessage, LiveProduct, LiveReservation
from ...shop.models import Variant
from .generator import expected_lines
from .models import PracticeComment, PracticeRun

KEPT_STATUSES = ("held", "confirmed", "checked_out")  # lines a buyer still has at the end


def score(run: PracticeRun) -> dict[str, Any]:
    """Compare what the chat ended up holding with what the simulated buyers meant.

    Orders: each (buyer, code, option) the script expects, against the lines still held (or confirmed) at the
    end. Wrong lines: lines kept that nobody should hold (a buyer who backed out, a cancel left standing) or
    more than was asked. Questions: the trainee's first chat reply after each one; unanswered ones are missed.

    It agrees with the claims log: a comment that got an order line there (a buyer who lost a race, served once
    stock came back) counts as that order, never as a question waiting for an answer."""
    delivered = [c for c in run.comments if c.delivered_at is not None and c.message_id is not None]
    every = db.session.execute(
        select(LiveReservation.message_id, LiveReservation.user_id, LiveProduct.live_code, LiveReservation.variant_id,
               LiveReservation.quantity, LiveReservation.status)
        .join(LiveProduct, LiveProduct.id == LiveReservation.live_product_id)
        .where(LiveReservation.session_id == run.session_id)).all()
    ordered = {row.message_id for row in every if row.message_id is not None}

    def meant(c: PracticeComment) -> str:
        return "order" if c.intent == "race_loser" and c.message_id in ordered else c.intent

    expected = expected_lines([(c.buyer_user_id, meant(c), c.expected) for c in delivered])
    labels = dict(db.session.execute(select(Variant.id, Variant.label).where(
        Variant.id.in_({r.variant_id for r in every} or {0}))).all())
    kept: dict[tuple[int, str, str | None], int] = {}
    cancelled: set[tuple[int, str, str | None]] = set()
    for row in every:
        key = (row.user_id, row.live_code, labels.get(row.variant_id))
        if row.status in KEPT_STATUSES:
            kept[key] = kept.get(key, 0) + row.quantity
        elif row.status == "cancelled":
            cancelled.add(key)

    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({k[0] for k in expected} | {k[0] for k in kept} or {0}))).all())
    correct = [k for k, q in expected.items() if kept.get(k) == q]
    missed = [k for k, q in expected.items() if kept.get(k, 0) < q]
    wrong = [k for k, q in kept.items() if q > expected.get(k, 0)]

    def line(key, qty):
        return {"buyer": names.get(key[0], "?"), "code": key[1], "variant": key[2], "quantity": qty}

    # Questions (and the buyer who lost the race, who deserves a "sorry, sold out") need a reply in the chat.
    replies = list(db.session.scalars(
        select(ChatMessage.created_at).where(ChatMessage.session_id == run.session_id,
                                             ChatMessage.user_id == run.user_id).order_by(ChatMessage.id)))
    waits: list[float] = []
    unanswered = []
    asking = [c for c in delivered if meant(c) in ("question", "race_loser") and c.message_id not in ordered]
    for c in asking:
        asked = c.message.created_at
        answer = next((t for t in replies if t >= asked), None)
        if answer is None:
            unanswered.append({"buyer": names.get(c.buyer_user_id) or c.buyer.name, "text": c.text})
        else:
            waits.append((answer - asked).total_seconds())
    undelivered = sum(1 for c in run.comments if c.delivered_at is None)
    questions = len(asking)
    # Buyers who backed out in words the parser cannot read ("thôi em không lấy nữa"): only their lines call
    # for the trainee to cancel by hand.
    retracted = {c.buyer_user_id for c in delivered if c.intent == "soft_cancel"}
    result = {
        "comments": len(delivered), "undelivered": undelivered,
        "orders_expected": len(expected), "orders_correct": len(correct),
        "missed_orders": [line(k, expected[k]) for k in missed],
        "wrong_lines": [line(k, kept[k]) for k in wrong],
        "questions": questions, "answered": len(waits), "unanswered": unanswered,
        "median_answer_seconds": round(median(waits), 1) if waits else None,
        "missed_comments": len(missed) + len(unanswered),
        "retracted_lines_kept": sum(1 for k in wrong if k[0] in retracted),
        "missed_after_a_cancel": sum(1 for k in missed if k in cancelled),
    }
    result["tips"] = tip_keys(result)
    return result


def tip_keys(result: dict[str, Any]) -> list[str]:
    """Which tips the score card shows; the texts are drawn at display time, in the reader's language."""
    tips = []
    if result.get("retracted_lines_kept"):
        tips.append("wrong_lines")  # a buyer took it back in the chat: cancel by hand
    elif result["wrong_lines"]:
        tips.append("extra_lines")
    if result.get("missed_after_a_cancel"):
        tips.append("missed_orders")  # a line the buyer never took back was cancelled
    elif result["missed_orders"]:
        tips.append("missed_lines")
    if result["unanswered"]:
        tips.append("unanswered")
    if result["median_answer_seconds"] is not None and result["median_answer_seconds"] > 30:
        tips.append("slow_answers")
    if result["undelivered"]:
        tips.append("ended_early")
    if not tips:
        tips.append("well_done")
    return tips
