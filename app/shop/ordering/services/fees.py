"""Delivery fees: each organisation's flat fee, free from a subtotal (the default until the owner sets one)."""
from __future__ import annotations

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ....accounts.models import Organisation, User
from ....accounts.services import require_org_role
from ....core.money import MAX_VND, format_vnd
from ....errors import InvalidInput
from ....extensions import db
from ..models import DEFAULT_FLAT_FEE, DEFAULT_FREE_ABOVE, ShippingRule

MAX_SHIPPING_FEE = 1_000_000  # a flat delivery fee above a million dong is a typo, not a courier's price


def shipping_rule(organisation_id: int) -> tuple[int, int | None, bool]:
    """(flat fee, free from this subtotal or None, True when the organisation has not set its own rule)."""
    rule = db.session.scalar(select(ShippingRule).where(ShippingRule.organisation_id == organisation_id))
    if rule is None:
        return DEFAULT_FLAT_FEE, DEFAULT_FREE_ABOVE, True
    return rule.flat_fee, rule.free_above, False


def shipping_fee(organisation_id: int, subtotal: int) -> int:
    flat, free_above, _ = shipping_rule(organisation_id)
    if free_above is not None and subtotal >= free_above:
        return 0
    return flat


def set_shipping_rule(actor: User, org: Organisation, flat_fee: int | None, free_above: int | None) -> ShippingRule:
    """The owner sets the organisation's delivery fee: flat, and free from a subtotal (None: never free)."""
    require_org_role(actor, org, "owner")
    if flat_fee is None or isinstance(flat_fee, bool) or not isinstance(flat_fee, int):
        raise InvalidInput(_l("Please enter the delivery fee in dong, digits only."), code="bad_shipping_rule",
                           field="flat_fee")
    if free_above is not None and (isinstance(free_above, bool) or not isinstance(free_above, int)):
        raise InvalidInput(_l("Please enter the amount in dong, digits only, or leave it empty."),
                           code="bad_shipping_rule", field="free_above")
    if flat_fee < 0 or (free_above is not None and free_above < 0):
        raise InvalidInput(_l("Shipping fees cannot be negative."), code="bad_shipping_rule")
    if flat_fee > MAX_SHIPPING_FEE:
        raise InvalidInput(_l("A delivery fee above %(max)s looks like a typo. Please check the number of zeros.",
                              max=format_vnd(MAX_SHIPPING_FEE, str(get_locale() or "vi"))),
                           code="bad_shipping_rule", field="flat_fee")
    if free_above is not None and free_above > MAX_VND:
        raise InvalidInput(_l("That amount is too high. Please check the number of zeros."),
                           code="bad_shipping_rule", field="free_above")
    rule = db.session.scalar(select(ShippingRule).where(ShippingRule.organisation_id == org.id))
    if rule is None:
        rule = ShippingRule(organisation_id=org.id)
        db.session.add(rule)
    rule.flat_fee, rule.free_above = flat_fee, free_above
    db.session.flush()
    return rule
