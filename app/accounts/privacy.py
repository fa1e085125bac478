"""A person's data rights: consents, "my data" (every record we hold, for download) and deleting the account.

Each feature registers an exporter, an eraser and (if it has one) a blocker for its own tables, as
`accounts.selling` takes checks, so "my data" and "delete my account" cover every table without accounts
importing the features (DESIGN.md):

    privacy.register(app, "shop", exporter=export_orders, eraser=erase_orders, blocker=open_orders)

    exporter(user) -> {section: [row dict, ...]}   plain values only (str, int, bool, None, ISO times)
    eraser(user)                                   erase or de-identify the user's personal fields; flush, no commit
    blocker(user) -> message | None                why the account cannot be deleted now (an order on its way)

Everything runs in the caller's unit of work (one commit). Accounts' own tables (profile, consents, the bell,
sign-in sessions and tokens) are handled here.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash

from ..core import rules
from ..core.dbtypes import utcnow
from ..errors import Conflict, InvalidInput
from ..extensions import db
from . import notifications
from .models import CONSENT_PURPOSES, ApiToken, Consent, LoginSession, Membership, Notification, User

EXTENSION_KEY = "cholive.privacy"
DEFAULT_POLICY_VERSION = "2026-01-01"
# The sections of an export, in the order a person reads them; registered features add theirs after these.
SECTIONS = ("profile", "consents", "addresses", "orders", "comments", "notifications")

Exporter = Callable[[User], dict[str, list[dict[str, Any]]]]
Eraser = Callable[[User], None]
Blocker = Callable[[User], "str | None"]


@dataclass(frozen=True)
class Handler:
    name: str
    exporter: Exporter | None
    eraser: Eraser | None
    blocker: Blocker | None


def register(app: Flask, name: str, *, exporter: Exporter | None = None, eraser: Eraser | None = None,
             blocker: Blocker | None = None) -> None:
    handlers: dict[str, Handler] = app.extensions.setdefault(EXTENSION_KEY, {})
    handlers[name] = Handler(name, exporter, eraser, blocker)


def _handlers() -> list[Handler]:
    return list(current_app.extensions.get(EXTENSION_KEY, {}).values()) if has_app_context() else []


def plain(value: Any) -> Any:
    """A value as an export carries it: times and dates in ISO form, everything else as is."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


# Consents ---------------------------------------------------------------------------------------------------

def policy_version(on: datetime | date | None = None) -> str:
    """The version of the privacy notice in force (a dated compliance setting, docs/compliance.md)."""
    return rules.rule("privacy_policy_version", on, None) or str(
        current_app.config.get("PRIVACY_POLICY_VERSION") or DEFAULT_POLICY_VERSION)


def record_consent(user: User, purpose: str, granted: bool, source: str, now: datetime | None = None) -> Consent:
    """Add one express choice with the policy version shown; the newest row of a purpose is in force."""
    if purpose not in CONSENT_PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    now = now or utcnow()
    consent = Consent(user_id=user.id, purpose=purpose, granted=bool(granted), policy_version=policy_version(now),
                      source=source, created_at=now)
    db.session.add(consent)
    db.session.flush()
    return consent


def require_consent(given: Any) -> None:
    """Refuse a required consent left unticked: silence is not consent. Nothing is written."""
    if given is not True:
        raise InvalidInput(_l("Please tick the box to agree to how we use your personal data; without it we cannot "
                              "go on."), code="consent_required", field="consent")


def checkout_consent(user: User | None, given: Any) -> str:
    """The consent a checkout asks for (name, phone and address to the seller and carrier): refused when not
    given; recorded for a signed-in buyer the first time under each policy version. Returns that version, which
    every order of the checkout keeps."""
    require_consent(given)
    version = policy_version()
    if user is not None and getattr(user, "id", None):
        current = consent_state(user)["order_delivery"]
        if current is None or not current.granted or current.policy_version != version:
            record_consent(user, "order_delivery", True, "checkout")
    return version


def optional_checkout_consent(user: User | None, given: bool | None) -> str | None:
    """The API's checkout: `privacy_consent: true` records it as the pages do, `false` is refused; a client that
    does not send the field (written before it existed) gets no consent recorded on its orders (None)."""
    if given is None:
        return None
    return checkout_consent(user, given)


def consent_state(user: User) -> dict[str, Consent | None]:
    """Per purpose, the choice in force (None: never asked)."""
    rows = db.session.scalars(select(Consent).where(Consent.user_id == user.id).order_by(Consent.id)).all()
    state: dict[str, Consent | None] = dict.fromkeys(CONSENT_PURPOSES)
    for row in rows:
        state[row.purpose] = row
    return state


