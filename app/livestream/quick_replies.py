"""The seller console's one-tap answers: each organisation keeps its own list, with Vietnamese defaults until it does."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..accounts.models import Organisation, User
from ..accounts.services import require_org_role
from ..core.text import squeeze
from ..errors import InvalidInput
from ..extensions import db
from .models import MAX_QUICK_REPLY, QuickReply

MAX_REPLIES = 12
# "…" marks what the seller fills in before sending ("Giá … ạ"); the console puts the cursor there.
DEFAULTS = (
    _l("We have it in stock."),
    _l("The price is … ."),
    _l("We deliver nationwide."),
    _l("Type “chốt” and the code to order, for example “chốt A12 x2”."),
    _l("Cash on delivery or bank transfer, as you like."),
    _l("Sorry, it is sold out. Please follow the shop for the next live."),
)


def replies_for(org: Organisation) -> list[str]:
    """The organisation's quick replies in its order, or the defaults while it has none."""
    texts = list(db.session.scalars(select(QuickReply.text).where(QuickReply.organisation_id == org.id)
                                    .order_by(QuickReply.position, QuickReply.id)))
    return texts or [str(text) for text in DEFAULTS]


def save_replies(actor: User | None, org: Organisation, raw: Any) -> list[str]:
    """Replace the list with the lines of `raw` (one reply a line); an empty list brings the defaults back."""
    require_org_role(actor, org, "staff")
    if not isinstance(raw, str):
        raise InvalidInput(_l("Write one reply a line."), field="replies")
    lines = [squeeze(line) for line in raw.splitlines()]
    lines = list(dict.fromkeys(line for line in lines if line))
    if len(lines) > MAX_REPLIES:
        raise InvalidInput(_l("Keep at most %(n)s quick replies.", n=MAX_REPLIES), code="too_many", field="replies")
    if any(len(line) > MAX_QUICK_REPLY for line in lines):
        raise InvalidInput(_l("Each quick reply can be at most %(n)s characters.", n=MAX_QUICK_REPLY),
                           code="too_long", field="replies")
    db.session.execute(delete(QuickReply).where(QuickReply.organisation_id == org.id))
    db.session.add_all(QuickReply(organisation_id=org.id, position=n, text=line) for n, line in enumerate(lines))
    db.session.flush()
    return lines or [str(text) for text in DEFAULTS]
