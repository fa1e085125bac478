"""Trust tables of the live: the livestream rules (versioned), viewers' reports, the host's warning overlays."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import User
from ...core.dbtypes import TZDateTime, sql_in, utcnow
from ...extensions import Model
from ..models import ChatMessage, LiveProduct, LiveSession

REPORT_REASONS = ("unsafe_product", "false_claim", "counterfeit", "offensive", "scam", "personal_data", "other")
REPORT_STATUSES = ("open", "resolved", "dismissed")
WARNING_PRESETS = ("adults_only", "under_3", "custom")
MAX_RULES = 20_000
MAX_DETAILS = 500
MAX_WARNING = 160


class LiveRules(Model):
    """One version of the platform's livestream rules, in Vietnamese and English; the newest is in force."""

    __tablename__ = "live_rules"
    __table_args__ = (
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("length(body_vi) > 0 AND length(body_en) > 0", name="bodies_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    body_vi: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class LiveReport(Model):
    """A viewer's report about a live (or one chat line of it), with the evidence of the moment it was made."""

    __tablename__ = "live_reports"
    __table_args__ = (
        CheckConstraint(sql_in("reason", REPORT_REASONS), name="reason"),
        CheckConstraint(sql_in("status", REPORT_STATUSES), name="status"),
        CheckConstraint("live_seconds IS NULL OR live_seconds >= 0", name="live_seconds_not_negative"),
        CheckConstraint("replay_seconds IS NULL OR replay_seconds >= 0", name="replay_seconds_not_negative"),
        Index("ix_live_reports_session_status", "session_id", "status"),
        Index("ix_live_reports_reporter_created", "reporter_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The chat line reported, if one was; its text is copied so the evidence survives the line being hidden.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("live_chat_messages.id", ondelete="SET NULL"))
    message_text: Mapped[str | None] = mapped_column(String(1000))
    reason: Mapped[str] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(String(MAX_DETAILS))
    # Seconds since the live started when the report came (server clock), and where the replay was (the viewer's).
    live_seconds: Mapped[int | None] = mapped_column(Integer)
    replay_seconds: Mapped[int | None] = mapped_column(Integer)
    # The ids of the chat lines just before the report (JSON list): what the viewer had on screen.
    context_ids: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    note: Mapped[str | None] = mapped_column(String(MAX_DETAILS))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    session: Mapped[LiveSession] = relationship()
    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    message: Mapped[ChatMessage | None] = relationship()


class LiveWarning(Model):
    """A warning the host showed over the video (on a product or the whole live), from shown_at to cleared_at."""

    __tablename__ = "live_warnings"
    __table_args__ = (
        CheckConstraint(sql_in("preset", WARNING_PRESETS), name="preset"),
        CheckConstraint(f"length(text) > 0 AND length(text) <= {MAX_WARNING}", name="text_length"),
        CheckConstraint("cleared_at IS NULL OR cleared_at >= shown_at", name="cleared_after_shown"),
        Index("ix_live_warnings_session_shown", "session_id", "shown_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    live_product_id: Mapped[int | None] = mapped_column(ForeignKey("live_products.id", ondelete="SET NULL"))
    preset: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(String(MAX_WARNING))
    shown_at: Mapped[datetime] = mapped_column(TZDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    live_product: Mapped[LiveProduct | None] = relationship()
