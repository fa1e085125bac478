"""The outbox: messages written with the event that causes them, sent later by a job through the buyer's channels.

Writing (`write`): inside the event's own transaction (an in-transaction signal receiver, or the bell's router),
so a message exists exactly when its order change committed. The same `dedupe_key` never writes twice.

Sending (`send_due`, the job "notify.send-outbox"): each due message is claimed with a conditional UPDATE (two
processes never send one message), then its channels are tried in the buyer's order (Zalo → SMS → web push →
in-app unless the buyer put another first), skipping channels that are not configured, that the buyer turned off
(their consent), or that cannot reach them (no phone, no push subscription). A channel that refuses passes the
message to the next one at once; a provider error is retried on the same channel after an exponential backoff
(NOTIFY_RETRY_BASE_SECONDS × 2^(n-1)), NOTIFY_MAX_ATTEMPTS times, then the next channel.

Never twice. Every try is first committed as an attempt in state "sending", with the tracking id the provider is
given (`cl<message id><channel letter>`, the same on every try); only then is the provider called, and its answer
is written after. If the process dies between the call and that write, the claim's lease (NOTIFY_SENDING_LEASE_
SECONDS) runs out and the next run finds the attempt still "sending": the channel is asked (`after_crash`). eSMS
deduplicates by our RequestId, so it is asked again and answers "already taken"; the bell's write rolled back with
the unfinished try, so it is written; Zalo and web push cannot tell us, so the attempt becomes "unknown" and the
message counts as sent on that channel — at most once, never twice. A crash before the provider got the call
loses that one message on such a channel; the log shows it as "unknown".

The job commits after each step itself (the claim, each attempt, each answer): that is the point of an outbox.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import and_, or_, select, update

from ..accounts.models import User
from ..core.dbtypes import rows_changed, utcnow
from ..extensions import db
from .channels import Channel, Outgoing, Recipient, Result, channels_from_config
from .models import ChannelConsent, ChannelPreference, OutboxAttempt, OutboxMessage, PushSubscription
from .templates import render, template_for

log = logging.getLogger(__name__)

DEFAULT_ORDER = ("zalo", "sms", "push", "inapp")
LETTERS = {"zalo": "z", "sms": "s", "push": "p", "inapp": "i"}
MAX_BACKOFF = timedelta(hours=6)


# --- writing --------------------------------------------------------------------------------------------------

def write(event: str, *, dedupe_key: str, template: str, params: Mapping[str, Any], user_id: int | None = None,
          phone: str | None = None, link: str | None = None, now: datetime | None = None,
          deliver_inapp_now: bool = True) -> OutboxMessage | None:
    """Add one message to the caller's transaction (None when this dedupe key already has one or nobody can be
    reached). When the bell is the only channel that can reach the person now, it is delivered at once, in this
    transaction, so the default set-up (no provider configured) shows it immediately."""
    if template_for(template) is None:
        raise ValueError(f"unknown notification template {template!r}")
    if user_id is None and not phone:
        return None
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return None
    now = now or utcnow()
    message = OutboxMessage(event=event, dedupe_key=dedupe_key[:120], user_id=user_id, phone=phone,
                            template=template, params=json.dumps(dict(params), ensure_ascii=False, default=str),
                            link=link, status="pending", attempts=0, cost=0, next_attempt_at=now, created_at=now)
    db.session.add(message)
    db.session.flush()
    if deliver_inapp_now:
        channels = channels_from_config(current_app.config)
        recipient = recipient_of(message)
        if [c.name for c in plan(message, recipient, channels)] == ["inapp"]:
            message.inapp_note = _try(message, channels["inapp"], recipient, now, commit=False).note
    return message


# --- planning -------------------------------------------------------------------------------------------------

def opted_out(user_id: int | None) -> set[str]:
    """Channels the user turned off (their latest choice per channel)."""
    if user_id is None:
        return set()
    latest: dict[str, bool] = {}
    for channel, granted in db.session.execute(
            select(ChannelConsent.channel, ChannelConsent.granted).where(ChannelConsent.user_id == user_id)
            .order_by(ChannelConsent.id)):
        latest[channel] = granted
    return {channel for channel, granted in latest.items() if not granted}


def channel_order(user_id: int | None) -> list[str]:
    first = db.session.get(ChannelPreference, user_id) if user_id is not None else None
    order = list(DEFAULT_ORDER)
    if first is not None and first.first_channel in order:
        order.remove(first.first_channel)
        order.insert(0, first.first_channel)
    return order


def recipient_of(message: OutboxMessage) -> Recipient:
    user = db.session.get(User, message.user_id) if message.user_id is not None else None
    subscriptions = list(db.session.scalars(select(PushSubscription).where(
        PushSubscription.user_id == message.user_id).order_by(PushSubscription.id))) if user is not None else []
    return Recipient(user_id=user.id if user else None, phone=message.phone or (user.phone if user else None),
                     locale=(user.locale if user else None) or "vi", push_subscriptions=subscriptions)


def plan(message: OutboxMessage, recipient: Recipient, channels: Mapping[str, Channel]) -> list[Channel]:
    """The channels to try for this message, in order: allowed by its template, configured, not turned off by the
    recipient, able to reach them. In-app cannot be turned off: it is the record of what we told the buyer."""
    allowed = template_for(message.template).channels
    off = opted_out(recipient.user_id) - {"inapp"}
    return [channels[name] for name in channel_order(recipient.user_id)
            if name in allowed and name not in off and channels[name].configured()
            and channels[name].reaches(recipient)]


# --- sending --------------------------------------------------------------------------------------------------

def _outgoing(message: OutboxMessage, recipient: Recipient, channel: str) -> Outgoing:
    params = json.loads(message.params or "{}")
    path = message.link
    try:
        link = url_for("main.home", _external=True).rstrip("/") + path if path else None
    except RuntimeError:  # no request and no SERVER_NAME: the service worker opens the path on this site
        link = path
    return Outgoing(message_id=message.id, template=message.template, params=params,
                    rendered=render(message.template, params, recipient.locale), link=link, path=path,
                    tracking_id=f"cl{message.id}{LETTERS[channel]}")


def backoff(config: Mapping[str, Any], tries: int) -> timedelta:
    base = int(config.get("NOTIFY_RETRY_BASE_SECONDS") or 60)
    return min(timedelta(seconds=base * 2 ** max(tries - 1, 0)), MAX_BACKOFF)


def _record(message: OutboxMessage, attempt: OutboxAttempt, result: Result, now: datetime) -> None:
    """Write a provider's answer (a separate step: the crash tests stop the process right before it)."""
    attempt.status = result.status
    attempt.provider_message_id = (result.provider_message_id or "")[:100] or None
    attempt.cost = result.cost if result.status == "sent" else 0
    attempt.error = (result.error or "")[:300] or None
    attempt.finished_at = now
    message.cost += attempt.cost
    if result.status == "sent":
        message.status, message.channel, message.sent_at, message.locked_until = "sent", attempt.channel, now, None
    elif result.error:
        message.last_error = f"{attempt.channel}: {result.error}"[:300]


