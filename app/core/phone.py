"""Vietnamese phone numbers: validate and normalise to +84 form with the phonenumbers library."""
from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

_SEPARATORS = re.compile(r"[\s.\-()]")


def normalize_vn_phone(raw: str | None, *, mobile_only: bool = True) -> str | None:
    """Return '+84912345678' for any common way of writing a Vietnamese number, or None if invalid."""
    if not raw:
        return None
    text = _SEPARATORS.sub("", str(raw).strip())
    if text.startswith("84") and not text.startswith("+"):
        text = "+" + text
    if not re.fullmatch(r"\+?\d{9,12}", text):
        return None
    try:
        number = phonenumbers.parse(text, "VN")
    except NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    if mobile_only and phonenumbers.number_type(number) not in (
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """Show +84912345678 the way Vietnamese people write it: 0912 345 678."""
    if not e164 or not e164.startswith("+84"):
        return e164 or ""
    local = "0" + e164[3:]
    return f"{local[:4]} {local[4:7]} {local[7:]}".strip()


def mask_phone(e164: str | None) -> str:
    """Hide the middle digits for public display: 0912 *** 678."""
    shown = display_phone(e164)
    if len(shown) < 10:
        return shown
    return f"{shown[:4]} *** {shown[-3:]}"
