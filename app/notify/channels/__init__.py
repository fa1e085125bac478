"""Channels behind one interface: Zalo ZNS, SMS (eSMS.vn), web push (VAPID) and in-app, each chosen by settings.

A channel whose settings are missing is simply not configured (`configured()` is False): the outbox skips it
and the admin page says which settings would turn it on. Nothing reaches the network by default.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from ..templates import Rendered

# How long the app waits on a provider: the sender job is not a buyer's request, but it must not hang.
TIMEOUT_SECONDS = 10


@dataclass
class Recipient:
    user_id: int | None
    phone: str | None  # E.164
    locale: str = "vi"
    push_subscriptions: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    template: str
    params: dict[str, Any]
    rendered: Rendered
    link: str | None  # absolute URL of the order page (or another page of this site)
    path: str | None  # the same as a path, for the bell
    tracking_id: str  # the provider's tracking / idempotency id: the same for every try on one channel


@dataclass(frozen=True)
class Result:
    """sent: the provider took it; refused: it never will (try the next channel); error: try again later."""

    status: str
    provider_message_id: str | None = None
    cost: int = 0
    error: str | None = None
    note: Any = None  # what the channel wrote locally (the in-app notification)


def post_json(provider: str, url: str, body: Mapping[str, Any], *, timeout: float,
              headers: Mapping[str, str] | None = None) -> dict[str, Any] | Result:
    """POST a JSON body to a provider and read the JSON object it answers; an "error" Result (try again later) when
    the provider cannot be reached, fails with a 5xx, or answers without a JSON object."""
    try:
        response = requests.post(url, json=body, timeout=timeout, headers=dict(headers or {}))
    except requests.RequestException as exc:
        return Result("error", error=f"{provider} unreachable: {type(exc).__name__}")
    if response.status_code >= 500:
        return Result("error", error=f"{provider} HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        return Result("error", error=f"{provider} answered HTTP {response.status_code} without JSON")
    return answer


class Channel:
    name = ""
    provider = ""
    settings: tuple[str, ...] = ()  # what turns it on, for the admin page

    def configured(self) -> bool:
        return True

    def reaches(self, recipient: Recipient) -> bool:
        return False

    def send(self, outgoing: Outgoing, recipient: Recipient) -> Result:
        raise NotImplementedError

    def after_crash(self, outgoing: Outgoing, recipient: Recipient) -> Result | None:
        """A try was started but its answer never written (the process died). None: we cannot know whether the
        provider delivered it, and it is never sent again (at most once); a Result: the channel could find out
        or resend without a second delivery (a provider that deduplicates by the tracking id)."""
        return None


def zalo_phone(e164: str | None) -> str | None:
    """'+84912345678' → '84912345678', the form Zalo ZNS wants."""
    return e164[1:] if e164 and e164.startswith("+84") else None


def channels_from_config(config: Mapping[str, Any]) -> dict[str, Channel]:
    """Every channel, configured or not, in the platform's default order of preference."""
    from .esms import EsmsSms
    from .inapp import InApp
    from .webpush import WebPush
    from .zalo import ZaloZns

    return {"zalo": ZaloZns.from_config(config), "sms": EsmsSms.from_config(config),
            "push": WebPush.from_config(config), "inapp": InApp()}
