"""What a live's own data says about how it was sold (read side): questions answered and how fast, orders confirmed,
cancelled and expired, comments per minute, peak viewers.

A question is a buyer's line the comment parser marked as one (kind "question"; lines the seller hid are left
out). It counts as answered when the shop wrote in the chat (a console reply or a member's line) after it and
within TRAINING_ANSWER_WINDOW_SECONDS; the answer time is the wait until that line. An answer said aloud on
the video is not in the data: the trainer hears it in the replay and scores it in the rubric.
Order lines are the live reservations taken from comments: confirmed once checked out into an order that is paid
or confirmed by the seller (as the live's report counts them), cancelled when the line or its order was
cancelled, expired when the hold ran out unpaid.
"""
from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...livestream.models import ChatMessage, LiveOrderLine, LiveReservation, LiveSession
from ...livestream.report import CONFIRMED
from ...shop.ordering.models import Order

DEFAULT_ANSWER_WINDOW = 300


@dataclass
class LiveFigures:
    questions: int
    answered: int
    median_answer_seconds: int | None
    answered_in_time: int | None  # within the rubric's target, when the course's rubric sets one
    target_seconds: int | None
    order_lines: int
    confirmed: int
    cancelled: int
    expired: int
    comments: int
    minutes: float
    peak_viewers: int

    @property
    def comments_per_minute(self) -> float | None:
        return round(self.comments / self.minutes, 1) if self.minutes else None

    @property
    def answered_percent(self) -> int | None:
        return round(100 * self.answered / self.questions) if self.questions else None

    @property
    def confirmed_percent(self) -> int | None:
        return round(100 * self.confirmed / self.order_lines) if self.order_lines else None


def answer_window() -> int:
    return int(current_app.config.get("TRAINING_ANSWER_WINDOW_SECONDS") or DEFAULT_ANSWER_WINDOW)


def _answer_delays(live_id: int, window: int) -> tuple[int, list[float]]:
    """How many questions were asked, and the wait in seconds for each one the shop answered in time."""
    questions = db.session.scalars(
        select(ChatMessage.created_at).where(ChatMessage.session_id == live_id, ChatMessage.kind == "question",
                                             ChatMessage.by_shop.is_(False), ChatMessage.hidden.is_(False))
        .order_by(ChatMessage.created_at, ChatMessage.id)).all()
    replies: list[datetime] = list(db.session.scalars(
        select(ChatMessage.created_at).where(ChatMessage.session_id == live_id, ChatMessage.by_shop.is_(True),
                                             ChatMessage.hidden.is_(False), ChatMessage.kind != "system")
        .order_by(ChatMessage.created_at, ChatMessage.id)))
    delays = []
    for asked in questions:
        index = bisect.bisect_right(replies, asked)
        if index < len(replies):
            wait = (replies[index] - asked).total_seconds()
            if wait <= window:
                delays.append(wait)
    return len(questions), delays


def live_figures(live: LiveSession, *, target_seconds: int | None = None) -> LiveFigures:
    """The figures of one live, from its chat, its reservations and the orders they became."""
    asked, delays = _answer_delays(live.id, answer_window())
    lines = db.session.execute(
        select(LiveReservation.status, Order.status, Order.paid_at)
        .outerjoin(LiveOrderLine, LiveOrderLine.reservation_id == LiveReservation.id)
        .outerjoin(Order, Order.id == LiveOrderLine.order_id)
        .where(LiveReservation.session_id == live.id)).all()
    confirmed = cancelled = expired = 0
    for status, order_status, paid_at in lines:
        if status == "expired":
            expired += 1
        elif status == "cancelled" or order_status in ("cancelled", "refunded"):
            cancelled += 1
        elif status == "checked_out" and (paid_at is not None or order_status in CONFIRMED):
            confirmed += 1
    comments = db.session.scalar(
        select(db.func.count(ChatMessage.id)).where(ChatMessage.session_id == live.id,
                                                    ChatMessage.by_shop.is_(False), ChatMessage.kind != "system"))
    minutes = 0.0
    if live.started_at is not None and live.ended_at is not None:
        minutes = max((live.ended_at - live.started_at).total_seconds() / 60, 0.0)
    return LiveFigures(
        questions=asked, answered=len(delays),
        median_answer_seconds=round(statistics.median(delays)) if delays else None,
        answered_in_time=sum(1 for d in delays if d <= target_seconds) if target_seconds else None,
        target_seconds=target_seconds, order_lines=len(lines), confirmed=confirmed, cancelled=cancelled,
        expired=expired, comments=int(comments or 0), minutes=round(minutes, 1),
        peak_viewers=int(live.peak_viewers or 0))
