"""Flash sales on a live product: a special price for 10–300 seconds with a per-buyer cap, over by its end time."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..accounts.models import User
from ..accounts.services import require_org_role
from ..core.dbtypes import rows_changed, utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from . import buyer_news
from .models import MAX_PRICE, FlashSale, LiveProduct, LiveReservation, LiveSession

MIN_SECONDS, MAX_SECONDS = 10, 300
MAX_CAP = 999


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _live_product(live: LiveSession, code: Any) -> LiveProduct:
    code = code.strip().upper() if isinstance(code, str) else ""
    lp = db.session.scalar(select(LiveProduct).where(LiveProduct.session_id == live.id, LiveProduct.live_code == code))
    if lp is None:
        raise NotFound(_l("%(code)s is not in this live.", code=code or "?"), code="unknown_code")
    return lp


def active_flash_sales(session_id: int, now: datetime) -> dict[int, FlashSale]:
    """{live product id: its running flash sale} — running means starts_at <= now < ends_at, nothing else."""
    rows = db.session.scalars(select(FlashSale).where(FlashSale.session_id == session_id,
                                                      FlashSale.starts_at <= now, FlashSale.ends_at > now))
    return {f.live_product_id: f for f in rows}


def flash_sales_from(session_id: int, now: datetime) -> list[FlashSale]:
    """The live's flash sales not over at `now` (running, or starting later): a batch of comments reads them once."""
    return list(db.session.scalars(select(FlashSale).where(FlashSale.session_id == session_id,
                                                           FlashSale.ends_at > now)))


def start_flash_sale(actor: User | None, live: LiveSession, code: Any, *, price: Any, seconds: Any, per_buyer_cap: Any,
                     now: datetime | None = None) -> FlashSale:
    """Start a flash sale now on one live product of a live that is on air."""
    require_org_role(actor, live.organisation, "staff")
    if live.state != "live":
        raise Conflict(_l("A flash sale can only run while the live is on air."), code="live_not_on_air")
    lp = _live_product(live, code)
    price, seconds, cap = _int(price), _int(seconds), _int(per_buyer_cap)
    if price is None or not 0 < price <= MAX_PRICE:
        raise InvalidInput(_l("Enter the flash price in đồng, more than 0."), code="invalid_price", field="price")
    if seconds is None or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise InvalidInput(_l("A flash sale lasts 10 to 300 seconds."), code="invalid_duration", field="seconds")
    if cap is None or not 1 <= cap <= MAX_CAP:
        raise InvalidInput(_l("The flash limit per buyer must be between 1 and 999."), code="invalid_cap",
                           field="per_buyer_cap")
    now = now or utcnow()
    if lp.id in active_flash_sales(live.id, now):
        raise Conflict(_l("%(code)s already has a flash sale running.", code=lp.live_code), code="flash_active")
    sale = FlashSale(session_id=live.id, live_product_id=lp.id, price=price, per_buyer_cap=cap, starts_at=now,
                     ends_at=now + timedelta(seconds=seconds), created_by_id=actor.id)
    db.session.add(sale)
    db.session.flush()
    sale.live_product = lp
    return sale


def stop_flash_sale(actor: User | None, live: LiveSession, code: Any, now: datetime | None = None) -> FlashSale:
    """End a running flash sale early: its end time becomes now. Its end is announced by this unit of work (marked, so
    no job or comment announces it again), and the buyers holding lines at its price are told."""
    require_org_role(actor, live.organisation, "staff")
    lp = _live_product(live, code)
    now = now or utcnow()
    sale = active_flash_sales(live.id, now).get(lp.id)
    if sale is None:
        raise Conflict(_l("%(code)s has no flash sale running.", code=lp.live_code), code="no_flash_sale")
    sale.ends_at = max(now, sale.starts_at + timedelta(microseconds=1))
    sale.end_announced = True
    db.session.flush()
    buyer_news.flash_sale_ended(sale)
    return sale


def claim_ended(session_id: int | None, now: datetime) -> list[FlashSale]:
    """Flash sales past their end whose end nobody announced yet; marks them, once across processes."""
    stmt = select(FlashSale).where(FlashSale.ends_at <= now, FlashSale.end_announced.is_(False))
    if session_id is not None:
        stmt = stmt.where(FlashSale.session_id == session_id)
    claimed = []
    for sale in db.session.scalars(stmt).all():
        won = db.session.execute(update(FlashSale).where(FlashSale.id == sale.id, FlashSale.end_announced.is_(False))
                                 .values(end_announced=True).execution_options(synchronize_session=False))
        if rows_changed(won) == 1:
            claimed.append(sale)
    return claimed


def end_due(session_id: int | None, now: datetime | None = None) -> list[FlashSale]:
    """Flash sales past their end whose end nobody announced yet (of one live, or of all): claimed once across
    processes, and their buyers told that their lines keep the flash price. The caller announces them."""
    ended = claim_ended(session_id, now or utcnow())
    for sale in ended:
        buyer_news.flash_sale_ended(sale)  # their lines keep the flash price: each buyer hears it once
    return ended


def flash_taken(sale: FlashSale, user_id: int) -> int:
    """Units this buyer holds at this flash sale's price (cancelled lines give their share back)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(LiveReservation.quantity), 0)).where(
        LiveReservation.flash_sale_id == sale.id, LiveReservation.user_id == user_id,
        LiveReservation.status.in_(("held", "checked_out")))))


def payload(sale: FlashSale, now: datetime | None = None) -> dict[str, Any]:
    """What viewers get in flash_sale: the code, the price, the regular price and when it ends."""
    lp = sale.live_product
    now = now or utcnow()
    regular = lp.live_price if lp.live_price is not None else lp.product.min_price
    return {"id": sale.id, "code": lp.live_code, "name": lp.product.name, "price": sale.price,
            "regular_price": regular, "per_buyer_cap": sale.per_buyer_cap, "ends_at": sale.ends_at.isoformat(),
            "seconds_left": max(0, int((sale.ends_at - now).total_seconds() + 0.999))}


def ended_payload(sale: FlashSale) -> dict[str, Any]:
    return {"id": sale.id, "code": sale.live_product.live_code}


def running(session_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The flash sales running now, as payloads (the live page and console render them on load)."""
    now = now or utcnow()
    return [payload(s, now) for s in active_flash_sales(session_id, now).values()]