def has_marketing_consent(user: User) -> bool:
    current = consent_state(user)["marketing"]
    return bool(current and current.granted)


def set_marketing_consent(user: User, granted: bool, source: str = "account") -> Consent | None:
    """Give or withdraw the optional consent to news and offers; nothing is written when it does not change."""
    if has_marketing_consent(user) == bool(granted):
        return None
    return record_consent(user, "marketing", granted, source)


# My data ---------------------------------------------------------------------------------------------------

def _own_sections(user: User) -> dict[str, list[dict[str, Any]]]:
    profile = {"id": user.id, "name": user.name, "phone": user.phone, "email": user.email, "locale": user.locale,
               "province_code": user.province_code, "commune_code": user.commune_code, "street": user.street,
               "created_at": plain(user.created_at)}
    consents = [{"purpose": c.purpose, "granted": c.granted, "policy_version": c.policy_version,
                 "source": c.source, "created_at": plain(c.created_at)}
                for c in db.session.scalars(select(Consent).where(Consent.user_id == user.id).order_by(Consent.id))]
    notes = [{"id": n.id, "kind": n.kind, "text": notifications.text_of(n), "data": json.loads(n.data or "{}"),
              "link": n.link, "read_at": plain(n.read_at), "created_at": plain(n.created_at)}
             for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                         .order_by(Notification.id))]
    return {"profile": [profile], "consents": consents, "notifications": notes}


def export_user_data(user: User) -> dict[str, list[dict[str, Any]]]:
    """Everything held about `user`, by section (each a list of rows of plain values); every section is present."""
    data: dict[str, list[dict[str, Any]]] = {name: [] for name in SECTIONS}
    data.update(_own_sections(user))
    for handler in _handlers():
        if handler.exporter is None:
            continue
        for section, rows in handler.exporter(user).items():
            data.setdefault(section, []).extend(rows)
    return data


def export_csv_files(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[list[Any]]]:
    """One table per section (header row first), for the CSV download; nested values as JSON text."""
    tables: dict[str, list[list[Any]]] = {}
    for section, rows in data.items():
        columns: list[str] = []
        for row in rows:
            columns.extend(key for key in row if key not in columns)
        body = [[_cell(row.get(column)) for column in columns] for row in rows]
        tables[section] = [columns, *body] if columns else [["(empty)"]]
    return tables


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


# Deleting an account -------------------------------------------------------------------------------------------

def deletion_blockers(user: User) -> list[str]:
    """Why the account cannot be deleted now (empty: it can)."""
    reasons = []
    owner_of = db.session.scalar(select(Membership.id).where(Membership.user_id == user.id,
                                                            Membership.role == "owner").limit(1))
    if owner_of is not None:
        reasons.append(str(_l("You own an organisation: hand it to another owner (or ask us to close it) first.")))
    for handler in _handlers():
        if handler.blocker is not None:
            reason = handler.blocker(user)
            if reason:
                reasons.append(str(reason))
    return reasons


def delete_account(user: User, password: str | None, now: datetime | None = None) -> None:
    """Erase or de-identify every personal field of `user` everywhere and sign them out of every device.

    The user's row stays (orders and chat lines point at it) with no name, phone, email or address; each feature's
    eraser does its tables (orders keep only what accounting requires). Refused, with nothing changed, when the
    password is wrong or something is still under way (an order on its way, an organisation they own)."""
    if user.is_deleted:
        raise Conflict(_l("This account has already been deleted."), code="already_deleted")
    if not password or not check_password_hash(user.password_hash, password):
        raise InvalidInput(_l("The current password is wrong."), code="wrong_password", field="password")
    reasons = deletion_blockers(user)
    if reasons:
        raise Conflict(_l("Your account cannot be deleted yet: %(reasons)s", reasons=" ".join(reasons)),
                       code="deletion_blocked")
    now = now or utcnow()
    for handler in _handlers():
        if handler.eraser is not None:
            handler.eraser(user)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
                       .values(revoked_at=now))
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=now))
    # The consent rows stay: they hold no personal field and are the record of what was agreed and withdrawn.
    user.name = ""
    user.phone = user.email = user.street = user.locale = None
    user.province_code = user.commune_code = None
    user.is_admin = user.is_trainer = False
    user.password_hash = "!" + secrets.token_hex(16)  # no password ever matches
    user.deleted_at = now
    db.session.flush()


def deleted_label() -> str:
    """What pages, the chat and exports show where a deleted account's name was."""
    return str(_l("Buyer deleted their account"))
