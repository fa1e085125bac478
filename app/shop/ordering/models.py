"""Carts, orders with their history, payment events (webhook dedupe), bank reviews and shipping rules."""
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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import Organisation, User
from ...core.dbtypes import TZDateTime, sql_in, utcnow
from ...extensions import Model
from ..models import Variant

ORDER_STATUSES = ("pending_payment", "placed", "confirmed", "packed", "shipped", "delivered", "cancelled",
                  "refunded", "returned")
PAYMENT_METHODS = ("cod", "vietqr", "stripe")
PAYMENT_PROVIDERS = ("stripe", "bank", "manual")

DEFAULT_FLAT_FEE = 30_000
DEFAULT_FREE_ABOVE = 500_000


class Cart(Model):
    """A buyer's cart; anonymous carts are found by a random guest token kept in the session cookie."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    guest_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[CartLine]] = relationship(back_populates="cart", order_by="CartLine.id",
                                                 cascade="all, delete-orphan")


class CartLine(Model):
    __tablename__ = "cart_lines"
    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()


class ShippingRule(Model):
    """An organisation's delivery fee: flat, free from a subtotal (no row = the platform default)."""

    __tablename__ = "shipping_rules"
    __table_args__ = (
        CheckConstraint("flat_fee >= 0", name="flat_fee_not_negative"),
        CheckConstraint("free_above IS NULL OR free_above >= 0", name="free_above_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    flat_fee: Mapped[int] = mapped_column(BigInteger)
    free_above: Mapped[int | None] = mapped_column(BigInteger)


def order_path(number: str) -> str:
    """The buyer's order page, as a plain path: for notifications written outside a request (signals, jobs)."""
    return f"/shop/orders/{number}"


class Order(Model):
    """One organisation's part of a checkout; money in whole dong, status moves by services.transition."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("subtotal >= 0", name="subtotal_not_negative"),
        CheckConstraint("shipping_fee >= 0", name="shipping_fee_not_negative"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        CheckConstraint(sql_in("status", ORDER_STATUSES), name="status"),
        CheckConstraint(sql_in("payment_method", PAYMENT_METHODS), name="payment_method"),
        Index("ix_orders_organisation_status", "organisation_id", "status"),
        Index("ix_orders_status_expires", "status", "expires_at"),
        # A retried checkout finds its orders by (checkout key, organisation); see services.checkout_key.
        UniqueConstraint("checkout_key", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="RESTRICT"), index=True)
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(120))
    buyer_phone: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[int | None] = mapped_column(Integer)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(500))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    shipping_fee: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    payment_method: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    # True once the stock of this order has been moved from reserved to sold.
    stock_sold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    paid_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Where a VietQR order's transfer must go, as its QR named it at checkout: a notification of money into any
    # other account never pays it, even if the organisation changes its account meanwhile.
    pay_to_bank_bin: Mapped[str | None] = mapped_column(String(8))
    pay_to_account: Mapped[str | None] = mapped_column(String(32))
    pay_to_account_name: Mapped[str | None] = mapped_column(String(120))
    stripe_session_id: Mapped[str | None] = mapped_column(String(255))
    # The PaymentIntent of the session that paid the order: a refund event must name it.
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    # Where the buyer pays by card; reused until the order is paid or closed (one session per order).
    stripe_checkout_url: Mapped[str | None] = mapped_column(String(1000))
    # SHA-256 (hex) of who checked out and the exact idempotency key they sent: a retry by the same buyer finds
    # its orders; the same key from anyone else, or a longer key sharing its start, never does.
    checkout_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    # The privacy notice the buyer agreed to at checkout (name, phone, address to the seller and carrier).
    consent_version: Mapped[str | None] = mapped_column(String(20))
    # When the delivery address was de-identified (the retention job, or the buyer deleting the account).
    address_erased_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    organisation: Mapped[Organisation] = relationship()
    buyer: Mapped[User | None] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", order_by="OrderLine.id",
                                                  cascade="all, delete-orphan")
    events: Mapped[list[OrderEvent]] = relationship(back_populates="order", order_by="OrderEvent.id",
                                                    cascade="all, delete-orphan")

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None

    @property
    def bank_account(self) -> tuple[str | None, str | None, str | None]:
        """(BIN, account number, holder) a transfer paying this order goes to: the account its VietQR named at
        checkout; for orders of other methods (a COD buyer who transfers instead), the organisation's own."""
        if self.pay_to_account:
            return self.pay_to_bank_bin, self.pay_to_account, self.pay_to_account_name
        org = self.organisation
        return org.bank_bin, org.bank_account_number, org.bank_account_name

    def __repr__(self) -> str:
        return f"<Order {self.number} {self.status} {self.total}>"


class OrderLine(Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="RESTRICT"), index=True)
    product_name: Mapped[str] = mapped_column(String(160))
    variant_label: Mapped[str | None] = mapped_column(String(40))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[int] = mapped_column(Integer)

    order: Mapped[Order] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()

    @property
    def amount(self) -> int:
        return self.unit_price * self.quantity

    @property
    def display_name(self) -> str:
        return f"{self.product_name} · {self.variant_label}" if self.variant_label else self.product_name


class OrderEvent(Model):
    """The order's history: each status change, who made it and when."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class PaymentEvent(Model):
    """Each webhook event or transfer seen once: the unique key makes a replay a no-op."""

    __tablename__ = "payment_events"
    __table_args__ = (
        UniqueConstraint("provider", "external_id"),
        CheckConstraint(sql_in("provider", PAYMENT_PROVIDERS), name="provider"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    external_id: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    payload: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class BankReview(Model):
    """A bank transfer that did not confirm an order by itself; the seller decides what it was."""

    __tablename__ = "bank_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_event_id: Mapped[int | None] = mapped_column(ForeignKey("payment_events.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                        index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    order_number: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(40))
    # Where the money went (the bank's name as the notification gave it, and the account number).
    gateway: Mapped[str | None] = mapped_column(String(40))
    account_number: Mapped[str | None] = mapped_column(String(32))
    resolved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    order: Mapped[Order | None] = relationship()


class DeliveryAddress(Model):
    """An address a buyer had an order delivered to (their address book); the newest fills the next checkout."""

    __tablename__ = "delivery_addresses"
    __table_args__ = (UniqueConstraint("user_id", "phone", "commune_code", "street"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[int | None] = mapped_column(Integer)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    street: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
