"""Bank-transfer notifications in SePay's webhook format, and the order number they must carry."""
from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from app.core.text import fold
from app.errors import InvalidInput

# Order numbers are read aloud on the phone and typed into bank apps: no 0/O, no 1/I.
ORDER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ORDER_PREFIX = "CL"
ORDER_CODE_LENGTH = 6

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SEPAY_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# Far above any real transfer; a larger number means a broken or hostile sender.
MAX_TRANSFER_AMOUNT = 10**13

_CODE = f"[{ORDER_ALPHABET}]{{{ORDER_CODE_LENGTH}}}"
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
# 1) "CL" and the code as a word of their own, maybe split by a dash, dot, colon or spaces.
_STANDALONE = re.compile(rf"(?<![A-Z0-9]){ORDER_PREFIX}[\s\-_.:#/]*({_CODE})(?![A-Z0-9])")
# 2) glued to what the bank put around it ("...NGUYENVANACL7K3F9QFT2308...").
_GLUED = re.compile(rf"{ORDER_PREFIX}-?({_CODE})")
_WHITESPACE = re.compile(r"\s+")
_TYPED_SEPARATORS = re.compile(r"[\s\-_.:#/]+")
_TYPED = re.compile(rf"(?:{ORDER_PREFIX})?({_CODE})")


def new_order_number() -> str:
    """A fresh order number such as 'CL-7K3F9Q' (32^6 ≈ 10^9 codes; the caller checks uniqueness)."""
    code = "".join(secrets.choice(ORDER_ALPHABET) for _ in range(ORDER_CODE_LENGTH))
    return f"{ORDER_PREFIX}-{code}"


def normalize_order_number(typed: str | None) -> str | None:
    """'cl 7k3f9q', 'CL7K3F9Q', '7k3f9q' → 'CL-7K3F9Q'; None when it cannot be an order number."""
    if not typed:
        return None
    compact = _TYPED_SEPARATORS.sub("", _DASHES.sub("-", fold(typed).upper()))
    match = _TYPED.fullmatch(compact)
    return f"{ORDER_PREFIX}-{match.group(1)}" if match else None


def _unique(codes: list[str]) -> list[str]:
    return [f"{ORDER_PREFIX}-{code}" for code in dict.fromkeys(codes)]


def find_order_numbers(content: str | None) -> list[str]:
    """Every distinct order number in a transfer's content, in order of appearance ('CL-XXXXXX' form).

    Tries the clean form first and only then looser readings, so a stray 'CL' inside a bank's own
    reference code is not counted when the buyer's order number is plainly there.
    """
    if not content:
        return []
    text = _DASHES.sub("-", fold(content).upper())
    for pattern, haystack in ((_STANDALONE, text), (_GLUED, text), (_GLUED, _WHITESPACE.sub("", text))):
        found = pattern.findall(haystack)
        if found:
            return _unique(found)
    return []


def find_order_number(content: str | None) -> str | None:
    """The one order number in a transfer's content, normalised ('CL-7K3F9Q'), or None.

    None also when two different numbers appear: which order was paid is then a question for the
    seller (the review list), not a guess.
    """
    found = find_order_numbers(content)
    return found[0] if len(found) == 1 else None


def account_digits(value: str | None) -> str:
    """An account number as banks compare it: its digits only ('0011 0041-23456' → '0011004123456')."""
    return re.sub(r"\D", "", value or "")


def check_api_key(header_value: str | None, expected: str | None) -> bool:
    """True when an `Authorization: Apikey <key>` header carries the configured key; False when unset."""
    if not expected or not header_value:
        return False
    scheme, _, key = header_value.strip().partition(" ")
    if scheme.lower() != "apikey":
        return False
    # Bytes, because compare_digest refuses non-ASCII str, and a constant-time compare either way.
    return hmac.compare_digest(key.strip().encode("utf-8"), expected.encode("utf-8"))


@dataclass(frozen=True)
class BankNotification:
    """One transfer seen on the seller's account, as SePay reports it."""

    id: str
    gateway: str
    transaction_date: datetime  # aware, UTC
    account_number: str
    content: str
    transfer_type: str  # "in" or "out"
    amount: int  # whole dong, > 0
    reference_code: str | None
    description: str = ""
    # The virtual account (VA) the money went to, for banks that give each merchant VA numbers (BIDV, MSB...).
    sub_account: str = ""

    @property
    def is_incoming(self) -> bool:
        return self.transfer_type == "in"

    @property
    def order_number(self) -> str | None:
        return find_order_number(self.content)


def _invalid(field: str) -> InvalidInput:
    return InvalidInput(_l("The bank notification is not valid."), code="bad_notification", field=field)


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str:
    value = body.get(key)
    if value is None:
        if required:
            raise _invalid(key)
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _invalid(key)
    text = str(value).strip()
    if required and not text:
        raise _invalid(key)
    return text


def _amount(value: Any) -> int:
    if isinstance(value, bool):
        raise _invalid("transferAmount")
    if isinstance(value, float) and value.is_integer():
        # Some relays re-encode JSON numbers as floats; an exact whole number is still dong.
        value = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 < value <= MAX_TRANSFER_AMOUNT:
        raise _invalid("transferAmount")
    return value


def _transaction_date(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _invalid("transactionDate")
    try:
        local = datetime.strptime(value.strip(), SEPAY_DATE_FORMAT)
    except ValueError:
        raise _invalid("transactionDate") from None
    # SePay sends bank-local wall-clock time without an offset.
    return local.replace(tzinfo=VIETNAM).astimezone(UTC)


def parse_sepay(body: Any) -> BankNotification:
    """A BankNotification from SePay's JSON body; InvalidInput(code="bad_notification", field=...) otherwise."""
    if not isinstance(body, dict):
        raise _invalid("body")
    transfer_type = _text(body, "transferType").lower()
    if transfer_type not in ("in", "out"):
        raise _invalid("transferType")
    reference = _text(body, "referenceCode", required=False)
    return BankNotification(
        id=_text(body, "id"),
        gateway=_text(body, "gateway"),
        transaction_date=_transaction_date(body.get("transactionDate")),
        account_number=_text(body, "accountNumber"),
        content=_text(body, "content", required=False),
        transfer_type=transfer_type,
        amount=_amount(body.get("transferAmount")),
        reference_code=reference or None,
        description=_text(body, "description", required=False),
        sub_account=_text(body, "subAccount", required=False),
    )
