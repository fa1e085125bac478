"""Money is integer VND; this module parses and formats it, and formats plain numbers the same local way."""
from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, format_decimal

MAX_VND = 10_000_000_000  # ten billion dong: far above anything a household sells in one line


@lru_cache(maxsize=16)
def _locale(name: str) -> Locale:
    """The parsed Babel locale: `format_currency` given a string parses it (and its CLDR data) on every call."""
    return Locale.parse(name)


def format_vnd(amount: int | None, locale: str = "vi") -> str:
    """Format whole dong the local way: 1.234.000 ₫ in Vietnamese, ₫1,234,000 in English."""
    if amount is None:
        return ""
    return _vnd(int(amount), locale)


@lru_cache(maxsize=4096)
def _vnd(amount: int, locale: str) -> str:
    """Remembered: a page prints the same few prices again and again, and CLDR formatting is slow."""
    return format_currency(amount, "VND", locale=_locale(locale), format_type="standard").replace("\xa0", " ")


def format_num(value: float | int | None, locale: str = "vi", digits: int = 1) -> str:
    """A count or measure written the local way, at most `digits` decimals: 1.440 and 0,1 in Vietnamese, 1,440 and
    0.1 in English. None is an empty string (the template shows its own dash)."""
    if value is None:
        return ""
    return _num(value, locale, digits)


@lru_cache(maxsize=4096)
def _num(value: float | int, locale: str, digits: int) -> str:
    pattern = "#,##0" + ("." + "#" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=_locale(locale))


def parse_vnd(raw: str | int | None) -> int | None:
    """Read '1.234.000', '1,234,000 ₫' or '150000' as an int of dong; None when empty or not a number."""
    if raw is None:
        return None
    if isinstance(raw, int):
        return raw
    digits = re.sub(r"[\s.,₫đdVNDvnd]", "", str(raw))
    if not digits:
        return None
    if not digits.lstrip("-").isdigit():
        return None
    return int(digits)
