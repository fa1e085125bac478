"""Live sessions, the products put on them, the chat and the live reservations (the claim log)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..accounts.models import Organisation, User
from ..core.dbtypes import TZDateTime, sql_in, utcnow
from ..core.privacy import mask_personal_data
from ..extensions import Model
from ..shop.models import Product, Variant
from ..shop.ordering.models import Order

SESSION_STATES = ("scheduled", "live", "ended")
MESSAGE_KINDS = ("chat", "order", "question", "system")
RESERVATION_STATUSES = ("held", "cancelled", "expired", "checked_out")
# Why the seller cancelled a held line: the buyer is told, in their language (buyer_news.CANCEL_REASONS).
CANCEL_REASONS = ("sold_out", "buyer_asked", "duplicate", "no_answer", "wrong_price", "other")
MAX_QUICK_REPLY = 200
MAX_MESSAGE = 500
MAX_PUBLIC_MESSAGE = 2 * MAX_MESSAGE
MAX_PRICE = 10_000_000_000


class LiveSession(Model):
    """One live sale of an organisation: scheduled → live → ended."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint(sql_in("state", SESSION_STATES), name="state"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("slow_mode_seconds >= 0 AND slow_mode_seconds <= 3600", name="slow_mode_range"),
        Index("ix_live_sessions_state_scheduled_at", "state", "scheduled_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str | None] = mapped_column(Text)
    scheduled_at: Mapped[datetime] = mapped_column(TZDateTime)
    started_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    state: Mapped[str] = mapped_column(String(10), default="scheduled")
    # Most connections in the live's room at once, raised by a conditional UPDATE on each join.
    peak_viewers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # YouTube / Facebook / HLS URL shown in the player until our own RTMP ingest exists.
    external_stream_url: Mapped[str | None] = mapped_column(String(500))
    slow_mode_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Storage keys of the cover picture and its thumbnail (app/core/images.py re-encodes the upload).
    cover_key: Mapped[str | None] = mapped_column(String(200))
    cover_thumb_key: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # A private rehearsal (training's practice live): never listed, only its organisation's members (and
    # trainers) may open it, and comments reach it only from the server-side driver of simulated buyers.
    is_practice: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Before the live (trust.py, checklist.py): the member who hosts it on camera, and the version of the platform's
    # livestream rules the organisation acknowledged for it (Law 122/2025/QH15: rules published, host verified).
    host_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    rules_version_ack: Mapped[int | None] = mapped_column(Integer)
    rules_ack_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # An admin stopped the live (a violation, or an authority asked): it ended, the publisher is refused, and its
    # page shows a notice instead of the video, chat and products until an admin marks it reviewed.
    stopped_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    stopped_reason: Mapped[str | None] = mapped_column(String(500))
    stopped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    stop_reviewed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    host: Mapped[User | None] = relationship(foreign_keys=[host_user_id])
    products: Mapped[list[LiveProduct]] = relationship(back_populates="session", order_by="LiveProduct.position",
                                                       cascade="all, delete-orphan")

    @property
    def is_live(self) -> bool:
        return self.state == "live"

    @property
    def is_withheld(self) -> bool:
        """Stopped by an admin and not reviewed yet: the page shows a notice instead of its content."""
        return self.stopped_at is not None and self.stop_reviewed_at is None

    def __repr__(self) -> str:
        return f"<LiveSession {self.id} {self.state} {self.title!r}>"


class LiveProduct(Model):
    """A product on a live: its live code, live price, per-buyer limit and the quantity set aside for the live.

    allotment_used only changes by a conditional UPDATE in the same transaction as the inventory
    reservation, so the live cap and the real stock hold together."""

    __tablename__ = "live_products"
    __table_args__ = (
        UniqueConstraint("session_id", "live_code"),
        UniqueConstraint("session_id", "product_id"),
        CheckConstraint("length(live_code) > 0", name="live_code_not_empty"),
        CheckConstraint(f"live_price IS NULL OR (live_price >= 0 AND live_price <= {MAX_PRICE})", name="live_price_range"),
        CheckConstraint("per_buyer_limit IS NULL OR per_buyer_limit > 0", name="per_buyer_limit_positive"),
        CheckConstraint("allotment >= 0", name="allotment_not_negative"),
        CheckConstraint("allotment_used >= 0 AND allotment_used <= allotment", name="allotment_used_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    live_code: Mapped[str] = mapped_column(String(8))
    live_price: Mapped[int | None] = mapped_column(BigInteger)
    per_buyer_limit: Mapped[int | None] = mapped_column(Integer)
    allotment: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    allotment_used: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    session: Mapped[LiveSession] = relationship(back_populates="products")
    product: Mapped[Product] = relationship()

    @property
    def allotment_left(self) -> int:
        return max(self.allotment - self.allotment_used, 0)

    def price_of(self, variant: Variant) -> int:
        return self.live_price if self.live_price is not None else variant.effective_price


class ChatMessage(Model):
    """A chat line with an increasing server id; client_id makes a re-sent comment return its first ack.

    `text` is what was typed (the organisation's members and the order see it); `public_text` is the copy everyone
    else sees, phones and street addresses masked (core.privacy), set whenever `text` is, so a copy for the room is
    never built from the full text."""

    __tablename__ = "live_chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id", "client_id"),
        CheckConstraint(sql_in("kind", MESSAGE_KINDS), name="kind"),
        CheckConstraint(f"length(text) <= {MAX_MESSAGE}", name="text_length"),
        Index("ix_live_chat_messages_session_id_id", "session_id", "id"),
        Index("ix_live_chat_messages_session_user_created", "session_id", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(MAX_MESSAGE))
    # Masking may lengthen a line a little ("5" → "***"), hence the room.
    public_text: Mapped[str] = mapped_column(String(MAX_PUBLIC_MESSAGE))
    # Written by a member of the organisation (a console reply or a member's comment): shown as the shop, by name.
    by_shop: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    kind: Mapped[str] = mapped_column(String(10), default="chat")
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Why it is hidden: "seller" (hidden from the console) or "words" (matched the hidden-words list).
    hidden_reason: Mapped[str | None] = mapped_column(String(10))
    client_id: Mapped[str | None] = mapped_column(String(64))
    ack_json: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    session: Mapped[LiveSession] = relationship()
    user: Mapped[User | None] = relationship()

    @validates("text")
    def _mask_for_everyone(self, _key: str, text: str) -> str:
        self.public_text = mask_personal_data(text)[:MAX_PUBLIC_MESSAGE]
        return text


class LiveCommentGate(Model):
    """When a buyer last commented in a live. The one-comment-a-second limit (and slow mode) is a conditional write
    of this row inside the comment's transaction, so two connections of one buyer cannot both pass it."""

    __tablename__ = "live_comment_gates"

    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    last_comment_at: Mapped[datetime] = mapped_column(TZDateTime)


class LiveReservation(Model):
    """One order line from a comment, with the server time it was taken: the claim log of a live."""

    __tablename__ = "live_reservations"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(f"unit_price >= 0 AND unit_price <= {MAX_PRICE}", name="unit_price_range"),
        CheckConstraint(sql_in("status", RESERVATION_STATUSES), name="status"),
        Index("ix_live_reservations_buyer", "session_id", "user_id", "status"),
        Index("ix_live_reservations_live_product_status", "live_product_id", "status"),
        CheckConstraint("cancel_reason IS NULL OR " + sql_in("cancel_reason", CANCEL_REASONS), name="cancel_reason"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    live_product_id: Mapped[int] = mapped_column(ForeignKey("live_products.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="held")
    hold_until: Mapped[datetime] = mapped_column(TZDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("live_chat_messages.id", ondelete="SET NULL"),
                                                   index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Taken at a flash-sale price: counts against that flash sale's per-buyer cap.
    flash_sale_id: Mapped[int | None] = mapped_column(ForeignKey("live_flash_sales.id", ondelete="SET NULL"),
                                                      index=True)
    # The seller's reason when they cancelled this line, and when they confirmed it to the buyer (still held).
    cancel_reason: Mapped[str | None] = mapped_column(String(20))
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    session: Mapped[LiveSession] = relationship()
    user: Mapped[User] = relationship()
    live_product: Mapped[LiveProduct] = relationship()
    variant: Mapped[Variant] = relationship()
    message: Mapped[ChatMessage | None] = relationship()


class QuickReply(Model):
    """One of an organisation's one-tap answers on the live console ("Còn hàng ạ"), in the seller's order."""

    __tablename__ = "live_quick_replies"
    __table_args__ = (
        CheckConstraint(f"length(text) > 0 AND length(text) <= {MAX_QUICK_REPLY}", name="text_length"),
        Index("ix_live_quick_replies_org_position", "organisation_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str] = mapped_column(String(MAX_QUICK_REPLY))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


WAITLIST_STATUSES = ("waiting", "served", "cancelled")


class OrganisationFollow(Model):
    """A buyer follows an organisation: told in the app when it goes live."""

    __tablename__ = "organisation_follows"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class LiveWaitlist(Model):
    """A buyer's place in line for a sold-out live product; served first come first when stock frees up."""

    __tablename__ = "live_waitlist"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND quantity <= 99", name="quantity_range"),
        CheckConstraint(sql_in("status", WAITLIST_STATUSES), name="status"),
        Index("ix_live_waitlist_product_status", "live_product_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True)
    live_product_id: Mapped[int] = mapped_column(ForeignKey("live_products.id", ondelete="CASCADE"))
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    reservation_id: Mapped[int | None] = mapped_column(ForeignKey("live_reservations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    served_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    session: Mapped[LiveSession] = relationship()
    live_product: Mapped[LiveProduct] = relationship()
    variant: Mapped[Variant | None] = relationship()
    user: Mapped[User] = relationship()
    reservation: Mapped[LiveReservation | None] = relationship()


class LiveOrderLine(Model):
    """Which shop order a checked-out live reservation went into (its held stock moved there unchanged)."""

    __tablename__ = "live_order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("live_reservations.id", ondelete="CASCADE"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    reservation: Mapped[LiveReservation] = relationship()
    order: Mapped[Order] = relationship()


class LiveMute(Model):
    """A buyer muted in one live until a time: their comments are refused, nothing is stored or broadcast."""

    __tablename__ = "live_mutes"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    until: Mapped[datetime] = mapped_column(TZDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class LiveBan(Model):
    """A buyer banned from commenting in every live of one organisation (they may still watch)."""

    __tablename__ = "live_bans"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class FlashSale(Model):
    """A short special price on one live product, with a per-buyer cap; over when now >= ends_at.

    Correctness reads ends_at (lazy expiry); end_announced only records that flash_sale_ended was emitted."""

    __tablename__ = "live_flash_sales"
    __table_args__ = (
        CheckConstraint(f"price >= 0 AND price <= {MAX_PRICE}", name="price_range"),
        CheckConstraint("per_buyer_cap > 0 AND per_buyer_cap <= 999", name="per_buyer_cap_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_live_flash_sales_session_ends", "session_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    live_product_id: Mapped[int] = mapped_column(ForeignKey("live_products.id", ondelete="CASCADE"), index=True)
    price: Mapped[int] = mapped_column(BigInteger)
    per_buyer_cap: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(TZDateTime)
    ends_at: Mapped[datetime] = mapped_column(TZDateTime)
    end_announced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    live_product: Mapped[LiveProduct] = relationship()


# Live video (RTMP ingest, HLS, recordings) ------------------------------------------------------------

VIDEO_STATES = ("waiting", "on_air", "interrupted", "ended")
RECORDING_STATES = ("recorded", "joined", "failed")


class LiveStream(Model):
    """The RTMP side of a live: the stream key (only its SHA-256 is stored), the public HLS name, the video state.

    The key never leaves this row in clear: nginx relays a publish under the key to public_name, which is
    what the HLS files and every page use."""

    __tablename__ = "live_streams"
    __table_args__ = (
        CheckConstraint(sql_in("video_state", VIDEO_STATES), name="video_state"),
        CheckConstraint("publish_count >= 0", name="publish_count_not_negative"),
        CheckConstraint("length(key_hash) = 64", name="key_hash_length"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_hint: Mapped[str] = mapped_column(String(8))
    # The member who made the key: a publish acts for them, so a key dies with their membership.
    key_created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    key_created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Hash of the key the current publisher used, so publish_done finds the live after a regeneration.
    publishing_key_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    public_name: Mapped[str] = mapped_column(String(40), unique=True)
    video_state: Mapped[str] = mapped_column(String(12), default="waiting", server_default="waiting")
    on_air_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    interrupted_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    publish_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replay_file: Mapped[str | None] = mapped_column(String(200))
    replay_ready_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    session: Mapped[LiveSession] = relationship()
    key_created_by: Mapped[User | None] = relationship()


class LiveRecording(Model):
    """One recorded piece of a live (one per publish, as nginx wrote it); the pieces make the replay."""

    __tablename__ = "live_recordings"
    __table_args__ = (
        CheckConstraint(sql_in("state", RECORDING_STATES), name="state"),
        CheckConstraint("duration_ms IS NULL OR duration_ms >= 0", name="duration_not_negative"),
        Index("ix_live_recordings_session_started", "session_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_sessions.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(200), unique=True)
    started_at: Mapped[datetime] = mapped_column(TZDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="recorded", server_default="recorded")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    session: Mapped[LiveSession] = relationship()
