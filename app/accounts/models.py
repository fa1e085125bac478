"""Users, login sessions, API tokens, organisations and memberships."""
from __future__ import annotations

import re
from datetime import datetime
from typing import cast

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.dbtypes import TZDateTime, sql_in, utcnow
from ..extensions import Model

# Vietnamese forms of address a name may start with ("Cô Hạnh", "Bác Tư"): kept in the short name.
ADDRESS_FORMS = frozenset({"cô", "chú", "bác", "anh", "chị", "em", "ông", "bà", "thầy", "dì", "cậu", "mợ", "thím"})


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        # A deleted account keeps its row (orders and chat lines point at it) with every personal field erased.
        CheckConstraint("phone IS NOT NULL OR email IS NOT NULL OR deleted_at IS NOT NULL", name="phone_or_email"),
        CheckConstraint("locale IS NULL OR locale IN ('vi', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_trainer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    province_code: Mapped[int | None] = mapped_column(Integer)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Set when the person deleted their account (accounts.privacy.delete_account): the row is de-identified.
    deleted_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    # Flask-Login keeps the login-session token in the cookie, not the user id (see login_sessions).
    login_token = cast("str | None", None)  # not a column: no annotation, which the ORM would try to map

    def get_id(self) -> str | None:
        return self.login_token

    @property
    def login_name(self) -> str:
        return self.phone or self.email or ""

    @property
    def short_name(self) -> str:
        """What the header shows: the given name ("Hoa" for "Đỗ Thị Hoa"), or the form of address with it ("Cô
        Hạnh" for "Cô Hạnh (tổ công nghệ số)"); a note in brackets is never part of it."""
        words = re.sub(r"\([^)]*\)?|\[[^\]]*\]?", " ", self.name or "").split()
        if not words:
            return self.login_name
        if len(words) >= 2 and words[0].casefold() in ADDRESS_FORMS:
            return f"{words[0]} {words[-1]}"
        return words[-1]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.login_name}>"


class LoginSession(Model):
    """One signed-in browser; revoking the row signs that browser out even if its cookie is replayed."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    user: Mapped[User] = relationship()


class ApiToken(Model):
    """A bearer token for non-browser clients; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    user: Mapped[User] = relationship()


# What a person agrees to, each separately: the account's own data (registration), giving name, phone and address
# to the seller and carrier for an order (checkout), and news and offers (optional, withdrawable at any time).
CONSENT_PURPOSES = ("account", "order_delivery", "marketing")
CONSENT_SOURCES = ("register", "checkout", "account", "api")


class Consent(Model):
    """One express yes or no of a person to one purpose, with the privacy policy version they were shown and the
    time: the newest row of a purpose is in force, older ones are the record (Law 91/2025/QH15: consent must be
    express and can be withdrawn)."""

    __tablename__ = "consents"
    __table_args__ = (
        CheckConstraint(sql_in("purpose", CONSENT_PURPOSES), name="purpose"),
        CheckConstraint(sql_in("source", CONSENT_SOURCES), name="source"),
        Index("ix_consents_user_purpose", "user_id", "purpose", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    policy_version: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


ORG_KINDS = ("cooperative", "household")
ROLES = ("owner", "staff")


class Organisation(Model):
    """A cooperative (hợp tác xã) or household business (hộ kinh doanh) that sells."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("kind IN ('cooperative', 'household')", name="kind"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[int | None] = mapped_column(Integer)
    commune_code: Mapped[int | None] = mapped_column(Integer, index=True)
    description: Mapped[str | None] = mapped_column(Text)
    logo_key: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(16))
    bank_bin: Mapped[str | None] = mapped_column(String(8))
    bank_account_number: Mapped[str | None] = mapped_column(String(32))
    bank_account_name: Mapped[str | None] = mapped_column(String(120))
    # A trainee's practice stall: never a storefront, its products can never go on sale.
    is_sandbox: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def has_bank_account(self) -> bool:
        return bool(self.bank_bin and self.bank_account_number and self.bank_account_name)


class Membership(Model):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id"),
        CheckConstraint("role IN ('owner', 'staff')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


# A buyer hears about their live order: the seller cancelled or confirmed held lines, a flash sale they bought at
# ended, their order from a live cart was confirmed (livestream.buyer_news writes these); "message" is a
# notification the outbox (app/notify) delivers to the bell.
NOTIFICATION_KINDS = ("live_started", "waitlist_served", "hold_expiring", "order_expired", "hold_cancelled",
                      "lines_confirmed", "flash_sale_ended", "order_confirmed", "message", "certificate_expiring")


class Notification(Model):
    """An in-app message for one user (an organisation they follow went live, a waitlist place came free).

    The text is drawn at display time from kind + data, so it reads in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (
        CheckConstraint(sql_in("kind", NOTIFICATION_KINDS), name="kind"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    data: Mapped[str] = mapped_column(Text, default="{}")
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
