"""Write side of shipping: carrier settings, quotes, booking a pickup, cancelling, labels, carrier status events
(which move the order through ordering.services.transition, never its status column) and COD payouts.

Services take explicit arguments, flush, raise domain errors and never commit. A call to a carrier is made before
anything is written for it, and carries an id of ours (the client code) the carrier deduplicates, so a booking
whose commit then fails is found again, not made twice.
"""
from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...accounts.models import Organisation, User
from ...accounts.services import require_org_role
from ...core.dbtypes import row_by_key, utcnow
from ...core.phone import normalize_vn_phone
from ...errors import Conflict, InvalidInput, NotFound
from ...extensions import db
from ..ordering import services as ordering
from ..ordering.models import Order
from .carriers import CARRIER_NAMES, Address, Carrier, Label, Parcel, TrackEvent, carrier_from_config
from .models import CARRIERS, CodPayout, CodPayoutLine, Shipment, ShipmentEvent, ShippingSettings
from .queries import active_shipment

BOOKABLE = ("confirmed", "packed")
# How far along a shipment is: a late or replayed event never moves it back.
RANK = {"booked": 0, "picked": 1, "in_transit": 2, "returning": 3, "delivered": 4, "returned": 4, "cancelled": 5,
        "failed": 5}
QUOTE_CACHE_SECONDS = 600
_quote_cache: dict[tuple[Any, ...], tuple[float, int]] = {}
MAX_PAYOUT_LINES = 5000


# --- settings ---------------------------------------------------------------------------------------------------

def platform_carriers(config: Mapping[str, Any]) -> list[str]:
    return [code for code in CARRIERS if carrier_from_config(code, config) is not None]


def settings_of(org: Organisation) -> ShippingSettings:
    row = db.session.scalar(select(ShippingSettings).where(ShippingSettings.organisation_id == org.id))
    return row or ShippingSettings(organisation_id=org.id, carriers="", item_weight_grams=500)


def save_settings(actor: User, org: Organisation, config: Mapping[str, Any], *, carriers: list[str],
                  pickup_street: str | None, pickup_phone: str | None, ghn_shop_id: str | None,
                  vtp_group_address_id: str | None, item_weight_grams: Any) -> ShippingSettings:
    require_org_role(actor, org, "owner")
    offered = platform_carriers(config)
    if any(code not in offered for code in carriers):
        raise InvalidInput(_l("Chợ Live cannot book that delivery company yet."), code="carrier_off")
    try:
        weight = int(item_weight_grams)
    except (TypeError, ValueError):
        weight = 0
    if not 1 <= weight <= 50_000:
        raise InvalidInput(_l("Enter the weight of one item in grams, from 1 to 50000."), code="bad_weight",
                           field="item_weight_grams")
    phone = None
    if pickup_phone:
        phone = normalize_vn_phone(pickup_phone, mobile_only=False)
        if phone is None:
            raise InvalidInput(_l("Please enter a valid Vietnamese phone number."), code="invalid_phone",
                               field="pickup_phone")
    for value in (ghn_shop_id, vtp_group_address_id):
        if value and (not value.isdigit() or len(value) > 20):
            raise InvalidInput(_l("A shop id from the delivery company is digits only."), code="bad_shop_id")
    row = db.session.scalar(select(ShippingSettings).where(ShippingSettings.organisation_id == org.id))
    if row is None:
        row = ShippingSettings(organisation_id=org.id)
        db.session.add(row)
    row.carriers = ",".join(dict.fromkeys(carriers))
    row.pickup_street = " ".join((pickup_street or "").split())[:200] or None
    row.pickup_phone, row.item_weight_grams = phone, weight
    row.ghn_shop_id, row.vtp_group_address_id = ghn_shop_id or None, vtp_group_address_id or None
    db.session.flush()
    return row


def _usable(org_settings: ShippingSettings, config: Mapping[str, Any]) -> list[Carrier]:
    found = []
    for code in org_settings.carrier_list:
        carrier = carrier_from_config(code, config)
        if carrier is not None:
            found.append(carrier)
    return found


# --- parcels and quotes -----------------------------------------------------------------------------------------

def _sender(org: Organisation, org_settings: ShippingSettings) -> Address:
    return Address(name=org.name, phone=org_settings.pickup_phone or org.phone or "",
                   street=org_settings.pickup_street or org.name, province_code=org.province_code,
                   commune_code=org.commune_code)