def _try(message: OutboxMessage, channel: Channel, recipient: Recipient, now: datetime, *,
         commit: bool = True) -> Result:
    number = 1 + sum(1 for a in message.tries if a.channel == channel.name)
    outgoing = _outgoing(message, recipient, channel.name)
    attempt = OutboxAttempt(channel=channel.name, number=number, provider=channel.provider,
                            tracking_id=outgoing.tracking_id, status="sending", started_at=now)
    message.tries.append(attempt)
    message.attempts += 1
    if commit:
        db.session.commit()  # the try is on record before the provider hears of it
    result = channel.send(outgoing, recipient)
    _record(message, attempt, result, now)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return result


def _claim(message_id: int, now: datetime, lease: timedelta) -> bool:
    due = or_(and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
              and_(OutboxMessage.status == "sending", OutboxMessage.locked_until <= now))
    result = db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id, due)
                                .values(status="sending", locked_until=now + lease)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return rows_changed(result) == 1


def _recover(message: OutboxMessage, channels: Mapping[str, Channel], recipient: Recipient, now: datetime) -> bool:
    """Attempts left "sending" by a process that died: True when that settles the message (see the module doc)."""
    for attempt in [a for a in message.tries if a.status == "sending"]:
        channel = channels.get(attempt.channel)
        result = None
        if channel is not None and channel.configured():
            result = channel.after_crash(_outgoing(message, recipient, attempt.channel), recipient)
        if result is None:
            _record(message, attempt, Result("unknown", error="the process stopped before the answer was written; "
                                                                "not sent again"), now)
            message.status, message.channel, message.sent_at, message.locked_until = "sent", attempt.channel, now, None
            db.session.commit()
            return True
        _record(message, attempt, result, now)
        db.session.commit()
        if result.status == "sent":
            return True
    return False


def send_one(message_id: int, now: datetime | None = None, config: Mapping[str, Any] | None = None) -> str | None:
    """Try one due message now; returns its status afterwards, or None when it was not due (or taken)."""
    config = config if config is not None else current_app.config
    now = now or utcnow()
    if not _claim(message_id, now, timedelta(seconds=int(config.get("NOTIFY_SENDING_LEASE_SECONDS") or 300))):
        return None
    message = db.session.get(OutboxMessage, message_id)
    channels = channels_from_config(config)
    recipient = recipient_of(message)
    if _recover(message, channels, recipient, now):
        return message.status
    limit = int(config.get("NOTIFY_MAX_ATTEMPTS") or 4)
    for channel in plan(message, recipient, channels):
        tries = [a for a in message.tries if a.channel == channel.name]
        if any(a.status in ("refused", "sent", "unknown") for a in tries) or len(tries) >= limit:
            continue  # done with this channel: the next one
        result = _try(message, channel, recipient, now)
        if result.status == "sent":
            return "sent"
        if result.status == "error":
            message.status, message.locked_until = "pending", None
            message.next_attempt_at = now + backoff(config, len(tries) + 1)
            db.session.commit()
            return "pending"
    message.status, message.locked_until = "failed", None
    message.last_error = message.last_error or "no channel reaches this person"
    db.session.commit()
    return "failed"


def send_due(now: datetime | None = None, limit: int = 50) -> int:
    """The job: send what is due (and take over what a dead process left). Returns how many were sent."""
    now = now or utcnow()
    due = list(db.session.scalars(
        select(OutboxMessage.id).where(or_(
            and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.status == "sending", OutboxMessage.locked_until <= now)))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))
    db.session.commit()
    sent = 0
    for message_id in due:
        try:
            sent += send_one(message_id, now) == "sent"
        except Exception:
            db.session.rollback()
            log.exception("outbox message %s: sending failed; its lease lets the next run take it over", message_id)
    return sent
