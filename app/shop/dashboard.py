"""Read side of the seller dashboard: today's orders, money in and expected, low stock, best sellers, a 30-day chart."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..accounts.models import Organisation
from ..core.dbtypes import utcnow
from ..extensions import db
from .models import Product, Variant
from .ordering.models import BankReview, Order, OrderLine
from .ordering.queries import open_bank_reviews

DAYS = 30
LOW_STOCK = 5          # an active option with this many units or fewer left is worth restocking
BEST_SELLERS = 5
CLOSED = ("cancelled", "refunded", "returned")
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass
class BestSeller:
    product_id: int
    name: str
    units: int
    amount: int


@dataclass
class Dashboard:
    """Everything the seller's first page shows; money in whole dong, days in the seller's time zone."""

    today: date
    today_orders: list[Order]
    to_confirm: int
    paid_revenue: int           # paid orders of the last DAYS days that were not refunded
    pending_revenue: int        # open orders not paid yet: cash the couriers will bring, transfers awaited
    pending_orders: int
    low_stock: list[Variant]
    best_sellers: list[BestSeller]
    days: list[date]            # the last DAYS days, oldest first, today last
    orders_per_day: list[int]
    reviews: list[BankReview]

    @property
    def today_total(self) -> int:
        return sum(o.total for o in self.today_orders if o.status not in CLOSED)

    def day_counts(self) -> list[tuple[date, int]]:
        return list(zip(self.days, self.orders_per_day, strict=True))

    def chart(self) -> dict:
        """What the orders-per-day chart is drawn from (JSON for a data attribute)."""
        return {"labels": [d.strftime("%d/%m") for d in self.days], "orders": self.orders_per_day}


def _local_midnight_utc(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def orders_per_day(org: Organisation, days: list[date], tz: tzinfo) -> list[int]:
    """How many orders were placed each day (cancelled ones included: they were orders that day)."""
    start = _local_midnight_utc(days[0], tz)
    counts = dict.fromkeys(days, 0)
    for created in db.session.scalars(select(Order.created_at).where(Order.organisation_id == org.id,
                                                                       Order.created_at >= start)):
        day = created.astimezone(tz).date()
        if day in counts:
            counts[day] += 1
    return [counts[d] for d in days]


def low_stock(org: Organisation, threshold: int = LOW_STOCK, limit: int = 10) -> list[Variant]:
    """Options on sale that are running out, emptiest first."""
    return list(db.session.scalars(
        select(Variant).join(Product, Product.id == Variant.product_id)
        .where(Product.organisation_id == org.id, Product.status == "active", Variant.is_active.is_(True),
               Variant.available <= threshold)
        .options(joinedload(Variant.product))
        .order_by(Variant.available, Product.name, Variant.position).limit(limit)))


def best_sellers(org: Organisation, since: datetime, limit: int = BEST_SELLERS) -> list[BestSeller]:
    """Products by units ordered since `since`, leaving out cancelled and refunded orders."""
    units = func.sum(OrderLine.quantity)
    rows = db.session.execute(
        select(Product.id, Product.name, units, func.sum(OrderLine.quantity * OrderLine.unit_price))
        .select_from(OrderLine)
        .join(Order, Order.id == OrderLine.order_id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(Order.organisation_id == org.id, Order.created_at >= since, Order.status.not_in(CLOSED))
        .group_by(Product.id, Product.name)
        .order_by(units.desc(), Product.name).limit(limit))
    return [BestSeller(pid, name, int(qty), int(amount)) for pid, name, qty, amount in rows]


def seller_dashboard(org: Organisation, *, now: datetime | None = None, tz: tzinfo = VIETNAM) -> Dashboard:
    """The dashboard of one organisation. The caller has checked that the viewer is a member."""
    now = now or utcnow()
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=DAYS - 1 - i) for i in range(DAYS)]
    window_start = _local_midnight_utc(days[0], tz)
    mine = Order.organisation_id == org.id
    today_orders = list(db.session.scalars(
        select(Order).where(mine, Order.created_at >= _local_midnight_utc(today, tz)).order_by(Order.id.desc())))
    paid = db.session.scalar(select(func.coalesce(func.sum(Order.total), 0)).where(
        mine, Order.paid_at.is_not(None), Order.paid_at >= window_start, Order.status != "refunded"))
    pending_count, pending = db.session.execute(select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
                                                .where(mine, Order.paid_at.is_(None), Order.status.not_in(CLOSED))).one()
    to_confirm = db.session.scalar(select(func.count(Order.id)).where(mine, Order.status == "placed"))
    return Dashboard(today=today, today_orders=today_orders, to_confirm=int(to_confirm or 0),
                     paid_revenue=int(paid or 0), pending_revenue=int(pending or 0),
                     pending_orders=int(pending_count or 0), low_stock=low_stock(org),
                     best_sellers=best_sellers(org, window_start), days=days,
                     orders_per_day=orders_per_day(org, days, tz), reviews=open_bank_reviews(org))
