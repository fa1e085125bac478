"""A person's data in the notification pipeline: the messages written to them (the outbox), their channel choices
and web-push subscriptions; exported on request and deleted with the account."""
from __future__ import annotations

import json
from typing import Any

from flask import Flask
from sqlalchemy import delete, or_, select

from ..accounts import privacy
from ..accounts.models import User
from ..extensions import db
from .models import ChannelConsent, ChannelPreference, OutboxAttempt, OutboxMessage, PushSubscription


def _theirs(user: User) -> Any:
    clauses = [OutboxMessage.user_id == user.id]
    if user.phone:
        clauses.append(OutboxMessage.phone == user.phone)  # guest orders with their phone
    return or_(*clauses)


def export_notify(user: User) -> dict[str, list[dict[str, Any]]]:
    messages = [{"id": m.id, "event": m.event, "template": m.template, "params": json.loads(m.params or "{}"),
                 "phone": m.phone, "status": m.status, "channel": m.channel, "link": m.link,
                 "created_at": privacy.plain(m.created_at), "sent_at": privacy.plain(m.sent_at)}
                for m in db.session.scalars(select(OutboxMessage).where(_theirs(user)).order_by(OutboxMessage.id))]
    channels = [{"channel": c.channel, "granted": c.granted, "source": c.source,
                 "created_at": privacy.plain(c.created_at)}
                for c in db.session.scalars(select(ChannelConsent).where(ChannelConsent.user_id == user.id)
                                            .order_by(ChannelConsent.id))]
    return {"messages": messages, "channel_choices": channels}


def erase_notify(user: User) -> None:
    ids = select(OutboxMessage.id).where(_theirs(user)).scalar_subquery()
    db.session.execute(delete(OutboxAttempt).where(OutboxAttempt.message_id.in_(ids)))
    db.session.execute(delete(OutboxMessage).where(_theirs(user)))
    for model in (ChannelConsent, ChannelPreference, PushSubscription):
        db.session.execute(delete(model).where(model.user_id == user.id))


def register(app: Flask) -> None:
    privacy.register(app, "notify", exporter=export_notify, eraser=erase_notify)
