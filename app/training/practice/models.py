"""Practice sandboxes, simulated buyers, practice runs and the scripted comments they deliver."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import Organisation, User
from ...core.dbtypes import TZDateTime, sql_in, utcnow
from ...extensions import Model
from ...livestream.models import ChatMessage, LiveSession

PACES = ("calm", "busy", "flash")
RUN_STATUSES = ("running", "finished")
INTENTS = ("order", "cancel", "soft_cancel", "question", "race_loser", "chat")


class PracticeSandbox(Model):
    """A trainee's hidden practice organisation: its draft product copies hold the sandbox stock."""

    __tablename__ = "practice_sandboxes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class PracticeBuyer(Model):
    """A simulated buyer: a user who can never sign in, shared by every practice live."""

    __tablename__ = "practice_buyers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    persona: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)

    user: Mapped[User] = relationship()


class PracticeRun(Model):
    """One practice live of a trainee: its pace and seed (the script), progress, and the score card at the end."""

    __tablename__ = "practice_runs"
    __table_args__ = (
        CheckConstraint(sql_in("pace", PACES), name="pace"),
        CheckConstraint(sql_in("status", RUN_STATUSES), name="status"),
        CheckConstraint("orders_correct >= 0 AND orders_expected >= 0", name="counts_not_negative"),
        Index("ix_practice_runs_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sandbox_id: Mapped[int] = mapped_column(ForeignKey("practice_sandboxes.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), unique=True)
    pace: Mapped[str] = mapped_column(String(10))
    seed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="running")
    orders_expected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    orders_correct: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    user: Mapped[User] = relationship()
    sandbox: Mapped[PracticeSandbox] = relationship()
    session: Mapped[LiveSession] = relationship()
    comments: Mapped[list[PracticeComment]] = relationship(back_populates="run", order_by="PracticeComment.seq",
                                                           cascade="all, delete-orphan")


class PracticeComment(Model):
    """One scripted comment of a run: who says what and when, what it expects, and the chat line it became."""

    __tablename__ = "practice_comments"
    __table_args__ = (
        UniqueConstraint("run_id", "seq"),
        CheckConstraint(sql_in("intent", INTENTS), name="intent"),
        CheckConstraint("at_ms >= 0", name="at_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("practice_runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at_ms: Mapped[int] = mapped_column(Integer)
    buyer_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str] = mapped_column(String(12))
    # {"code": "A12", "variant": "M" | None, "quantity": 2} for orders; {"code": ...} for cancels.
    expected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("live_chat_messages.id", ondelete="SET NULL"))
    delivered_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    run: Mapped[PracticeRun] = relationship(back_populates="comments")
    buyer: Mapped[User] = relationship()
    message: Mapped[ChatMessage | None] = relationship()
