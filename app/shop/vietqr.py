"""VietQR: the NAPAS 247 EMVCo bank-transfer payload (build, parse, CRC) and its QR image."""
from __future__ import annotations

import io
import re
from typing import Any

import segno
from flask_babel import lazy_gettext as _l

from app.core.banks import BANKS_BY_BIN
from app.core.text import fold
from app.errors import InvalidInput

NAPAS_GUID = "A000000727"
SERVICE_TRANSFER_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
PAYLOAD_FORMAT = "01"
# "12" = dynamic: the code carries an amount and is meant for one payment, so apps lock the amount.
INITIATION_DYNAMIC = "12"
INITIATION_STATIC = "11"

MAX_AMOUNT = 10**10
MEMO_MAX_LENGTH = 25
ACCOUNT_MIN_DIGITS = 4
ACCOUNT_MAX_DIGITS = 19

# EMVCo tags whose value is itself a list of TLV objects.
_ROOT_TEMPLATES = {f"{n:02d}" for n in (*range(26, 52), 62, 64, *range(80, 100))}
_ACCOUNT_RE = re.compile(rf"\d{{{ACCOUNT_MIN_DIGITS},{ACCOUNT_MAX_DIGITS}}}")
_MEMO_DROP = re.compile(r"[^A-Z0-9 ]+")
_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"[-\u2010-\u2015]")


