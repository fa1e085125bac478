"""Orders found by number for the buyer or the seller who may see them, and the seller's actions on them."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ....accounts.models import Organisation, User
from ....accounts.services import require_org_role
from ....errors import Forbidden, InvalidInput, NotFound
from ....extensions import db
from ...payments.bank_notifications import normalize_order_number
from ..models import BankReview, Order
from .payments import expire_unpaid, mark_paid
from .transitions import SELLER_TARGETS, transition


def find_order(number: str | None) -> Order | None:
    normal = normalize_order_number(number)
    return db.session.scalar(select(Order).where(Order.number == normal)) if normal else None


def order_for_buyer(user: User | None, number: str, now: datetime | None = None) -> Order:
    order = find_order(number)
    if order is None or user is None or order.buyer_id != user.id:
        raise NotFound(_l("We could not find that order."), code="no_such_order")
    expire_unpaid(now, order)
    return order


def order_for_seller(user: User | None, org: Organisation, number: str, now: datetime | None = None) -> Order:
    require_org_role(user, org, "staff")
    order = find_order(number)
    if order is None or order.organisation_id != org.id:
        raise NotFound(_l("We could not find that order."), code="no_such_order")
    expire_unpaid(now, order)
    return order


def seller_transition(actor: User, org: Organisation, number: str, to_status: str, note: str | None = None) -> Order:
    order = order_for_seller(actor, org, number)
    if to_status not in SELLER_TARGETS:
        raise Forbidden()
    transition(order, to_status, actor, note)
    return order


def bulk_confirm(actor: User, org: Organisation, numbers: list[str]) -> int:
    require_org_role(actor, org, "staff")
    done = 0
    for number in numbers:
        order = order_for_seller(actor, org, number)
        if order.status == "placed":
            transition(order, "confirmed", actor)
            done += 1
    return done


def seller_mark_paid(actor: User, org: Organisation, number: str) -> Order:
    """Cash or a transfer the seller received by hand."""
    order = order_for_seller(actor, org, number)
    if not mark_paid(order, "manual", None, order.total, actor):
        raise InvalidInput(_l("This order is already paid or closed."), code="not_payable")
    return order


def resolve_review(actor: User, org: Organisation, review_id: int) -> BankReview:
    require_org_role(actor, org, "staff")
    review = db.session.get(BankReview, review_id)
    if review is None or review.organisation_id != org.id:
        raise NotFound()
    review.resolved = True
    db.session.flush()
    return review
