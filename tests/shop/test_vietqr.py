"""VietQR payload: CRC, published NAPAS examples, validation, parse round trip, QR images."""
from __future__ import annotations

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from app.core.banks import BANKS
from app.errors import InvalidInput
from app.shop import vietqr

# Examples from the NAPAS "QR format" specification (IBFT to account, section 6.1), quoted
# character for character by several independent open-source VietQR libraries.
NAPAS_STATIC_ACCOUNT = ("00020101021138570010A00000072701270006970403011200110123456780208QRIBFTTA"
                        "53037045802VN6304F4E5")
NAPAS_DYNAMIC_ACCOUNT = ("00020101021238570010A00000072701270006970403011300110123456780208QRIBFTTA"
                         "530370454061800005802VN62340107NPS68690819thanh toan don hang63042E2E")
NAPAS_STATIC_CARD = ("00020101021138600010A00000072701300006970403011697040311012345670208QRIBFTTC"
                     "53037045802VN63044F52")
# Printed by the README of github.com/thanhtinhpas1/vietqr-parser (pkg.go.dev) for a Vietcombank account.
GO_PARSER_README = ("00020001021238570010A00000072701270006970436011308810004580860208QRIBFTTA"
                    "53037045802VN6304CD60")
# A published app fixture with exactly our shape: Vietcombank, dynamic, amount, memo only.
VCB_ORDER_FIXTURE = ("00020101021238570010A00000072701270006970436011300710012345670208QRIBFTTA"
                     "530370454068500005802VN62120808DH4821136304E529")


def test_crc16_ccitt_false_check_value():
    assert vietqr.crc16_ccitt_false("123456789") == 0x29B1
    assert vietqr.crc16_ccitt_false(b"123456789") == 0x29B1
    assert vietqr.crc16_ccitt_false("") == 0xFFFF


@pytest.mark.parametrize("reference", [NAPAS_STATIC_ACCOUNT, NAPAS_DYNAMIC_ACCOUNT, NAPAS_STATIC_CARD,
                                       GO_PARSER_README, VCB_ORDER_FIXTURE])
def test_crc_matches_published_examples(reference):
    assert vietqr.with_crc(reference[:-8]) == reference
    assert f"{vietqr.crc16_ccitt_false(reference[:-4]):04X}" == reference[-4:]


def test_napas_dynamic_example_assembled_from_its_parts():
    """Our TLV encoder reproduces the NAPAS dynamic example exactly, bill number and lower-case memo included."""
    t = vietqr.tlv
    merchant = t("00", "A000000727") + t("01", t("00", "970403") + t("01", "0011012345678")) + t("02", "QRIBFTTA")
    body = (t("00", "01") + t("01", "12") + t("38", merchant) + t("53", "704") + t("54", "180000")
            + t("58", "VN") + t("62", t("01", "NPS6869") + t("08", "thanh toan don hang")))
    assert vietqr.with_crc(body) == NAPAS_DYNAMIC_ACCOUNT


def test_parse_napas_dynamic_example():
    parsed = vietqr.parse_payload(NAPAS_DYNAMIC_ACCOUNT)
    assert parsed["payload_format"] == "01"
    assert parsed["initiation"] == "12"
    assert parsed["guid"] == "A000000727"
    assert parsed["bank_bin"] == "970403"
    assert parsed["account_number"] == "0011012345678"
    assert parsed["service_code"] == "QRIBFTTA"
    assert parsed["currency"] == "704"
    assert parsed["amount"] == 180000
    assert parsed["country"] == "VN"
    assert parsed["bill_number"] == "NPS6869"
    assert parsed["memo"] == "thanh toan don hang"
    assert parsed["crc"] == "2E2E"


def test_build_reproduces_published_vietcombank_fixture():
    assert vietqr.build_payload("970436", "0071001234567", 850_000, "DH482113") == VCB_ORDER_FIXTURE


def test_build_order_payload_fields():
    payload = vietqr.build_payload("970422", "0123 4567 89", 1_234_000, "CL-7K3F9Q")
    assert payload.startswith("000201010212")
    assert "0010A000000727" in payload and "0208QRIBFTTA" in payload
    assert "5303704" in payload and "540712340005802VN" in payload
    assert "62120808CL7K3F9Q" in payload
    parsed = vietqr.parse_payload(payload)
    assert (parsed["bank_bin"], parsed["account_number"], parsed["amount"], parsed["memo"]) == \
        ("970422", "0123456789", 1_234_000, "CL7K3F9Q")


def test_build_without_memo_has_no_additional_data():
    payload = vietqr.build_payload("970436", "1234", 1)
    assert "62" not in vietqr.parse_payload(payload)["tags"]