def crc16_ccitt_false(data: str | bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor): '123456789' → 0x29B1."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    """One EMVCo data object: two-digit tag, two-digit length, value (1 to 99 characters)."""
    if not (len(tag) == 2 and tag.isdigit()):
        raise ValueError(f"bad EMVCo tag {tag!r}")
    if not 1 <= len(value) <= 99:
        raise ValueError(f"EMVCo value for tag {tag} must be 1..99 characters, got {len(value)}")
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """Append the CRC object; the checksum covers everything before it including its own '6304'."""
    head = body + "6304"
    return f"{head}{crc16_ccitt_false(head):04X}"


def normalize_memo(text: str) -> str:
    """The transfer memo as banks carry it reliably: ASCII upper case, letters, digits and single spaces.

    Several bank apps drop or mangle accents and punctuation in the memo, and an order number that
    arrives changed can no longer be matched, so we send only what survives every bank.
    """
    # Dashes are dropped rather than spaced so "CL-7K3F9Q" travels as "CL7K3F9Q", the form banks keep.
    folded = _DASHES.sub("", fold(text).upper())
    cleaned = _SPACES.sub(" ", _MEMO_DROP.sub(" ", folded)).strip()
    return cleaned


def _validate(bank_bin: Any, account_number: Any, amount: Any) -> tuple[str, str, int]:
    bank_bin = str(bank_bin or "").strip()
    if bank_bin not in BANKS_BY_BIN:
        raise InvalidInput(_l("Please choose a bank from the list."), code="bad_bank_bin", field="bank_bin")
    # People copy account numbers with spaces or dots between groups of digits.
    account = re.sub(r"[\s.\-]", "", str(account_number or ""))
    if not _ACCOUNT_RE.fullmatch(account):
        raise InvalidInput(_l("The account number must be 4 to 19 digits."),
                           code="bad_account_number", field="account_number")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= MAX_AMOUNT:
        raise InvalidInput(_l("The amount must be a whole number of dong between 1 and 10,000,000,000."),
                           code="bad_amount", field="amount")
    return bank_bin, account, amount


def build_payload(bank_bin: str, account_number: str, amount: int, memo: str | None = None) -> str:
    """The VietQR string for a transfer of exactly `amount` dong to an account, with the memo (order number).

    Validates the inputs and raises InvalidInput (code bad_bank_bin, bad_account_number, bad_amount,
    bad_memo) for anything a bank app would reject or that would lose the order number.
    """
    bank_bin, account, amount = _validate(bank_bin, account_number, amount)
    beneficiary = tlv("00", bank_bin) + tlv("01", account)
    merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TRANSFER_TO_ACCOUNT)
    parts = [
        tlv("00", PAYLOAD_FORMAT),
        tlv("01", INITIATION_DYNAMIC),
        tlv("38", merchant),
        tlv("53", CURRENCY_VND),
        tlv("54", str(amount)),
        tlv("58", COUNTRY_VN),
    ]
    if memo is not None:
        clean = normalize_memo(memo)
        # Refuse rather than truncate: a cut memo could drop the order number and the payment
        # would land in the review list instead of confirming the order.
        if not clean or len(clean) > MEMO_MAX_LENGTH:
            raise InvalidInput(_l("The transfer note must be 1 to 25 letters or digits."),
                               code="bad_memo", field="memo")
        parts.append(tlv("62", tlv("08", clean)))
    return with_crc("".join(parts))


def _read_tlv(text: str, where: str) -> dict[str, str]:
    objects: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        tag, length = text[pos:pos + 2], text[pos + 2:pos + 4]
        if len(tag) < 2 or not tag.isdigit() or len(length) < 2 or not length.isdigit():
            raise InvalidInput(_l("This is not a valid VietQR code."), code="bad_qr", where=where, at=pos)
        size = int(length)
        value = text[pos + 4:pos + 4 + size]
        if size == 0 or len(value) != size:
            raise InvalidInput(_l("This is not a valid VietQR code."), code="bad_qr", where=where, at=pos)
        if tag in objects:
            raise InvalidInput(_l("This is not a valid VietQR code."), code="bad_qr", where=where, tag=tag)
        objects[tag] = value
        pos += 4 + size
    return objects


def parse_payload(text: str) -> dict[str, Any]:
    """Read a VietQR/EMVCo string back, verifying its CRC; raises InvalidInput(code="bad_qr"/"bad_crc").

    Returns {"tags": nested TLV dict, "payload_format", "initiation", "guid", "bank_bin",
    "account_number", "service_code", "currency", "amount" (int or None), "country",
    "memo" (or None), "bill_number" (or None), "crc"}.
    """
    text = (text or "").strip()
    if len(text) < 8 or text[-8:-4] != "6304":
        raise InvalidInput(_l("This is not a valid VietQR code."), code="bad_qr")
    expected = f"{crc16_ccitt_false(text[:-4]):04X}"
    if text[-4:].upper() != expected:
        raise InvalidInput(_l("This QR code is damaged (checksum mismatch)."), code="bad_crc")
    tags: dict[str, Any] = dict(_read_tlv(text, "root"))
    for tag in list(tags):
        if tag in _ROOT_TEMPLATES:
            tags[tag] = _read_tlv(tags[tag], tag)
    merchant = tags.get("38")
    if isinstance(merchant, dict) and "01" in merchant:
        merchant["01"] = _read_tlv(merchant["01"], "38.01")
    merchant = merchant if isinstance(merchant, dict) else {}
    beneficiary = merchant.get("01") or {}
    additional = tags.get("62") if isinstance(tags.get("62"), dict) else {}
    amount_text = tags.get("54")
    amount: int | None = None
    if amount_text is not None:
        # EMVCo allows "180000.00"; dong have no minor unit, so only a whole number is meaningful.
        whole, _, fraction = amount_text.partition(".")
        if not whole.isdigit() or fraction.strip("0"):
            raise InvalidInput(_l("This is not a valid VietQR code."), code="bad_qr", tag="54")
        amount = int(whole)
    return {
        "tags": tags,
        "payload_format": tags.get("00"),
        "initiation": tags.get("01"),
        "guid": merchant.get("00"),
        "bank_bin": beneficiary.get("00"),
        "account_number": beneficiary.get("01"),
        "service_code": merchant.get("02"),
        "currency": tags.get("53"),
        "amount": amount,
        "country": tags.get("58"),
        "memo": additional.get("08"),
        "bill_number": additional.get("01"),
        "crc": text[-4:].upper(),
    }


def _qr(payload: str) -> segno.QRCode:
    # Level M is what bank apps expect of VietQR; no boost keeps the density predictable on
    # low-end phone cameras.
    return segno.make(payload, error="m", micro=False, boost_error=False)


def qr_svg(payload: str) -> str:
    """The QR as an inline <svg> string (no XML declaration) drawn in module units with a viewBox and no fixed size,
    so CSS can scale it to any width and it stays whole, quiet zone (4 modules) included; crisp edges so a
    scaled module never blurs into its neighbour."""
    svg = _qr(payload).svg_inline(scale=1, border=4, dark="#000", light="#fff", title="VietQR", svgclass="vietqr",
                                  omitsize=True)
    return svg.replace("<svg ", '<svg shape-rendering="crispEdges" role="img" aria-label="VietQR" ', 1)


def qr_png_bytes(payload: str, scale: int = 8) -> bytes:
    """The QR as PNG bytes, for download or for sharing to a chat app."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
