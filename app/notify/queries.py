"""Read side: a buyer's settings, the providers' state and the send log for the admin."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User
from ..extensions import db
from .channels import channels_from_config
from .models import ChannelConsent, ChannelPreference, OutboxMessage, PushSubscription
from .outbox import opted_out
from .services import SWITCHABLE
from .templates import TEMPLATES, render


def my_settings(user: User) -> dict[str, Any]:
    off = opted_out(user.id)
    first = db.session.get(ChannelPreference, user.id)
    history = db.session.scalars(select(ChannelConsent).where(ChannelConsent.user_id == user.id)
                                 .order_by(ChannelConsent.id.desc()).limit(20)).all()
    browsers = db.session.scalar(select(func.count(PushSubscription.id)).where(PushSubscription.user_id == user.id))
    return {"enabled": {c: c not in off for c in SWITCHABLE}, "first": first.first_channel if first else "",
            "history": history, "browsers": int(browsers or 0)}


def providers() -> list[dict[str, Any]]:
    """Each channel: on or off, and which settings turn it on."""
    return [{"name": name, "provider": channel.provider, "on": channel.configured(), "settings": channel.settings}
            for name, channel in channels_from_config(current_app.config).items()]


def previews(locale: str) -> list[dict[str, Any]]:
    zalo_templates = channels_from_config(current_app.config)["zalo"].templates
    rows = []
    for key, template in TEMPLATES.items():
        rendered = render(key, template.sample, locale)
        rows.append({"key": key, "channels": template.channels, "sample": template.sample, "rendered": rendered,
                     "zns_template_id": zalo_templates.get(key), "zns_json": json.dumps(
                         rendered.zns, ensure_ascii=False, indent=1) if rendered.zns else ""})
    return rows


def send_log(status: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


def totals() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id), func.sum(OutboxMessage.cost))
                              .group_by(OutboxMessage.status)).all()
    out = {status: int(count) for status, count, _ in rows}
    out["cost"] = int(sum(int(cost or 0) for _, _, cost in rows))
    return out
