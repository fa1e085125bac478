"""Lives and what is on them: schedule, add products, go on air, end; who may watch a live, who runs its console."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...accounts.models import Organisation, User
from ...accounts.selling import require_may_sell
from ...accounts.services import is_member, require_org_role
from ...core.dbtypes import utcnow
from ...errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, NotSignedIn
from ...extensions import db
from ...shop import inventory
from ...shop.models import Product
from ...shop.services import check_price, normalise_code
from .. import signals as live_signals
from ..models import LiveProduct, LiveSession

MAX_TITLE = 160
MAX_URL = 500
MAX_PER_BUYER = 999


class LiveNotOnAir(DomainError):
    status = 409
    code = "live_not_on_air"
    default_message = _l("This live has not started yet, so orders cannot be taken now.")


def get_session(session_id: Any) -> LiveSession:
    if isinstance(session_id, bool) or not isinstance(session_id, (int, str)) or not str(session_id).isdigit():
        raise NotFound(_l("We could not find that live."), code="unknown_live")
    live = db.session.get(LiveSession, int(session_id)) if int(session_id) < 2**31 else None
    if live is None:
        raise NotFound(_l("We could not find that live."), code="unknown_live")
    return live


def _clean_stream_url(url: str | None) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    if len(url) > MAX_URL or not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
        raise InvalidInput(_l("Enter the stream link starting with https://, for example a YouTube link."),
                           code="invalid_url", field="external_stream_url")
    return url


def schedule_live(actor: User | None, org: Organisation, *, title: str | None, scheduled_at: datetime | None,
                  description: str | None = None, external_stream_url: str | None = None,
                  slow_mode_seconds: int = 0) -> LiveSession:
    """A new live in the scheduled state; only the organisation's members may schedule it."""
    member = require_org_role(actor, org, "staff")
    title = " ".join((title or "").split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(_l("Please give the live a title (up to 160 characters)."), code="invalid_title",
                           field="title")
    if not isinstance(scheduled_at, datetime):
        raise InvalidInput(_l("Please choose when the live starts."), code="invalid_time", field="scheduled_at")
    if isinstance(slow_mode_seconds, bool) or not isinstance(slow_mode_seconds, int) or not 0 <= slow_mode_seconds <= 3600:
        raise InvalidInput(_l("Slow mode must be between 0 and 3600 seconds."), code="invalid_slow_mode")
    live = LiveSession(organisation=org, organisation_id=org.id, title=title,
                       description=(description or "").strip() or None, scheduled_at=scheduled_at,
                       external_stream_url=_clean_stream_url(external_stream_url),
                       slow_mode_seconds=slow_mode_seconds, created_by_id=member.user_id, state="scheduled")
    db.session.add(live)
    db.session.flush()
    live_signals.live_state(live, actor)
    return live


def add_live_product(actor: User | None, live: LiveSession, product: Product, *, live_code: str | None = None,
                     live_price: int | None = None, per_buyer_limit: int | None = None,
                     allotment: int | None = None) -> LiveProduct:
    """Put one of the organisation's products on the live; the allotment defaults to what is in stock now."""
    require_org_role(actor, live.organisation, "staff")
    if product.organisation_id != live.organisation_id:
        raise Forbidden(_l("That product belongs to another organisation."), code="foreign_product")
    if live.state == "ended":
        raise LiveNotOnAir(_l("This live has ended."))
    code = normalise_code(live_code if live_code is not None else product.code)
    live_price = check_price(live_price, field="live_price", allow_none=True)
    if per_buyer_limit is not None and (isinstance(per_buyer_limit, bool) or not isinstance(per_buyer_limit, int)
                                        or not 1 <= per_buyer_limit <= MAX_PER_BUYER):
        raise InvalidInput(_l("The limit per buyer must be between 1 and 999."), code="invalid_limit",
                           field="per_buyer_limit")
    if allotment is None:
        allotment = product.available
    if isinstance(allotment, bool) or not isinstance(allotment, int) or not 0 <= allotment <= inventory.MAX_QTY:
        raise InvalidInput(_l("The quantity for the live must be a whole number, zero or more."),
                           code="invalid_quantity", field="allotment")
    taken = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)).all()
    if any(lp.live_code == code for lp in taken):
        raise Conflict(_l("The code %(code)s is already used in this live.", code=code), code="code_taken")
    if any(lp.product_id == product.id for lp in taken):
        raise Conflict(_l("This product is already on the live."), code="product_taken")
    lp = LiveProduct(session=live, product=product, live_code=code, live_price=live_price,
                     per_buyer_limit=per_buyer_limit, allotment=allotment, position=len(taken))
    db.session.add(lp)
    db.session.flush()
    return lp


def start_live(actor: User | None, live: LiveSession, now: datetime | None = None) -> LiveSession:
    require_org_role(actor, live.organisation, "staff")
    if live.state != "scheduled":
        raise Conflict(_l("Only a scheduled live can go on air."), code="invalid_state")
    require_may_sell(live.organisation, "go_live", actor)  # every way on air passes here: console, RTMP, API
    if current_app.config.get("LIVE_CHECKLIST_ENFORCED") and not live.is_practice:
        from ..trust.checklist import require_ready

        require_ready(live)
    live.state, live.started_at = "live", now or utcnow()
    db.session.flush()
    live_signals.live_state(live, actor)
    from ..follows import notify_followers

    notify_followers(live)  # same unit of work: on air and followers told, or neither
    return live


def end_live(actor: User | None, live: LiveSession, now: datetime | None = None) -> LiveSession:
    require_org_role(actor, live.organisation, "staff")
    if live.state == "ended":
        raise Conflict(_l("This live has already ended."), code="invalid_state")
    live.state, live.ended_at = "ended", now or utcnow()
    db.session.flush()
    live_signals.live_state(live, actor)
    return live


# Who may do what ------------------------------------------------------------------------------------------

def open_console(actor: User | None, live: LiveSession) -> LiveSession:
    """The seller console is for the organisation's members only."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    require_org_role(actor, live.organisation, "staff")
    return live


def is_seller(actor: User | None, live: LiveSession) -> bool:
    """A member of the live's organisation (require_org_role's "staff"), without loading the organisation."""
    return is_member(actor, live.organisation_id)


def require_viewer(actor: User | None, live: LiveSession) -> LiveSession:
    """Anyone may open a live, except a practice live: the trainee who ran it, its organisation's members and
    trainers only (404 to others, so a private rehearsal is not even confirmed to exist)."""
    if live.is_practice and not (is_seller(actor, live) or getattr(actor, "is_trainer", False)
                                 or getattr(actor, "is_admin", False)
                                 or ((actor_id := getattr(actor, "id", None)) is not None
                                     and actor_id == live.created_by_id)):
        raise NotFound(_l("We could not find that live."), code="unknown_live")
    return live
