"""The outbox and its attempts, the buyers' channel choices (consent log), web-push subscriptions, provider tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.dbtypes import TZDateTime, sql_in, utcnow
from ..extensions import Model

CHANNELS = ("zalo", "sms", "push", "inapp")
MESSAGE_STATUSES = ("pending", "sending", "sent", "failed", "cancelled")
# sent: the provider took it; refused: it never will for this recipient (next channel); error: try again later;
# unknown: the process died between the call and its answer being written (never sent again, see outbox.py).
ATTEMPT_STATUSES = ("sending", "sent", "refused", "error", "unknown")


class OutboxMessage(Model):
    """One message to one person about one event, written in the event's own transaction (the outbox)."""

    __tablename__ = "notify_outbox"
    __table_args__ = (
        CheckConstraint(sql_in("status", MESSAGE_STATUSES), name="status"),
        CheckConstraint("user_id IS NOT NULL OR phone IS NOT NULL", name="has_recipient"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        Index("ix_notify_outbox_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What happened and to whom, once: the same event never writes a second message for the same person.
    event: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164; a guest buyer has only this
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON of plain values
    link: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    channel: Mapped[str | None] = mapped_column(String(8))  # the channel that delivered it
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)  # VND, all attempts together
    next_attempt_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    tries: Mapped[list[OutboxAttempt]] = relationship(back_populates="message", order_by="OutboxAttempt.id",
                                                      cascade="all, delete-orphan")


class OutboxAttempt(Model):
    """One call to one channel for one message: what was sent where, its answer and cost (the send log)."""

    __tablename__ = "notify_attempts"
    __table_args__ = (
        CheckConstraint(sql_in("channel", CHANNELS), name="channel"),
        CheckConstraint(sql_in("status", ATTEMPT_STATUSES), name="status"),
        UniqueConstraint("message_id", "channel", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("notify_outbox.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... on this channel
    provider: Mapped[str] = mapped_column(String(20))
    # Sent to the provider as its tracking/request id: the same for every try of a message on one channel, so a
    # provider that deduplicates by it (eSMS RequestId) never delivers a retry twice.
    tracking_id: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(10), default="sending")
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    cost: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    message: Mapped[OutboxMessage] = relationship(back_populates="tries")


class ChannelConsent(Model):
    """A buyer turned a channel on or off, when and from where: the latest row per channel is the choice."""

    __tablename__ = "notify_consents"
    __table_args__ = (
        CheckConstraint(sql_in("channel", CHANNELS), name="channel"),
        Index("ix_notify_consents_user_channel", "user_id", "channel", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(40))  # "account page", "api"
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class ChannelPreference(Model):
    """Which channel a buyer wants tried first (the others follow in the platform's order)."""

    __tablename__ = "notify_preferences"
    __table_args__ = (CheckConstraint(sql_in("first_channel", CHANNELS), name="first_channel"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    first_channel: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class PushSubscription(Model):
    """A browser's Push API subscription (endpoint + keys) for one signed-in buyer."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class ProviderToken(Model):
    """A provider's current OAuth tokens (Zalo rotates its refresh token at every refresh, so it must be kept)."""

    __tablename__ = "notify_provider_tokens"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
