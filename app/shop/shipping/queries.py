"""Read side of shipping: an order's shipment, the day's parcels, payouts and their reconciliation."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ...accounts.models import Organisation
from ...core.dbtypes import row_by_key
from ...extensions import db
from .models import CodPayout, CodPayoutLine, Shipment

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def active_shipment(order_id: int) -> Shipment | None:
    """The order's parcel with a carrier now (not cancelled or failed), if any."""
    return db.session.scalar(select(Shipment).where(Shipment.order_id == order_id,
                                                    Shipment.state.not_in(("cancelled", "failed")))
                             .order_by(Shipment.id.desc()).limit(1))


def order_shipments(order_id: int) -> list[Shipment]:
    return list(db.session.scalars(select(Shipment).where(Shipment.order_id == order_id).order_by(Shipment.id)))


def local_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else datetime.now(LOCAL).date()
    except ValueError:
        return datetime.now(LOCAL).date()


def shipments_of_day(org: Organisation, day: date) -> list[Shipment]:
    """Parcels booked on `day` (Vietnam time), the seller's batch of labels."""
    start = datetime.combine(day, time.min, LOCAL)
    return list(db.session.scalars(select(Shipment).where(
        Shipment.organisation_id == org.id, Shipment.booked_at >= start, Shipment.booked_at < start + timedelta(days=1))
        .order_by(Shipment.id)))


def payouts(org: Organisation) -> list[CodPayout]:
    return list(db.session.scalars(select(CodPayout).where(CodPayout.organisation_id == org.id)
                                   .order_by(CodPayout.paid_on.desc(), CodPayout.id.desc())))


def payout_of(org: Organisation, payout_id: Any) -> CodPayout | None:
    payout = row_by_key(CodPayout, payout_id)
    return payout if payout is not None and payout.organisation_id == org.id else None


def reconciliation(payout: CodPayout) -> dict[str, Any]:
    """What the carrier collected, its fees, what it should have paid and did pay, line by line, and the delivered
    cash-on-delivery parcels no payout of this carrier has paid yet (missing)."""
    lines = []
    for line in payout.lines:
        shipment = line.shipment
        if shipment is None:
            check = "unknown"
        elif line.collected != shipment.cod_amount:
            check = "amount_differs"
        elif shipment.state != "delivered":
            check = "not_delivered"
        else:
            check = "ok"
        lines.append({"line": line, "shipment": shipment, "check": check,
                      "expected": shipment.cod_amount if shipment else None})
    collected = sum(line.collected for line in payout.lines)
    fees = sum(line.fee for line in payout.lines)
    paid_codes = set(db.session.scalars(select(CodPayoutLine.carrier_code).join(CodPayout).where(
        CodPayout.organisation_id == payout.organisation_id, CodPayout.carrier == payout.carrier)))
    missing = [s for s in db.session.scalars(select(Shipment).where(
        Shipment.organisation_id == payout.organisation_id, Shipment.carrier == payout.carrier,
        Shipment.state == "delivered", Shipment.cod_amount > 0, Shipment.updated_at <= payout.paid_on)
        .order_by(Shipment.id)) if s.carrier_code not in paid_codes]
    return {"lines": lines, "collected": collected, "fees": fees, "due": collected - fees,
            "paid": payout.paid_amount, "difference": payout.paid_amount - (collected - fees),
            "missing": missing, "missing_total": sum(s.cod_amount for s in missing),
            "problems": sum(1 for row in lines if row["check"] != "ok")}
