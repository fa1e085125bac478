"""Read side of ordering: buyer and seller order lists, bank reviews."""
from __future__ import annotations

from sqlalchemy import select

from ...accounts.models import Organisation, User
from ...extensions import db
from .models import ORDER_STATUSES, BankReview, Order


def buyer_orders(user: User) -> list[Order]:
    return list(db.session.scalars(select(Order).where(Order.buyer_id == user.id).order_by(Order.id.desc()).limit(100)))


def organisation_orders(org: Organisation, status: str | None = None) -> list[Order]:
    query = select(Order).where(Order.organisation_id == org.id)
    if status in ORDER_STATUSES:
        query = query.where(Order.status == status)
    return list(db.session.scalars(query.order_by(Order.id.desc()).limit(200)))


def open_bank_reviews(org: Organisation) -> list[BankReview]:
    return list(db.session.scalars(select(BankReview).where(BankReview.organisation_id == org.id,
                                                            BankReview.resolved.is_(False))
                                   .order_by(BankReview.id.desc())))