def _shop_id(carrier: str, org_settings: ShippingSettings) -> str | None:
    return {"ghn": org_settings.ghn_shop_id, "viettelpost": org_settings.vtp_group_address_id}.get(carrier)


def parcel_for(order: Order, org_settings: ShippingSettings, carrier: str) -> Parcel:
    units = sum(line.quantity for line in order.lines)
    cod = order.total if order.payment_method == "cod" and order.paid_at is None else 0
    return Parcel(sender=_sender(order.organisation, org_settings),
                  receiver=Address(order.buyer_name, order.buyer_phone, order.street, order.province_code,
                                   order.commune_code),
                  weight_grams=max(1, units) * org_settings.item_weight_grams, value=order.subtotal, cod_amount=cod,
                  items=tuple((line.display_name, line.quantity, line.unit_price) for line in order.lines),
                  note=f"{order.number} {order.note or ''}".strip(), shop_id=_shop_id(carrier, org_settings))


def quote_fee(config: Mapping[str, Any], org: Organisation, subtotal: int, units: int, province_code: int | None,
              commune_code: int | None) -> tuple[int, str] | None:
    """(fee, carrier) for delivering `units` items worth `subtotal` from the organisation to a buyer's commune, from
    its first carrier that answers; None when it uses no carrier (or none answers): the flat rule then applies.
    The organisation's own "free from" amount still wins. Quotes are kept ten minutes per address and weight."""
    org_settings = settings_of(org)
    carriers = _usable(org_settings, config)
    if not carriers or not commune_code:
        return None
    flat, free_above, _ = ordering.shipping_rule(org.id)
    if free_above is not None and subtotal >= free_above:
        return 0, ""
    weight = max(1, units) * org_settings.item_weight_grams
    for carrier in carriers:
        key = (carrier.code, org.id, commune_code, weight, subtotal)
        cached = _quote_cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1], carrier.code
        parcel = Parcel(sender=_sender(org, org_settings),
                        receiver=Address("", "", "", province_code, commune_code), weight_grams=weight,
                        value=subtotal, cod_amount=subtotal, shop_id=_shop_id(carrier.code, org_settings))
        try:
            fee = carrier.quote(parcel).fee
        except Exception:  # a carrier down or refusing: the next one, then the flat rule
            continue
        _quote_cache[key] = (time.monotonic() + QUOTE_CACHE_SECONDS, fee)
        return fee, carrier.code
    return None


def fees_for_groups(config: Mapping[str, Any], groups: list[dict[str, Any]], province_code: Any,
                    commune_code: Any) -> dict[int, int]:
    """{organisation id: carrier fee} for the checkout groups that have one (the others keep the flat rule)."""
    try:
        province, commune = int(province_code or 0) or None, int(commune_code or 0) or None
    except (TypeError, ValueError):
        return {}
    fees = {}
    for group in groups:
        units = sum(line.quantity for line in group["lines"])
        found = quote_fee(config, group["organisation"], group["subtotal"], units, province, commune)
        if found is not None:
            fees[group["organisation"].id] = found[0]
    return fees


# --- booking ----------------------------------------------------------------------------------------------------

def _carrier(config: Mapping[str, Any], code: str) -> Carrier:
    carrier = carrier_from_config(code, config)
    if carrier is None:
        raise InvalidInput(_l("Chợ Live cannot book that delivery company yet."), code="carrier_off")
    return carrier


def book(actor: User, org: Organisation, number: str, carrier_code: str, config: Mapping[str, Any],
         now: datetime | None = None) -> Shipment:
    """One tap on the order page: the carrier comes to pick the parcel up; a confirmed order becomes packed."""
    order = ordering.order_for_seller(actor, org, number)
    org_settings = settings_of(org)
    if carrier_code not in org_settings.carrier_list:
        raise InvalidInput(_l("Choose one of your delivery companies first (Delivery page)."), code="carrier_off")
    carrier = _carrier(config, carrier_code)
    if order.status not in BOOKABLE:
        raise InvalidInput(_l("Confirm the order before booking its pickup."), code="not_bookable")
    if active_shipment(order.id) is not None:
        raise Conflict(_l("This order already has a pickup booked."), code="already_booked")
    tries = db.session.scalar(select(func.count(Shipment.id)).where(Shipment.order_id == order.id)) or 0
    client_code = f"{order.number}-{tries + 1}"
    parcel = parcel_for(order, org_settings, carrier_code)
    if not parcel.sender.phone or not org.commune_code:
        raise InvalidInput(_l("Add your pickup phone and your commune on the Delivery page first."),
                           code="no_pickup_address")
    booking = carrier.create_shipment(parcel, client_code)
    now = now or utcnow()
    shipment = Shipment(order_id=order.id, organisation_id=org.id, carrier=carrier_code,
                        carrier_code=booking.carrier_code[:60], client_code=client_code, state="booked",
                        fee=max(0, booking.fee), cod_amount=parcel.cod_amount, weight_grams=parcel.weight_grams,
                        sort_code=(booking.sort_code or "")[:60] or None, booked_by=actor.id, booked_at=now,
                        updated_at=now)
    db.session.add(shipment)
    if order.status == "confirmed":
        ordering.transition(order, "packed", actor, f"pickup booked with {CARRIER_NAMES[carrier_code]}", now=now)
    db.session.flush()
    return shipment