@pytest.mark.parametrize(("memo", "expected"), [
    ("CL-7K3F9Q", "CL7K3F9Q"),
    ("cl7k3f9q", "CL7K3F9Q"),
    ("Thanh toán đơn CL-7K3F9Q", "THANH TOAN DON CL7K3F9Q"),
    ("  Bưởi   Diễn  ", "BUOI DIEN"),
    ("Đơn #12/3", "DON 12 3"),
])
def test_memo_is_ascii_upper_case(memo, expected):
    assert vietqr.normalize_memo(memo) == expected
    assert vietqr.parse_payload(vietqr.build_payload("970436", "0071001234567", 5000, memo))["memo"] == expected


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"bank_bin": "123456"}, "bad_bank_bin"),
    ({"bank_bin": ""}, "bad_bank_bin"),
    ({"bank_bin": None}, "bad_bank_bin"),
    ({"account_number": "123"}, "bad_account_number"),
    ({"account_number": "1" * 20}, "bad_account_number"),
    ({"account_number": "12AB5678"}, "bad_account_number"),
    ({"account_number": ""}, "bad_account_number"),
    ({"amount": 0}, "bad_amount"),
    ({"amount": -5000}, "bad_amount"),
    ({"amount": 10**10 + 1}, "bad_amount"),
    ({"amount": 1500.0}, "bad_amount"),
    ({"amount": "150000"}, "bad_amount"),
    ({"amount": True}, "bad_amount"),
    ({"memo": "Đơn hàng số CL-7K3F9Q của chị Lan"}, "bad_memo"),
    ({"memo": "!!!"}, "bad_memo"),
    ({"memo": ""}, "bad_memo"),
])
def test_invalid_inputs_are_refused(kwargs, code):
    args = {"bank_bin": "970436", "account_number": "0071001234567", "amount": 150_000, "memo": "CL7K3F9Q"}
    args.update(kwargs)
    with pytest.raises(InvalidInput) as caught:
        vietqr.build_payload(**args)
    assert caught.value.code == code
    assert str(caught.value.message)  # a readable message, even outside a request


def test_amount_bounds_are_inclusive():
    assert vietqr.parse_payload(vietqr.build_payload("970436", "1234", 1))["amount"] == 1
    assert vietqr.parse_payload(vietqr.build_payload("970436", "1234", 10**10))["amount"] == 10**10


@pytest.mark.parametrize("bad", [
    NAPAS_DYNAMIC_ACCOUNT[:-4] + "2E2F",                     # wrong CRC
    NAPAS_DYNAMIC_ACCOUNT.replace("180000", "980000"),       # amount changed, CRC kept
    NAPAS_DYNAMIC_ACCOUNT[:-8],                              # CRC object missing
    "",
    "hello",
])
def test_parse_refuses_damaged_codes(bad):
    with pytest.raises(InvalidInput) as caught:
        vietqr.parse_payload(bad)
    assert caught.value.code in {"bad_qr", "bad_crc"}


def test_parse_refuses_broken_tlv_even_with_valid_crc():
    with pytest.raises(InvalidInput) as caught:
        vietqr.parse_payload(vietqr.with_crc("000201" + "5420123"))  # length 20 but 3 characters
    assert caught.value.code == "bad_qr"


def test_parse_accepts_lower_case_crc():
    assert vietqr.parse_payload(NAPAS_DYNAMIC_ACCOUNT[:-4] + "2e2e")["amount"] == 180000


def test_qr_svg_is_inline_svg_at_level_m():
    payload = vietqr.build_payload("970436", "0071001234567", 850_000, "CL7K3F9Q")
    svg = vietqr.qr_svg(payload)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<path" in svg
    qr = segno.make(payload, error="m", micro=False, boost_error=False)
    assert qr.error == "M"
    # Drawn in module units with a viewBox (quiet zone of 4 modules inside it) and no fixed size: CSS scales it
    # whole; a width/height without a viewBox clipped the right and bottom edges when scaled.
    modules = qr.symbol_size(scale=1, border=4)[0]
    head = svg[:svg.index(">")]
    assert f'viewBox="0 0 {modules} {modules}"' in head and "width=" not in head and "height=" not in head
    assert 'shape-rendering="crispEdges"' in head and 'role="img"' in head


def test_qr_png_bytes_is_a_png_that_decodes_to_the_payload():
    import io

    import zxingcpp
    from PIL import Image
    payload = vietqr.build_payload("970436", "0071001234567", 850_000, "CL7K3F9Q")
    png = vietqr.qr_png_bytes(payload)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 200
    image = Image.open(io.BytesIO(png))
    assert image.width >= 240  # a gallery image a banking app reads at once
    [found] = zxingcpp.read_barcodes(image.convert("L"))
    assert found.text == payload


_ORDER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


@given(
    bank=st.sampled_from(BANKS),
    account=st.text(alphabet="0123456789", min_size=4, max_size=19),
    amount=st.integers(min_value=1, max_value=10**10),
    memo=st.one_of(st.none(), st.text(alphabet=_ORDER_ALPHABET + " -", min_size=1, max_size=25)
                   .filter(lambda m: any(c.isalnum() for c in m))),
)
def test_round_trip(bank, account, amount, memo):
    payload = vietqr.build_payload(bank.bin, account, amount, memo)
    parsed = vietqr.parse_payload(payload)
    assert parsed["bank_bin"] == bank.bin
    assert parsed["account_number"] == account
    assert parsed["amount"] == amount
    assert parsed["memo"] == (None if memo is None else vietqr.normalize_memo(memo))
    assert (parsed["payload_format"], parsed["initiation"], parsed["service_code"]) == ("01", "12", "QRIBFTTA")
    assert (parsed["currency"], parsed["country"]) == ("704", "VN")


@given(memo=st.text(max_size=40))
def test_any_memo_is_either_refused_cleanly_or_safe(memo):
    try:
        payload = vietqr.build_payload("970436", "0071001234567", 10_000, memo)
    except InvalidInput as exc:
        assert exc.code == "bad_memo"
        return
    parsed_memo = vietqr.parse_payload(payload)["memo"]
    assert parsed_memo.isascii() and parsed_memo == parsed_memo.upper() and 1 <= len(parsed_memo) <= 25
