"""Practical-task checkers: read-only questions to the platform's data ("has this trainee really done it?")."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.models import Membership
from ..extensions import db
from ..shop.models import Photo, Product
from ..shop.ordering.models import Order, PaymentEvent
from .practice.models import PracticeRun, PracticeSandbox

# Orders that really happened: placed (COD) or paid, and not undone.
REAL_ORDER_STATUSES = ("placed", "confirmed", "packed", "shipped", "delivered")


@dataclass(frozen=True)
class CheckResult:
    done: bool
    evidence_url: str | None
    detail: str


def _url(endpoint: str, **values: Any) -> str:
    """A site path without needing a request (checks also run from jobs and the CLI)."""
    return current_app.url_map.bind("").build(endpoint, values)


def _positive(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a whole number above zero, got {value!r}")
    return value


def _real_orgs(user_id: int):
    """The organisations the user belongs to, never a practice sandbox."""
    return (select(Membership.organisation_id).where(Membership.user_id == user_id)
            .where(Membership.organisation_id.not_in(select(PracticeSandbox.organisation_id))))


def check_product_with_photos(user_id: int, *, min_photos: int = 3, **_ignored: Any) -> CheckResult:
    """An active product with a price and at least `min_photos` photos, in one of the user's organisations."""
    min_photos = _positive(min_photos, 3)
    photos = (select(Photo.product_id, func.count(Photo.id).label("n")).group_by(Photo.product_id).subquery())
    row = db.session.execute(
        select(Product.id, Product.slug, Product.name, photos.c.n).join(photos, photos.c.product_id == Product.id)
        .where(Product.organisation_id.in_(_real_orgs(user_id)), Product.status == "active", Product.price > 0,
               photos.c.n >= min_photos)
        .order_by(Product.id).limit(1)).first()
    if row is None:
        return CheckResult(False, None, _("No published product with a price and %(n)s photos yet.", n=min_photos))
    return CheckResult(True, _url("shop.product", product_id=row.id, slug=row.slug),
                       _("%(name)s is published with %(n)s photos.", name=row.name, n=row.n))


def check_practice_orders(user_id: int, *, min_orders: int = 5, **_ignored: Any) -> CheckResult:
    """A finished practice live in which at least `min_orders` buyers ended up with exactly what they ordered."""
    min_orders = _positive(min_orders, 5)
    run = db.session.scalar(
        select(PracticeRun).where(PracticeRun.user_id == user_id, PracticeRun.status == "finished",
                                  PracticeRun.orders_correct >= min_orders)
        .order_by(PracticeRun.orders_correct.desc(), PracticeRun.id).limit(1))
    if run is None:
        best = db.session.scalar(select(func.max(PracticeRun.orders_correct)).where(
            PracticeRun.user_id == user_id, PracticeRun.status == "finished"))
        return CheckResult(False, None, _("Best practice live so far: %(a)s of the %(b)s orders needed.",
                                          a=best or 0, b=min_orders))
    return CheckResult(True, _url("training.practice_run", run_id=run.id),
                       _("%(a)s of %(b)s orders closed correctly in a practice live.", a=run.orders_correct,
                         b=run.orders_expected))


def check_first_real_order(user_id: int, **_ignored: Any) -> CheckResult:
    """One of the user's organisations received a real order: placed (cash on delivery) or paid, not cancelled."""
    order = db.session.scalar(
        select(Order).where(Order.organisation_id.in_(_real_orgs(user_id)),
                            (Order.status.in_(REAL_ORDER_STATUSES)) | (Order.paid_at.is_not(None)),
                            Order.status.not_in(("cancelled", "refunded")))
        .order_by(Order.created_at, Order.id).limit(1))
    if order is None:
        return CheckResult(False, None, _("No real order received yet."))
    return CheckResult(True, _url("shop.ordering_manage_order", org_slug=order.organisation.slug,
                                  number=order.number),
                       _("Order %(number)s received.", number=order.number))


def check_vietqr_matched(user_id: int, **_ignored: Any) -> CheckResult:
    """A bank transfer that confirmed one of the organisation's orders by itself (the VietQR content matched)."""
    row = db.session.execute(
        select(Order).join(PaymentEvent, PaymentEvent.order_id == Order.id)
        .where(PaymentEvent.provider == "bank", PaymentEvent.outcome == "paid",
               Order.organisation_id.in_(_real_orgs(user_id)))
        .order_by(PaymentEvent.id).limit(1)).scalars().first()
    if row is None:
        return CheckResult(False, None, _("No bank transfer matched to an order yet."))
    return CheckResult(True, _url("shop.ordering_manage_order", org_slug=row.organisation.slug, number=row.number),
                       _("The transfer for order %(number)s was matched automatically.", number=row.number))


CHECKS: dict[str, Callable[..., CheckResult]] = {
    "product_with_photos": check_product_with_photos,
    "practice_orders": check_practice_orders,
    "first_real_order": check_first_real_order,
    "vietqr_matched": check_vietqr_matched,
}
