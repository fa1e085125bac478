"""SePay bank notifications: parsing, API key, and finding the order number in what banks send."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.core.text import fold
from app.errors import InvalidInput
from app.shop.payments.bank_notifications import (
    ORDER_ALPHABET,
    BankNotification,
    check_api_key,
    find_order_number,
    find_order_numbers,
    new_order_number,
    normalize_order_number,
    parse_sepay,
)

ORDER_NUMBER = re.compile(rf"CL-[{ORDER_ALPHABET}]{{6}}")

# What arrives in `content` after the buyer typed "CL-7K3F9Q" (or a sloppy version of it) into their
# bank app: each bank adds its own prefixes and suffixes, drops the dash, changes case.
BANK_CONTENTS = [
    ("MBVCB.3278907687.CL7K3F9Q.CT tu 0011004123456 NGUYEN VAN A toi 0071001234567 HTX BUOI DIEN", "CL-7K3F9Q"),
    ("cl 7k3f9q", "CL-7K3F9Q"),
    ("Thanh toan don CL-7K3F9Q", "CL-7K3F9Q"),
    ("Thanh toán đơn CL-7K3F9Q", "CL-7K3F9Q"),
    ("CL7K3F9Q FT23084123456789", "CL-7K3F9Q"),
    ("NGUYEN VAN A chuyen tien CL7K3F9Q- Ma GD ACSP/ ab123456", "CL-7K3F9Q"),
    ("CL7K3F9Q GD 123456-032523 14:02:37", "CL-7K3F9Q"),
    ("TKThe :0123456789, tai VCB. CL7K3F9Q -CTLNHIDI000001234567890-1/1-CRE-002", "CL-7K3F9Q"),
    ("IBFT CL7K3F9Q", "CL-7K3F9Q"),
    ("CT DEN:123456789012 cl-7k3f9q thanh toan", "CL-7K3F9Q"),
    ("Chuyen tien tu MOMO 0912345678 CL7K3F9Q", "CL-7K3F9Q"),
    ("ZP CL7K3F9Q 230325000123456", "CL-7K3F9Q"),
    ("ND:CL7K3F9Q", "CL-7K3F9Q"),
    ("Don hang: CL - 7K3F9Q", "CL-7K3F9Q"),
    ("CL\u20137K3F9Q mua buoi", "CL-7K3F9Q"),                       # en dash from a phone keyboard
    ("THANH TOAN CL7K3 F9Q", "CL-7K3F9Q"),                          # bank wrapped the line mid-code
    ("NGUYENVANACL7K3F9QFT23084123", "CL-7K3F9Q"),                  # bank removed every space
    ("MBVCB.3278907687.CL7K3F9Q.CT", "CL-7K3F9Q"),
    ("REM Tfr Ac: 1234567 O@L CL7K3F9Q", "CL-7K3F9Q"),
    ("cl7k3f9q\nchuyen khoan", "CL-7K3F9Q"),
    ("MBVCB.3278907687.CT tu 0011004123456 NGUYEN VAN A toi 0071001234567", None),
    ("chuyen tien an com", None),
    ("Dong gop quy CLB bong da", None),
    ("CL-7K3F0Q", None),                                            # 0 is never in an order number
    ("CL-7K3F9", None),                                             # a character short
    ("CL-7K3F9Q CL-8M2P4R", None),                                  # two orders: the seller decides
    ("", None),
]


@pytest.mark.parametrize(("content", "expected"), BANK_CONTENTS)
def test_find_order_number_in_bank_contents(content, expected):
    assert find_order_number(content) == expected


def test_find_order_number_none_content():
    assert find_order_number(None) is None
    assert find_order_numbers(None) == []


def test_same_number_twice_is_one_number():
    assert find_order_number("CL7K3F9Q CL-7K3F9Q thanh toan") == "CL-7K3F9Q"


def test_both_numbers_are_listed_for_the_review_list():
    assert find_order_numbers("CL-7K3F9Q CL-8M2P4R") == ["CL-7K3F9Q", "CL-8M2P4R"]


def test_clean_number_wins_over_a_glued_lookalike():
    # The bank's reference glues "CL" to other characters; the buyer's number stands on its own.
    assert find_order_number("FT23CLABCDEFG12 CL-7K3F9Q") == "CL-7K3F9Q"


@pytest.mark.parametrize(("typed", "expected"), [
    ("CL-7K3F9Q", "CL-7K3F9Q"),
    ("cl-7k3f9q", "CL-7K3F9Q"),
    ("CL7K3F9Q", "CL-7K3F9Q"),
    (" cl 7k3 f9q ", "CL-7K3F9Q"),
    ("7k3f9q", "CL-7K3F9Q"),
    ("CL\u20147K3F9Q", "CL-7K3F9Q"),
    ("CL-7K3F0Q", None),
    ("CL-7K3F9QX", None),
    ("DH-7K3F9Q", None),
    ("", None),
    (None, None),
])
def test_normalize_order_number(typed, expected):
    assert normalize_order_number(typed) == expected


def test_new_order_number_shape_and_spread():
    numbers = {new_order_number() for _ in range(500)}
    assert all(ORDER_NUMBER.fullmatch(n) for n in numbers)
    assert len(numbers) == 500
    assert not set("01IO") & set(ORDER_ALPHABET)


# --- properties ---------------------------------------------------------------------------

order_codes = st.text(alphabet=ORDER_ALPHABET, min_size=6, max_size=6)
written_forms = st.sampled_from(["CL-{c}", "CL{c}", "cl{c}", "cl {c}", "Cl-{c}", "CL - {c}", "cl.{c}", "CL:{c}"])
separators = st.sampled_from([" ", ".", "-", " - ", ": ", "\n", "/", ", ", " ND "])
noise_fragments = st.lists(st.one_of(
    st.sampled_from(["MBVCB", "FT23084", "CT tu", "NGUYEN VAN A", "Thanh toan don", "chuyen khoan", "toi",
                     "HTX BUOI DIEN", "Ma GD ACSP", "IBFT", "GD", "TKThe", "tai VCB", "CRE-002", "MOMO",
                     "Chuyển tiền", "đơn hàng", "ZP", "REM Tfr Ac", "14:02:37"]),
    st.text(alphabet="0123456789", min_size=1, max_size=16),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABDEFGHIJKMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=10),
), max_size=5).map(" ".join)


@given(code=order_codes, form=written_forms, left=noise_fragments, right=noise_fragments,
       sep_left=separators, sep_right=separators)
def test_any_number_embedded_in_noise_is_found(code, form, left, right, sep_left, sep_right):
    assume(not find_order_numbers(left) and not find_order_numbers(right))
    content = f"{left}{sep_left}{form.format(c=code.lower() if form.islower() else code)}{sep_right}{right}"
    assert find_order_number(content) == f"CL-{code}"


@given(code=order_codes)
def test_generated_numbers_survive_vietqr_memo_and_come_back(code):
    from app.shop.vietqr import normalize_memo

    number = f"CL-{code}"
    memo = normalize_memo(number)
    assert find_order_number(f"MBVCB.123.{memo}.CT tu 0011") == number
    assert normalize_order_number(memo) == number


@given(st.text(max_size=80))
def test_contents_without_a_number_give_none(content):
    assume("CL" not in re.sub(r"\s+", "", fold(content).upper()))
    assert find_order_number(content) is None


@given(st.text(max_size=80))
def test_find_never_raises_and_only_returns_order_numbers(content):
    found = find_order_number(content)
    assert found is None or ORDER_NUMBER.fullmatch(found)


# --- SePay bodies -----------------------------------------------------------------------------

def sepay_body(**overrides):
    body = {
        "id": 92704,
        "gateway": "Vietcombank",
        "transactionDate": "2025-03-25 14:02:37",
        "accountNumber": "0071001234567",
        "code": None,
        "content": "MBVCB.3278907687.CL7K3F9Q.CT tu 0011004123456 NGUYEN VAN A",
        "transferType": "in",
        "transferAmount": 290000,
        "accumulated": 19077000,
        "subAccount": None,
        "referenceCode": "MBVCB.3278907687",
        "description": "BankAPINotify MBVCB.3278907687.CL7K3F9Q.CT tu 0011004123456 NGUYEN VAN A",
    }
    body.update(overrides)
    return body


def test_parse_sepay():
    notification = parse_sepay(sepay_body())
    assert notification == BankNotification(
        id="92704", gateway="Vietcombank",
        transaction_date=datetime(2025, 3, 25, 7, 2, 37, tzinfo=UTC),
        account_number="0071001234567",
        content="MBVCB.3278907687.CL7K3F9Q.CT tu 0011004123456 NGUYEN VAN A",
        transfer_type="in", amount=290000, reference_code="MBVCB.3278907687",
        description="BankAPINotify MBVCB.3278907687.CL7K3F9Q.CT tu 0011004123456 NGUYEN VAN A",
    )
    assert notification.transaction_date.utcoffset().total_seconds() == 0
    assert notification.is_incoming
    assert notification.order_number == "CL-7K3F9Q"


def test_transaction_date_crosses_midnight_into_utc():
    assert parse_sepay(sepay_body(transactionDate="2025-01-01 03:00:00")).transaction_date == \
        datetime(2024, 12, 31, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"content": None}, {"content": ""}),
    ({"content": ""}, {"content": ""}),
    ({"referenceCode": None}, {"reference_code": None}),
    ({"id": "abc-123"}, {"id": "abc-123"}),
    ({"transferType": "OUT"}, {"transfer_type": "out"}),
    ({"transferAmount": 290000.0}, {"amount": 290000}),
    ({"transferAmount": "290000"}, {"amount": 290000}),
])
def test_parse_sepay_tolerates(overrides, expected):
    notification = parse_sepay(sepay_body(**overrides))
    for name, value in expected.items():
        assert getattr(notification, name) == value


def test_missing_description_is_fine():
    body = sepay_body()
    del body["description"], body["code"], body["referenceCode"]
    assert parse_sepay(body).description == ""


@pytest.mark.parametrize(("overrides", "field"), [
    ({"id": None}, "id"),
    ({"id": ""}, "id"),
    ({"id": True}, "id"),
    ({"gateway": ""}, "gateway"),
    ({"gateway": ["VCB"]}, "gateway"),
    ({"transactionDate": None}, "transactionDate"),
    ({"transactionDate": "25/03/2025 14:02"}, "transactionDate"),
    ({"transactionDate": "2025-02-30 10:00:00"}, "transactionDate"),
    ({"transactionDate": 1742886157}, "transactionDate"),
    ({"accountNumber": None}, "accountNumber"),
    ({"transferType": "sideways"}, "transferType"),
    ({"transferType": None}, "transferType"),
    ({"transferAmount": -290000}, "transferAmount"),
    ({"transferAmount": 0}, "transferAmount"),
    ({"transferAmount": 2900.5}, "transferAmount"),
    ({"transferAmount": "290.000"}, "transferAmount"),
    ({"transferAmount": "abc"}, "transferAmount"),
    ({"transferAmount": None}, "transferAmount"),
    ({"transferAmount": True}, "transferAmount"),
    ({"transferAmount": 10**14}, "transferAmount"),
    ({"content": {"text": "CL7K3F9Q"}}, "content"),
])
def test_parse_sepay_refuses(overrides, field):
    with pytest.raises(InvalidInput) as caught:
        parse_sepay(sepay_body(**overrides))
    assert caught.value.code == "bad_notification"
    assert caught.value.details == {"field": field}
    assert str(caught.value.message)


@pytest.mark.parametrize("body", [None, [], "id=1", 42])
def test_parse_sepay_refuses_non_objects(body):
    with pytest.raises(InvalidInput):
        parse_sepay(body)


def test_missing_key_is_refused():
    body = sepay_body()
    del body["transferAmount"]
    with pytest.raises(InvalidInput):
        parse_sepay(body)


@pytest.mark.parametrize(("header", "expected", "ok"), [
    ("Apikey s3cret-KEY", "s3cret-KEY", True),
    ("apikey s3cret-KEY", "s3cret-KEY", True),
    ("  Apikey   s3cret-KEY  ", "s3cret-KEY", True),
    ("Apikey wrong", "s3cret-KEY", False),
    ("Apikey s3cret-KEY", "s3cret-key", False),
    ("Bearer s3cret-KEY", "s3cret-KEY", False),
    ("s3cret-KEY", "s3cret-KEY", False),
    ("Apikey ", "s3cret-KEY", False),
    ("Apikey khóa", "s3cret-KEY", False),                  # non-ASCII must not raise
    (None, "s3cret-KEY", False),
    ("Apikey s3cret-KEY", None, False),                    # not configured: refuse everything
    ("Apikey ", "", False),
])
def test_check_api_key(header, expected, ok):
    assert check_api_key(header, expected) is ok
