"""Web push: the buyer's browsers (Push API subscriptions) through their push service, VAPID-signed (pywebpush).

Each send is one POST to the subscription's endpoint, with `Authorization: vapid t=<JWT ES256>, k=<public key>`,
`Content-Encoding: aes128gcm`, `TTL` and a `Topic` (the tracking id: a push service keeps only the newest
message of one topic while the browser is offline). The payload, encrypted for the browser, is the JSON that
app/static/sw.js shows: {"title", "body", "url"}. A 404/410 means the browser unsubscribed: its row is deleted.

Endpoints come from browsers, so only the origins of WEB_PUSH_ALLOWED_ORIGINS are ever called (no request to an
address of our own network through a forged subscription).
"""
from __future__ import annotations

import fnmatch
import json
import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pywebpush import WebPushException, webpush

from ...extensions import db
from . import TIMEOUT_SECONDS, Channel, Outgoing, Recipient, Result

log = logging.getLogger(__name__)
TTL_SECONDS = 24 * 3600


def origin_allowed(endpoint: str | None, allowed: str) -> bool:
    parts = urlsplit(endpoint or "")
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    return any(fnmatch.fnmatchcase(origin, pattern.strip()) for pattern in allowed.split(",") if pattern.strip())


class WebPush(Channel):
    name = "push"
    provider = "webpush"
    settings = ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT")

    def __init__(self, private_key: str | None, public_key: str | None, subject: str | None, allowed_origins: str,
                 timeout: float = TIMEOUT_SECONDS):
        self.private_key, self.public_key, self.subject = private_key, public_key, subject
        self.allowed_origins, self.timeout = allowed_origins, timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebPush:
        return cls(config.get("VAPID_PRIVATE_KEY"), config.get("VAPID_PUBLIC_KEY"), config.get("VAPID_SUBJECT"),
                   config.get("WEB_PUSH_ALLOWED_ORIGINS") or "")

    def configured(self) -> bool:
        return bool(self.private_key and self.public_key and self.subject)

    def reaches(self, recipient: Recipient) -> bool:
        return bool(recipient.push_subscriptions)

    def send(self, outgoing: Outgoing, recipient: Recipient) -> Result:
        payload = json.dumps({"title": outgoing.rendered.title, "body": outgoing.rendered.body,
                              "url": outgoing.link or "/", "tag": outgoing.tracking_id}, ensure_ascii=False)
        delivered, errors = 0, []
        for subscription in list(recipient.push_subscriptions):
            if not origin_allowed(subscription.endpoint, self.allowed_origins):
                errors.append("push endpoint outside WEB_PUSH_ALLOWED_ORIGINS")
                continue
            info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh,
                                                                 "auth": subscription.auth}}
            try:
                webpush(info, payload, vapid_private_key=self.private_key, vapid_claims={"sub": self.subject},
                        ttl=TTL_SECONDS, timeout=self.timeout,
                        headers={"Topic": outgoing.tracking_id[:32], "Urgency": "normal"})
                delivered += 1
            except WebPushException as exc:
                status = getattr(exc.response, "status_code", None)
                if status in (404, 410):
                    db.session.delete(subscription)  # the browser unsubscribed: never again
                    recipient.push_subscriptions.remove(subscription)
                    errors.append(f"subscription gone ({status})")
                else:
                    errors.append(f"push service HTTP {status}")
            except Exception as exc:  # a network error reaching one push service
                errors.append(f"push service unreachable: {type(exc).__name__}")
        if delivered:
            return Result("sent", error="; ".join(errors)[:300] or None)
        if not recipient.push_subscriptions or all(e.startswith("subscription gone") or "outside" in e
                                                   for e in errors):
            return Result("refused", error="; ".join(errors)[:300] or "no push subscription")
        return Result("error", error="; ".join(errors)[:300])