def shipment_of(actor: User, org: Organisation, shipment_id: Any) -> Shipment:
    require_org_role(actor, org, "staff")
    shipment = row_by_key(Shipment, shipment_id)
    if shipment is None or shipment.organisation_id != org.id:
        raise NotFound(_l("We could not find that shipment."), code="no_such_shipment")
    return shipment


def cancel(actor: User, org: Organisation, shipment_id: Any, config: Mapping[str, Any]) -> Shipment:
    shipment = shipment_of(actor, org, shipment_id)
    if shipment.state != "booked":
        raise InvalidInput(_l("The carrier already has this parcel: it can no longer be cancelled here."),
                           code="not_cancellable")
    _carrier(config, shipment.carrier).cancel(shipment.carrier_code)
    shipment.state, shipment.updated_at = "cancelled", utcnow()
    db.session.flush()
    return shipment


def labels(actor: User, org: Organisation, shipments: list[Shipment], config: Mapping[str, Any]) -> list[Label]:
    """The labels of these shipments, one Label per carrier (a PDF, or the carrier's print page for GHN)."""
    require_org_role(actor, org, "staff")
    by_carrier: dict[str, list[str]] = {}
    for shipment in shipments:
        if shipment.organisation_id != org.id:
            raise NotFound(_l("We could not find that shipment."), code="no_such_shipment")
        if shipment.state not in ("cancelled", "failed"):
            by_carrier.setdefault(shipment.carrier, []).append(shipment.carrier_code)
    return [_carrier(config, code).label(codes) for code, codes in by_carrier.items()]


# --- carrier events ---------------------------------------------------------------------------------------------

def _move_order(order: Order, state: str, now: datetime, why: str) -> None:
    """Walk the order forward along the legal transitions to match the parcel (never backwards)."""
    paths = {"picked": ["packed", "shipped"], "in_transit": ["packed", "shipped"],
             "returning": ["packed", "shipped"], "delivered": ["packed", "shipped", "delivered"],
             "returned": ["packed", "shipped", "returned"]}
    for step in paths.get(state, []):
        if order.status == step:
            continue
        if step in ordering.TRANSITIONS.get(order.status, ()):
            ordering.transition(order, step, None, why, now=now)


def apply_event(carrier: str, event: TrackEvent, now: datetime | None = None) -> str:
    """Record one carrier event once and move its shipment and order; returns what happened."""
    now = now or utcnow()
    shipment = db.session.scalar(select(Shipment).where(Shipment.carrier == carrier,
                                                        Shipment.carrier_code == event.carrier_code))
    if shipment is None:
        return "unknown_shipment"
    key = event.event_key[:160]
    if db.session.scalar(select(ShipmentEvent.id).where(ShipmentEvent.carrier == carrier,
                                                        ShipmentEvent.event_key == key)) is not None:
        return "duplicate"
    db.session.add(ShipmentEvent(shipment_id=shipment.id, carrier=carrier, event_key=key,
                                 carrier_status=event.carrier_status[:40], state=event.state,
                                 note=event.note[:300] or None, happened_at=event.at, created_at=now,
                                 payload=json.dumps(event.raw, ensure_ascii=False, default=str)[:4000]))
    shipment.carrier_status = event.carrier_status[:40]
    if event.state is None or RANK[event.state] < RANK[shipment.state] or shipment.state in ("cancelled", "failed"):
        db.session.flush()
        return "recorded"
    shipment.state, shipment.updated_at = event.state, now
    db.session.flush()
    order = shipment.order
    name = CARRIER_NAMES[carrier]
    _move_order(order, event.state, now, f"{name}: {event.carrier_status}")
    db.session.flush()
    return event.state


