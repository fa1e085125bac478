"""Money is integer VND; this module parses and formats it."""
from __future__ import annotations

import re
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency

MAX_VND = 10_000_000_000  # ten billion dong: far above anything a household sells in one line


@lru_cache(maxsize=16)
def _locale(name: str) -> Locale:
    """The parsed Babel locale: `format_currency` given a string parses it (and its CLDR data) on every call."""
    return Locale.parse(name)


def format_vnd(amount: int | None, locale: str = "vi") -> str:
    """Format whole dong the local way: 1.234.000 ₫ in Vietnamese, ₫1,234,000 in English."""
    if amount is None:
        return ""
    return format_currency(int(amount), "VND", locale=_locale(locale), format_type="standard").replace("\xa0", " ")


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
