"""Message templates: the Vietnamese (and English) text of each event, its Zalo ZNS parameters and its channels.

A message stores its template key and plain params; the text is drawn when it is sent (or previewed), in the
recipient's language. Zalo only delivers ZNS templates approved in advance for the OA, so each template names the
ZNS parameters it fills (`zns`), and ZALO_ZNS_TEMPLATES maps the key to the approved template id.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from ..core.money import format_vnd

ALL_CHANNELS = ("zalo", "sms", "push", "inapp")
NO_PAID_CHANNELS = ("push", "inapp")  # news rather than a transaction: ZNS and SMS are for buyers' orders only


def _money(params: dict[str, Any], locale: str) -> str:
    try:
        return format_vnd(int(params.get("total") or 0), locale)
    except (TypeError, ValueError):
        return ""


def _time(value: Any) -> str:
    try:
        return format_datetime(datetime.fromisoformat(str(value)), "HH:mm dd/MM")
    except (TypeError, ValueError):
        return ""


def _day(value: Any) -> str:
    try:
        return datetime.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return ""


@dataclass(frozen=True)
class Template:
    key: str
    title: Callable[[dict[str, Any]], str]
    body: Callable[[dict[str, Any], str], str]
    channels: tuple[str, ...] = ALL_CHANNELS
    # ZNS template_data: parameter name → value (each at most 30 characters for codes and names, 200 for text).
    zns: Callable[[dict[str, Any], str], dict[str, str]] = lambda params, locale: {}
    sample: dict[str, Any] = field(default_factory=dict)


def _order_zns(params: dict[str, Any], locale: str) -> dict[str, str]:
    return {"order_code": str(params.get("number", ""))[:30], "shop_name": str(params.get("org", ""))[:30],
            "customer_name": str(params.get("buyer_name", ""))[:30], "total": _money(params, locale)[:20],
            "status": str(params.get("status_text", ""))[:30]}


_ORDER_SAMPLE = {"number": "CL7K3P9Q", "org": "HTX Bưởi Diễn Đan Phượng", "buyer_name": "Nguyễn Thị Lan",
                 "total": 215000, "carrier": "GHN", "tracking": "GHN5FQ7X2L"}

TEMPLATES: dict[str, Template] = {t.key: t for t in (
    Template("order_placed", lambda p: _("Order %(number)s placed", number=p.get("number", "")),
             lambda p, loc: _("Your order %(number)s at %(org)s has been placed. Total: %(total)s. We will tell you "
                              "when the seller confirms it.", number=p.get("number", ""), org=p.get("org", ""),
                              total=_money(p, loc)),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("order_confirmed", lambda p: _("Order %(number)s confirmed", number=p.get("number", "")),
             lambda p, loc: _("%(org)s has confirmed your order %(number)s and is packing it.",
                              org=p.get("org", ""), number=p.get("number", "")),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("order_shipped", lambda p: _("Order %(number)s is on its way", number=p.get("number", "")),
             lambda p, loc: (_("Your order %(number)s has left with %(carrier)s, tracking code %(tracking)s.",
                               number=p.get("number", ""), carrier=p.get("carrier"), tracking=p.get("tracking"))
                             if p.get("tracking") else
                             _("Your order %(number)s from %(org)s is on its way.", number=p.get("number", ""),
                               org=p.get("org", ""))),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("order_delivered", lambda p: _("Order %(number)s delivered", number=p.get("number", "")),
             lambda p, loc: _("Your order %(number)s has been delivered. Thank you for buying from %(org)s!",
                              number=p.get("number", ""), org=p.get("org", "")),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("order_paid", lambda p: _("Payment received for %(number)s", number=p.get("number", "")),
             lambda p, loc: _("We have received %(total)s for your order %(number)s.", total=_money(p, loc),
                              number=p.get("number", "")),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("order_cancelled", lambda p: _("Order %(number)s cancelled", number=p.get("number", "")),
             lambda p, loc: _("Your order %(number)s from %(org)s has been cancelled.", number=p.get("number", ""),
                              org=p.get("org", "")),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("order_returned", lambda p: _("Order %(number)s returned", number=p.get("number", "")),
             lambda p, loc: _("Your order %(number)s could not be delivered and went back to %(org)s.",
                              number=p.get("number", ""), org=p.get("org", "")),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("order_expired", lambda p: _("Order %(number)s cancelled", number=p.get("number", "")),
             lambda p, loc: _("Your order %(number)s from %(org)s was cancelled: the seller did not confirm it in "
                              "time.", number=p.get("number", ""), org=p.get("org", "")),
             zns=_order_zns, sample=_ORDER_SAMPLE),
    Template("hold_expiring", lambda p: _("Your live order is waiting"),
             lambda p, loc: _("Your live order from %(title)s is held until %(time)s. Check out before then.",
                              title=p.get("title", ""), time=_time(p.get("hold_until"))),
             channels=NO_PAID_CHANNELS,
             sample={"title": "Bưởi Diễn đầu mùa", "hold_until": "2026-12-06T13:30:00+00:00", "session_id": 1}),
    Template("waitlist_served", lambda p: _("Good news from the live"),
             lambda p, loc: _("Good news: %(quantity)s × %(name)s freed up and is now held for you. Check out from "
                              "your live cart.", quantity=p.get("quantity", 1), name=p.get("name", "")),
             channels=NO_PAID_CHANNELS, sample={"quantity": 2, "name": "Bưởi Diễn loại 1"}),
    Template("certificate_expiring", lambda p: _("An OCOP certificate expires soon"),
             lambda p, loc: _("The OCOP certificate of %(product)s expires on %(date)s: renew it, or the OCOP badge "
                              "comes off.", product=p.get("product", ""), date=_day(p.get("expires_on"))),
             channels=NO_PAID_CHANNELS, sample={"product": "Bưởi Diễn", "expires_on": "2027-02-01", "product_id": 1}),
    Template("live_started", lambda p: _("%(org)s is live", org=p.get("org", "")),
             lambda p, loc: _("%(org)s is live now: %(title)s", org=p.get("org", ""), title=p.get("title", "")),
             channels=NO_PAID_CHANNELS, sample={"org": "HTX Bưởi Diễn", "title": "Bưởi Diễn đầu mùa"}),
)}


def template_for(key: str) -> Template | None:
    """The template of `key`; a kind the bell already knows but that has no template here yet (one routed from
    accounts.notifications) goes to the bell only, its text drawn by the bell as before."""
    from ..accounts.models import NOTIFICATION_KINDS

    if key in TEMPLATES:
        return TEMPLATES[key]
    if key in NOTIFICATION_KINDS:
        return Template(key, lambda p: "", lambda p, loc: "", channels=("inapp",))
    return None


@dataclass(frozen=True)
class Rendered:
    """A message drawn in one language for every channel."""

    title: str
    body: str
    sms: str  # without diacritics: a plain-letter brand-name SMS is one part and costs least
    zns: dict[str, str]


def plain_letters(text: str) -> str:
    """'Đơn hàng đã giao' → 'Don hang da giao' (case kept; SMS without Unicode)."""
    text = text.replace("Đ", "D").replace("đ", "d").replace("₫", "d").replace("\u00a0", " ").replace("\u202f", " ")
    stripped = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return stripped.encode("ascii", "ignore").decode("ascii")  # a GSM-7 SMS: anything else would make it Unicode


def render(template_key: str, params: dict[str, Any], locale: str = "vi") -> Rendered:
    template = template_for(template_key)
    locale = locale if locale in ("vi", "en") else "vi"
    with force_locale(locale):
        title, body = template.title(params), template.body(params, locale)
        zns = template.zns(params, locale)
    return Rendered(title=title, body=body, sms=plain_letters(f"Cho Live: {body}")[:320], zns=zns)