def apply_webhook(carrier: str, headers: Mapping[str, str], query: Mapping[str, str], body: bytes,
                  config: Mapping[str, Any]) -> list[str]:
    adapter = carrier_from_config(carrier, config)
    if adapter is None:
        raise InvalidInput(_l("This delivery update is not signed."), code="bad_token")
    return [apply_event(carrier, event) for event in adapter.parse_webhook(headers, query, body)]


# --- COD payouts ------------------------------------------------------------------------------------------------

CODE_HEADERS = ("carrier_code", "ma van don", "ma don", "ma don ghn", "ma don hang", "label_id", "order_number",
                "order_code")
COLLECTED_HEADERS = ("cod", "collected", "tien thu ho", "thu ho", "pick_money", "money_collection", "cod_amount")
FEE_HEADERS = ("fee", "phi", "tong phi", "phi dich vu", "money_total_fee", "total_fee", "ship_money")


def parse_statement(data: bytes) -> list[tuple[str, int, int]]:
    """(carrier code, collected, fee) per row of a carrier's statement CSV (its Vietnamese or API column names)."""
    from ...core.text import fold

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_l("The statement must be a CSV file saved as UTF-8."), code="bad_csv") from None
    reader = csv.reader(io.StringIO(text))
    header = [fold(cell).replace("_", " ").strip() for cell in next(reader, [])]

    def column(names: tuple[str, ...]) -> int | None:
        wanted = {name.replace("_", " ") for name in names}
        return next((i for i, cell in enumerate(header) if cell in wanted), None)

    code_i, cod_i, fee_i = column(CODE_HEADERS), column(COLLECTED_HEADERS), column(FEE_HEADERS)
    if code_i is None or cod_i is None or fee_i is None:
        raise InvalidInput(_l("The statement needs columns for the tracking code, the cash collected and the fee."),
                           code="bad_csv")
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            code = row[code_i].strip()
            collected = int(row[cod_i].replace(".", "").replace(",", "").strip() or 0)
            fee = int(row[fee_i].replace(".", "").replace(",", "").strip() or 0)
        except (IndexError, ValueError):
            raise InvalidInput(_l("Line %(n)s of the statement could not be read.", n=number), code="bad_csv") from None
        if not code or collected < 0 or fee < 0 or len(code) > 60:
            raise InvalidInput(_l("Line %(n)s of the statement could not be read.", n=number), code="bad_csv")
        rows.append((code, collected, fee))
        if len(rows) > MAX_PAYOUT_LINES:
            raise InvalidInput(_l("The statement has too many lines."), code="bad_csv")
    if not rows:
        raise InvalidInput(_l("The statement has no lines."), code="bad_csv")
    return rows


def import_payout(actor: User, org: Organisation, carrier: str, reference: str | None, paid_amount: Any,
                  paid_on: datetime | None, rows: list[tuple[str, int, int]]) -> CodPayout:
    require_org_role(actor, org, "owner")
    if carrier not in CARRIERS:
        raise InvalidInput(_l("Choose the delivery company of this payout."), code="bad_carrier")
    reference = " ".join((reference or "").split())[:60]
    if not reference:
        raise InvalidInput(_l("Enter the payout's reference from the delivery company."), code="bad_reference")
    try:
        paid = int(paid_amount)
    except (TypeError, ValueError):
        paid = -1
    if paid < 0:
        raise InvalidInput(_l("Enter the amount that reached your account, in dong."), code="bad_amount")
    if db.session.scalar(select(CodPayout.id).where(CodPayout.organisation_id == org.id, CodPayout.carrier == carrier,
                                                    CodPayout.reference == reference)) is not None:
        raise Conflict(_l("This payout was imported already."), code="payout_exists")
    codes = {code for code, _, _ in rows}
    if len(codes) != len(rows):
        raise InvalidInput(_l("A tracking code appears twice in the statement."), code="bad_csv")
    shipments = {s.carrier_code: s for s in db.session.scalars(select(Shipment).where(
        Shipment.organisation_id == org.id, Shipment.carrier == carrier, Shipment.carrier_code.in_(sorted(codes))))}
    payout = CodPayout(organisation_id=org.id, carrier=carrier, reference=reference, paid_amount=paid,
                       paid_on=paid_on or utcnow(), imported_by=actor.id)
    for code, collected, fee in rows:
        shipment = shipments.get(code)
        payout.lines.append(CodPayoutLine(carrier_code=code, shipment_id=shipment.id if shipment else None,
                                          collected=collected, fee=fee))
    db.session.add(payout)
    db.session.flush()
    return payout
