"""An organisation's carriers, shipments and their status events (webhook dedupe), COD payouts and their lines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import Organisation, User
from ...core.dbtypes import TZDateTime, sql_in, utcnow
from ...extensions import Model
from ..ordering.models import Order
from .carriers import CARRIER_NAMES, SHIPMENT_STATES

CARRIERS = tuple(CARRIER_NAMES)
ACTIVE_STATES = ("booked", "picked", "in_transit", "delivered", "returning", "returned")


class ShippingSettings(Model):
    """Which carriers an organisation books (in order: the first quotes at checkout) and its pickup details."""

    __tablename__ = "shipping_settings"
    __table_args__ = (
        CheckConstraint("item_weight_grams > 0", name="item_weight_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    carriers: Mapped[str] = mapped_column(String(60), default="")  # "ghn,ghtk"
    pickup_street: Mapped[str | None] = mapped_column(String(200))
    pickup_phone: Mapped[str | None] = mapped_column(String(16))
    # The carrier's id for this organisation's shop / pickup address (GHN ShopId, Viettel Post GROUPADDRESS_ID).
    ghn_shop_id: Mapped[str | None] = mapped_column(String(20))
    vtp_group_address_id: Mapped[str | None] = mapped_column(String(20))
    item_weight_grams: Mapped[int] = mapped_column(Integer, default=500)

    @property
    def carrier_list(self) -> list[str]:
        return [c for c in (self.carriers or "").split(",") if c in CARRIERS]


class Shipment(Model):
    """One parcel booked with a carrier for one order; its state moves with the carrier's webhooks."""

    __tablename__ = "shipments"
    __table_args__ = (
        CheckConstraint(sql_in("carrier", CARRIERS), name="carrier"),
        CheckConstraint(sql_in("state", SHIPMENT_STATES), name="state"),
        CheckConstraint("fee >= 0 AND cod_amount >= 0", name="money_not_negative"),
        UniqueConstraint("carrier", "carrier_code"),
        Index("ix_shipments_organisation_booked", "organisation_id", "booked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(12))
    carrier_code: Mapped[str] = mapped_column(String(60))  # the tracking number on the label
    client_code: Mapped[str] = mapped_column(String(40), unique=True)  # ours, sent to the carrier (idempotent)
    state: Mapped[str] = mapped_column(String(12), default="booked")
    carrier_status: Mapped[str | None] = mapped_column(String(40))
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    cod_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    weight_grams: Mapped[int] = mapped_column(Integer)
    sort_code: Mapped[str | None] = mapped_column(String(60))
    booked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    booked_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    order: Mapped[Order] = relationship()
    organisation: Mapped[Organisation] = relationship()
    booker: Mapped[User | None] = relationship()
    events: Mapped[list[ShipmentEvent]] = relationship(back_populates="shipment", order_by="ShipmentEvent.id",
                                                       cascade="all, delete-orphan")

    @property
    def carrier_name(self) -> str:
        return CARRIER_NAMES.get(self.carrier, self.carrier)


class ShipmentEvent(Model):
    """A carrier's status update, seen once: (carrier, event_key) is unique, so a replayed webhook is a no-op."""

    __tablename__ = "shipment_events"
    __table_args__ = (UniqueConstraint("carrier", "event_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(12))
    event_key: Mapped[str] = mapped_column(String(160))
    carrier_status: Mapped[str] = mapped_column(String(40))
    state: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(300))
    payload: Mapped[str | None] = mapped_column(Text)
    happened_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class CodPayout(Model):
    """A carrier's payout of the cash it collected on delivery, minus its fees (imported from its statement)."""

    __tablename__ = "cod_payouts"
    __table_args__ = (
        CheckConstraint(sql_in("carrier", CARRIERS), name="carrier"),
        CheckConstraint("paid_amount >= 0", name="paid_not_negative"),
        UniqueConstraint("organisation_id", "carrier", "reference"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    carrier: Mapped[str] = mapped_column(String(12))
    reference: Mapped[str] = mapped_column(String(60))  # the carrier's statement / transfer reference
    paid_amount: Mapped[int] = mapped_column(BigInteger)  # what reached the bank account
    paid_on: Mapped[datetime] = mapped_column(TZDateTime)
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    lines: Mapped[list[CodPayoutLine]] = relationship(back_populates="payout", order_by="CodPayoutLine.id",
                                                      cascade="all, delete-orphan")

    @property
    def carrier_name(self) -> str:
        return CARRIER_NAMES.get(self.carrier, self.carrier)


class CodPayoutLine(Model):
    """One parcel of a payout: the cash the carrier collected for it and the fee it kept."""

    __tablename__ = "cod_payout_lines"
    __table_args__ = (
        UniqueConstraint("payout_id", "carrier_code"),
        CheckConstraint("collected >= 0 AND fee >= 0", name="money_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("cod_payouts.id", ondelete="CASCADE"), index=True)
    carrier_code: Mapped[str] = mapped_column(String(60), index=True)
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id", ondelete="SET NULL"))
    collected: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)

    payout: Mapped[CodPayout] = relationship(back_populates="lines")
    shipment: Mapped[Shipment | None] = relationship()
