"""Who may sell: `require_may_sell(org, action, actor)` runs the checks other features registered for this app.

The shop (publishing a product) and the live (going on air: the console's socket event, the RTMP publish
callback, the API) ask here before they act, without knowing who decides. A feature that has rules about
sellers registers a check in its `init_app`:

    selling.register_check(app, check_verified_seller)

    def check_verified_seller(org, action, actor):   # raise a DomainError (errors.SellerNotVerified) to refuse
        ...

`action` is one of ACTIONS. With no check registered (the compliance package absent, or the platform run as a
cooperative's own shop, where compliance's check returns at once), everyone who may act for the organisation may
sell. Checks are kept per application (tests build several apps) and run in the caller's transaction: they read,
they never write.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context

from .models import Organisation, User

ACTIONS = ("publish", "go_live")
EXTENSION_KEY = "cholive.may_sell"

Check = Callable[[Organisation, str, "User | None"], Any]


def register_check(app: Flask, check: Check) -> None:
    checks = app.extensions.setdefault(EXTENSION_KEY, [])
    if check not in checks:
        checks.append(check)


def require_may_sell(org: Organisation, action: str, actor: User | None = None) -> None:
    """Raise the first registered check's refusal of `actor` doing `action` for `org`; return when all allow it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown selling action {action!r}")
    if not has_app_context():
        return
    for check in list(current_app.extensions.get(EXTENSION_KEY, ())):
        check(org, action, actor)
