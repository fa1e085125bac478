"""A buyer's data in the lives: their comments, live order lines, follows and waitlist places, exported on
request; on deleting the account their chat lines stay in the lives' record under "Buyer deleted their account"
with phones and street addresses masked out of the text (core.privacy), and their follows go."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..accounts import privacy
from ..accounts.models import User
from ..core.privacy import mask_personal_data
from ..extensions import db
from .models import MAX_MESSAGE, ChatMessage, LiveReservation, LiveSession, LiveWaitlist, OrganisationFollow


def export_live(user: User) -> dict[str, list[dict[str, Any]]]:
    comments = [{"id": m.id, "live_id": m.session_id, "live": title, "text": m.text, "hidden": m.hidden,
                 "created_at": privacy.plain(m.created_at)}
                for m, title in db.session.execute(
                    select(ChatMessage, LiveSession.title).join(LiveSession, LiveSession.id == ChatMessage.session_id)
                    .where(ChatMessage.user_id == user.id).order_by(ChatMessage.id))]
    lines = [{"id": r.id, "live_id": r.session_id, "product": r.variant.display_name, "quantity": r.quantity,
              "unit_price": r.unit_price, "status": r.status, "created_at": privacy.plain(r.created_at)}
             for r in db.session.scalars(select(LiveReservation).where(LiveReservation.user_id == user.id)
                                         .order_by(LiveReservation.id))]
    follows = [{"organisation": f.organisation.name, "created_at": privacy.plain(f.created_at)}
               for f in db.session.scalars(select(OrganisationFollow).where(OrganisationFollow.user_id == user.id)
                                           .order_by(OrganisationFollow.id))]
    waiting = [{"live_id": w.session_id, "quantity": w.quantity, "status": w.status,
                "created_at": privacy.plain(w.created_at)}
               for w in db.session.scalars(select(LiveWaitlist).where(LiveWaitlist.user_id == user.id)
                                           .order_by(LiveWaitlist.id))]
    return {"comments": comments, "live_order_lines": lines, "follows": follows, "waitlist": waiting}


def held_lines_blocker(user: User) -> str | None:
    held = db.session.scalar(select(LiveReservation.id).where(LiveReservation.user_id == user.id,
                                                             LiveReservation.status == "held").limit(1))
    if held is None:
        return None
    return str(_l("You have items held for you from a live: check them out or cancel them in your live cart."))


def erase_live(user: User) -> None:
    name = " ".join((user.name or "").split())
    for message in db.session.scalars(select(ChatMessage).where(ChatMessage.user_id == user.id)):
        masked = mask_personal_data(message.public_text)
        if len(name) >= 2:  # their own full name typed in a comment ("Lan Nguyễn đặt 2") goes too
            masked = re.sub(re.escape(name), "***", masked, flags=re.IGNORECASE)
        message.text = masked[:MAX_MESSAGE]  # the validator sets public_text from it
    db.session.execute(delete(OrganisationFollow).where(OrganisationFollow.user_id == user.id))
    db.session.flush()


def register(app: Flask) -> None:
    privacy.register(app, "livestream", exporter=export_live, eraser=erase_live, blocker=held_lines_blocker)
