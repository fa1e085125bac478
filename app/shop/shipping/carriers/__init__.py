"""Carriers behind one interface: quote, create_shipment, label, cancel, track, parse_webhook.

Every adapter is the real HTTP client of the carrier's published API, pointed at `<CARRIER>_API_BASE` (a local
double in tests). Parcels carry the two-level address; each adapter turns it into what its API wants (old
province/district/ward names or the carrier's own ids, see areas.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from ....errors import CarrierError

# Our shipment states; each carrier's own codes map onto them.
SHIPMENT_STATES = ("booked", "picked", "in_transit", "delivered", "returning", "returned", "cancelled", "failed")
CARRIER_NAMES = {"ghn": "GHN", "ghtk": "GHTK", "viettelpost": "Viettel Post"}


@dataclass(frozen=True)
class Address:
    name: str
    phone: str  # E.164
    street: str
    province_code: int | None
    commune_code: int | None

    @property
    def local_phone(self) -> str:
        return "0" + self.phone[3:] if self.phone.startswith("+84") else self.phone


@dataclass(frozen=True)
class Parcel:
    sender: Address
    receiver: Address
    weight_grams: int
    value: int  # declared value, VND
    cod_amount: int  # what the carrier collects from the buyer, VND
    items: tuple[tuple[str, int, int], ...] = ()  # (name, quantity, unit price)
    note: str = ""
    shop_id: str | None = None  # the carrier's shop / store / pickup address id for this organisation


@dataclass(frozen=True)
class Quote:
    carrier: str
    fee: int
    service: str = ""
    eta: str | None = None


@dataclass(frozen=True)
class Booking:
    carrier_code: str  # the tracking number the carrier prints on the label
    fee: int
    sort_code: str | None = None
    eta: str | None = None


@dataclass(frozen=True)
class Label:
    """A PDF (data) or, for carriers whose label is their own print page, the page's URL."""

    content_type: str
    data: bytes = b""
    url: str | None = None


@dataclass(frozen=True)
class TrackEvent:
    """One status change of one shipment, as a carrier's webhook or tracking answer tells it."""

    carrier_code: str
    state: str | None  # one of SHIPMENT_STATES, or None for a status that moves nothing
    carrier_status: str
    at: datetime | None
    event_key: str  # the same for a replay of the same event
    note: str = ""
    cod_amount: int | None = None
    fee: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


class Carrier:
    code = ""
    settings: tuple[str, ...] = ()

    def configured(self) -> bool:
        raise NotImplementedError

    def quote(self, parcel: Parcel) -> Quote:
        raise NotImplementedError

    def create_shipment(self, parcel: Parcel, client_code: str) -> Booking:
        raise NotImplementedError

    def label(self, carrier_codes: list[str]) -> Label:
        raise NotImplementedError

    def cancel(self, carrier_code: str) -> None:
        raise NotImplementedError

    def track(self, carrier_code: str) -> TrackEvent:
        raise NotImplementedError

    def parse_webhook(self, headers: Mapping[str, str], query: Mapping[str, str], body: bytes) -> list[TrackEvent]:
        """Check the carrier's token and read its events; a wrong token raises InvalidInput(code="bad_token")."""
        raise NotImplementedError


def carrier_from_config(code: str, config: Mapping[str, Any]) -> Carrier | None:
    """The adapter for a carrier the platform has an account with (SHIPPING_CARRIERS + its token), else None."""
    enabled = {c.strip() for c in str(config.get("SHIPPING_CARRIERS") or "").split(",") if c.strip()}
    if code not in enabled:
        return None
    carrier = all_carriers(config).get(code)
    return carrier if carrier is not None and carrier.configured() else None


def all_carriers(config: Mapping[str, Any]) -> dict[str, Carrier]:
    from .ghn import Ghn
    from .ghtk import Ghtk
    from .viettelpost import ViettelPost

    return {"ghn": Ghn.from_config(config), "ghtk": Ghtk.from_config(config),
            "viettelpost": ViettelPost.from_config(config)}


def unreachable(name: str) -> CarrierError:
    return CarrierError(_l("We could not reach %(carrier)s. Please try again in a moment.", carrier=name),
                        code="carrier_unreachable")


def refused(name: str, reason: str) -> CarrierError:
    return CarrierError(_l("%(carrier)s refused: %(reason)s", carrier=name, reason=reason[:200]),
                        code="carrier_refused")
