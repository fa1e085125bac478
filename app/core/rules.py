"""Dated rules other features read without importing compliance: `rule(key, on, fallback)`.

The compliance package keeps the rules that change (periods, thresholds, the privacy policy's version), each with
its effective date and source (docs/compliance.md). Shop and accounts may not import it (DESIGN.md), so compliance
registers its reader here in its `init_app`, as `accounts.selling` takes checks:

    rules.register_reader(app, settings.value)      # reader(key, on) -> str | None

Without a reader (compliance absent) or a value for the key, the caller's documented fallback applies.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import Flask, current_app, has_app_context

EXTENSION_KEY = "cholive.rule_reader"

Reader = Callable[[str, "datetime | date | None"], "str | None"]


def register_reader(app: Flask, reader: Reader) -> None:
    app.extensions[EXTENSION_KEY] = reader


def rule(key: str, on: datetime | date | None = None, fallback: str | None = None) -> str | None:
    """The value of `key` in force on that day (today when None), or `fallback`."""
    reader = current_app.extensions.get(EXTENSION_KEY) if has_app_context() else None
    found = reader(key, on) if reader is not None else None
    return found if found is not None else fallback


def int_rule(key: str, fallback: int, on: datetime | date | None = None) -> int:
    """An integer rule (a number of days or months); a value that is not a number falls back."""
    try:
        return int(rule(key, on, None) or fallback)
    except (TypeError, ValueError):
        return fallback
