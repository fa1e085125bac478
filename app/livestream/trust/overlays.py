"""The host's warning overlay: a warning shown over the video (on a product or the whole live), kept with its time
so the replay shows it at the same moment (Law 122/2025/QH15: a tool to warn about goods that risk health)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...accounts.models import User
from ...accounts.services import require_org_role
from ...core.dbtypes import utcnow
from ...errors import InvalidInput, NotFound
from ...extensions import db
from ...shop.services import normalise_code
from ..models import LiveProduct, LiveSession
from ..services import LiveNotOnAir
from .models import MAX_WARNING, WARNING_PRESETS, LiveWarning


def preset_texts() -> dict[str, Any]:
    """The ready-made warnings (in the page's language when shown; stored as shown to viewers)."""
    return {"adults_only": _l("Product for adults only"), "under_3": _l("Not for children under 3 years old")}


def current_warning(live_id: int) -> LiveWarning | None:
    return db.session.scalar(select(LiveWarning).where(LiveWarning.session_id == live_id,
                                                       LiveWarning.cleared_at.is_(None))
                             .order_by(LiveWarning.id.desc()).limit(1))


def _clear(live_id: int, now: datetime) -> None:
    for row in db.session.scalars(select(LiveWarning).where(LiveWarning.session_id == live_id,
                                                            LiveWarning.cleared_at.is_(None))):
        row.cleared_at = max(now, row.shown_at)


def show_warning(actor: User | None, live: LiveSession, *, preset: Any, text: Any = None, code: Any = None,
                 now: datetime | None = None) -> LiveWarning:
    """A member shows a warning while the live is on air; it replaces the one shown before."""
    member = require_org_role(actor, live.organisation, "staff")
    if live.state != "live":
        raise LiveNotOnAir(_l("Warnings can be shown only while the live is on air."))
    if preset not in WARNING_PRESETS:
        raise InvalidInput(_l("Choose a warning or write your own."), code="invalid_preset", field="preset")
    if preset == "custom":
        words = " ".join(text.split()) if isinstance(text, str) else ""
        if not words or len(words) > MAX_WARNING:
            raise InvalidInput(_l("Write the warning (up to 160 characters)."), code="invalid_warning", field="text")
    else:
        words = str(preset_texts()[preset])
    live_product = None
    if code not in (None, ""):
        live_product = db.session.scalar(select(LiveProduct).where(LiveProduct.session_id == live.id,
                                                                   LiveProduct.live_code == normalise_code(str(code))))
        if live_product is None:
            raise NotFound(_l("That code is not in this live."), code="unknown_code")
    now = now or utcnow()
    _clear(live.id, now)
    warning = LiveWarning(session_id=live.id, live_product_id=live_product.id if live_product else None,
                          preset=preset, text=words, shown_at=now, created_by_id=member.user_id)
    db.session.add(warning)
    db.session.flush()
    return warning


def clear_warning(actor: User | None, live: LiveSession, now: datetime | None = None) -> None:
    require_org_role(actor, live.organisation, "staff")
    _clear(live.id, now or utcnow())
    db.session.flush()


def payload(warning: LiveWarning | None) -> dict[str, Any] | None:
    if warning is None:
        return None
    lp = warning.live_product
    # A preset reads in the reader's language (pages render it per viewer; live-trust.js maps `preset` the same way);
    # `text` is what the host's screen said, kept as evidence.
    return {"id": warning.id, "text": warning.text, "preset": warning.preset,
            "label": str(preset_texts()[warning.preset]) if warning.preset != "custom" else warning.text,
            "code": lp.live_code if lp else None, "name": lp.product.name if lp else None}


def warnings_of(live_id: int) -> list[LiveWarning]:
    return list(db.session.scalars(select(LiveWarning).where(LiveWarning.session_id == live_id)
                                   .order_by(LiveWarning.shown_at, LiveWarning.id)))
