"""The end-of-live report for sellers: audience, orders, conversion, revenue, per product, orders per minute."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.services import require_org_role
from ..extensions import db
from ..shop.ordering.models import Order
from .models import ChatMessage, LiveOrderLine, LiveProduct, LiveReservation, LiveSession, LiveWaitlist

CONFIRMED = ("confirmed", "packed", "shipped", "delivered")
TAKEN = ("held", "checked_out")
MAX_MINUTES = 600  # a ten-hour live is the longest chart we draw minute by minute
MIN_MINUTES = 15


@dataclass
class ProductLine:
    code: str
    name: str
    reserved: int = 0       # units held or checked out
    confirmed: int = 0      # units in orders that are paid or confirmed by the seller
    released: int = 0       # units cancelled or expired
    waitlisted: int = 0     # units buyers still wait for
    revenue: int = 0


@dataclass
class LiveReport:
    live: LiveSession
    peak_viewers: int | None
    comments: int
    commenters: int
    order_comments: int
    order_lines: int
    buyers: int
    reserved_revenue: int
    confirmed_revenue: int
    checked_out_lines: int
    products: list[ProductLine] = field(default_factory=list)
    minutes: list[int] = field(default_factory=list)      # unix seconds of each minute
    orders_per_minute: list[int] = field(default_factory=list)

    @property
    def audience(self) -> int:
        """Viewers when the viewer count was kept, else the people who commented."""
        return self.peak_viewers if self.peak_viewers else self.commenters

    @property
    def conversion(self) -> float | None:
        """Buyers per viewer (or per commenter), 0..1; None when nobody came."""
        return min(self.buyers / self.audience, 1.0) if self.audience else None

    def chart(self) -> dict[str, Any]:
        return {"x": self.minutes, "y": self.orders_per_minute}


def _confirmed(order: Order) -> bool:
    return order.paid_at is not None or order.status in CONFIRMED


def _minute_series(times: list[datetime], start: datetime | None, end: datetime | None) -> tuple[list[int], list[int]]:
    if not times and start is None:
        return [], []
    first = min([start] + times if start else times).replace(second=0, microsecond=0)
    last = max([end] + times if end else times)
    # At least a quarter of an hour, so one busy minute still reads as a bar on a time line.
    span = min(max(int((last - first).total_seconds() // 60) + 1, MIN_MINUTES), MAX_MINUTES)
    counts = Counter(int((t - first).total_seconds() // 60) for t in times)
    minutes = [int((first + timedelta(minutes=i)).timestamp()) for i in range(span)]
    return minutes, [counts.get(i, 0) for i in range(span)]


def build_report(actor: User | None, live: LiveSession) -> LiveReport:
    """Only the organisation's members see the report."""
    require_org_role(actor, live.organisation, "staff")
    comments, commenters, order_comments = db.session.execute(
        select(func.count(ChatMessage.id), func.count(func.distinct(ChatMessage.user_id)),
               func.coalesce(func.sum(case((ChatMessage.kind == "order", 1), else_=0)), 0))
        .where(ChatMessage.session_id == live.id)).one()
    reservations = db.session.scalars(
        select(LiveReservation).where(LiveReservation.session_id == live.id).order_by(LiveReservation.id)
        .options(selectinload(LiveReservation.message))).all()
    links = {link.reservation_id: link.order for link in db.session.scalars(
        select(LiveOrderLine).join(LiveReservation).where(LiveReservation.session_id == live.id)
        .options(selectinload(LiveOrderLine.order)))}
    products = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)
                                  .order_by(LiveProduct.position, LiveProduct.id)
                                  .options(selectinload(LiveProduct.product))).all()
    lines = {lp.id: ProductLine(lp.live_code, lp.product.name) for lp in products}
    reserved_revenue = confirmed_revenue = checked_out = 0
    buyers: set[int] = set()
    for res in reservations:
        line = lines.get(res.live_product_id)
        amount = res.quantity * res.unit_price
        if res.status in TAKEN:
            buyers.add(res.user_id)
            reserved_revenue += amount
            if line:
                line.reserved += res.quantity
                line.revenue += amount
        elif line:
            line.released += res.quantity
        order = links.get(res.id)
        if res.status == "checked_out":
            checked_out += 1
            if order is not None and _confirmed(order):
                confirmed_revenue += amount
                if line:
                    line.confirmed += res.quantity
    for lp_id, waiting in db.session.execute(
            select(LiveWaitlist.live_product_id, func.sum(LiveWaitlist.quantity))
            .where(LiveWaitlist.session_id == live.id, LiveWaitlist.status == "waiting")
            .group_by(LiveWaitlist.live_product_id)).all():
        if lp_id in lines:
            lines[lp_id].waitlisted = int(waiting)
    # When the comment reached the server (a waitlist line has no comment: when it was served).
    times = [r.message.created_at if r.message is not None else r.created_at for r in reservations]
    minutes, per_minute = _minute_series(times, live.started_at, live.ended_at)
    peak = getattr(live, "peak_viewers", None)
    return LiveReport(live=live, peak_viewers=int(peak) if peak else None, comments=int(comments),
                      commenters=int(commenters), order_comments=int(order_comments), order_lines=len(reservations),
                      buyers=len(buyers), reserved_revenue=reserved_revenue, confirmed_revenue=confirmed_revenue,
                      checked_out_lines=checked_out, products=list(lines.values()), minutes=minutes,
                      orders_per_minute=per_minute)
