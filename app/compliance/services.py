"""Write side of the declarations: the admin notes a month's withholding declaration as filed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..accounts.models import User
from ..core.dbtypes import utcnow
from ..errors import Forbidden
from ..extensions import db
from .models import DeclarationFiling


def mark_filed(actor: User | None, period: str, now: datetime | None = None) -> DeclarationFiling:
    """Note the declaration of `period` (already checked as YYYY-MM) as filed; a second note changes nothing."""
    if actor is None or not actor.is_admin:
        raise Forbidden()
    filing = db.session.scalar(select(DeclarationFiling).where(DeclarationFiling.period == period))
    if filing is None:
        filing = DeclarationFiling(period=period, filed_at=now or utcnow(), filed_by_id=actor.id)
        db.session.add(filing)
        db.session.flush()
    return filing
