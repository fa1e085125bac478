"""The seller's pre-live checklist: a registry of checks run on the console before "Go live"; the host chosen from
the organisation's members (verified ones where the platform verifies sellers); the rules acknowledged.

A feature adds a check for its own rules in its init_app, as selling checks are registered:

    checklist.register_check(app, my_check)   # my_check(live) -> Check

The built-in `papers_ready` asks the shop's product papers (shop/documents.py): products of the categories in
LIVE_FOOD_SAFETY_CATEGORIES need a valid food-safety certificate, and a product showing an OCOP badge its valid OCOP
certificate, so the host has the quality papers in hand before the live (Law 122/2025/QH15, docs/compliance.md §8).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...accounts.models import Membership, User
from ...accounts.selling import require_may_sell
from ...accounts.services import membership, require_org_role
from ...core.dbtypes import utcnow
from ...errors import DomainError, Forbidden, InvalidInput, NotFound
from ...extensions import db
from ...shop.documents import documents_missing
from ..models import LiveProduct, LiveSession
from .rules import current_rules

EXTENSION_KEY = "cholive.prelive_checks"


@dataclass(frozen=True)
class Check:
    key: str
    ok: bool
    label: Any
    hint: Any = None


CheckFn = Callable[[LiveSession], Check]


def register_check(app: Flask, check: CheckFn) -> None:
    checks = app.extensions.setdefault(EXTENSION_KEY, [])
    if check not in checks:
        checks.append(check)


def _may_host(user: User | None, live: LiveSession) -> bool:
    """A member of the organisation who passes the selling checks for going live (seller verification on a
    marketplace; in own-shop mode every member)."""
    if user is None or membership(user, live.organisation) is None:
        return False
    try:
        require_may_sell(live.organisation, "go_live", user)
    except DomainError:
        return False
    return True


def host_chosen(live: LiveSession) -> Check:
    return Check("host_chosen", live.host_user_id is not None, _l("A host is chosen"),
                 _l("Choose who presents the live."))


def host_verified(live: LiveSession) -> Check:
    return Check("host_verified", _may_host(live.host, live), _l("The host is a verified member of the organisation"),
                 _l("The host must be a member of your organisation, verified where the platform verifies sellers."))


def products_ready(live: LiveSession) -> Check:
    lines = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)
                               .options(selectinload(LiveProduct.product))).all()
    ok = bool(lines) and all(lp.allotment > 0 and lp.product.status == "active"
                             and (lp.live_price if lp.live_price is not None else lp.product.min_price) > 0
                             for lp in lines)
    return Check("products_ready", ok, _l("Products are added, with a price and stock"),
                 _l("Add at least one product; each needs a price and a quantity for the live."))


def papers_missing(live: LiveSession) -> list[str]:
    """The codes of the live's products that lack a paper they need on the day of the live."""
    food_categories = set(current_app.config.get("LIVE_FOOD_SAFETY_CATEGORIES", ())) if has_app_context() else set()
    day = max(live.scheduled_at, utcnow()).date()
    lines = db.session.scalars(select(LiveProduct).where(LiveProduct.session_id == live.id)
                               .options(selectinload(LiveProduct.product)).order_by(LiveProduct.id)).all()
    missing = []
    for lp in lines:
        required = (["food_safety"] if lp.product.category in food_categories else []) + \
            (["ocop"] if lp.product.ocop_stars else [])
        if required and documents_missing(lp.product, required, on=day):
            missing.append(lp.live_code)
    return missing


def papers_ready(live: LiveSession) -> Check:
    missing = papers_missing(live)
    return Check("papers_ready", not missing, _l("Products that need papers have them"),
                 _l("Upload the food-safety or OCOP certificate on the product's page for: %(codes)s.",
                    codes=", ".join(missing)) if missing else None)


def rules_acknowledged(live: LiveSession) -> Check:
    return Check("rules_acknowledged", live.rules_version_ack == current_rules().version,
                 _l("The livestream rules are read and acknowledged"), _l("Read the rules and tick the box."))


BUILT_IN: tuple[CheckFn, ...] = (host_chosen, host_verified, products_ready, papers_ready, rules_acknowledged)


def run_checks(live: LiveSession) -> list[Check]:
    extra = list(current_app.extensions.get(EXTENSION_KEY, ())) if has_app_context() else []
    return [check(live) for check in (*BUILT_IN, *extra)]


def require_ready(live: LiveSession) -> None:
    """Refuse to go on air while a check fails (only when LIVE_CHECKLIST_ENFORCED is on; see docs/compliance.md)."""
    failing = [c for c in run_checks(live) if not c.ok]
    if failing:
        raise InvalidInput(_l("Finish the pre-live checklist first: %(items)s.",
                              items="; ".join(str(c.label) for c in failing)),
                           code="checklist_incomplete", failing=[c.key for c in failing])


# Writing ----------------------------------------------------------------------------------------------------------

def host_candidates(live: LiveSession) -> list[tuple[User, bool]]:
    """The organisation's members, each with whether they may host (verified where verification applies)."""
    members = db.session.scalars(select(Membership).where(Membership.organisation_id == live.organisation_id)
                                 .options(selectinload(Membership.user)).order_by(Membership.id)).all()
    return [(m.user, _may_host(m.user, live)) for m in members]


def choose_host(actor: User | None, live: LiveSession, user_id: Any) -> LiveSession:
    require_org_role(actor, live.organisation, "staff")
    if live.state == "ended":
        raise InvalidInput(_l("This live has ended."), code="live_ended")
    number = int(user_id) if isinstance(user_id, str) and user_id.isdigit() and len(user_id) < 10 else user_id
    host = (db.session.get(User, number) if isinstance(number, int) and not isinstance(number, bool)
            and 0 < number < 2**31 else None)
    if host is None or membership(host, live.organisation) is None:
        # Someone outside the organisation is "not found" here: the list only ever offers its members.
        raise NotFound(_l("Choose the host among your organisation's members."), code="unknown_member")
    if not _may_host(host, live):
        raise Forbidden(_l("This member cannot host yet: the organisation must be verified first."),
                        code="host_not_verified")
    live.host_user_id = host.id
    db.session.flush()
    return live


def acknowledge_rules(actor: User | None, live: LiveSession, now: datetime | None = None) -> LiveSession:
    require_org_role(actor, live.organisation, "staff")
    live.rules_version_ack, live.rules_ack_at = current_rules().version, now or utcnow()
    db.session.flush()
    return live
