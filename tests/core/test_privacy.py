"""core.privacy.mask_personal_data: phones and street addresses masked, everything else left as it was."""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.core.privacy import mask_personal_data
from app.livestream.parser import PHONE_RE

# PRIVACY_EXAMPLES=5000 for a longer hunt (run before this was committed: nothing found).
PROPS = settings(max_examples=int(os.environ.get("PRIVACY_EXAMPLES", 300)), deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("text, shown", [
    ("chốt A12 x1 sdt 0987654321 giao số 12 ngõ 5 đường Láng",
     "chốt A12 x1 sdt 0987 *** 321 giao số *** ngõ *** đường ***"),
    ("chốt A12 x1 sdt 0987654321 giao số 12 ngõ 5 …", "chốt A12 x1 sdt 0987 *** 321 giao số *** ngõ *** …"),
    ("sdt +84 987 654 321", "sdt 0987 *** 321"),
    ("sdt 84987654321 nhé", "sdt 0987 *** 321 nhé"),
    ("(+84) 987 654 321", "0987 *** 321"),
    ("sdt0987654321giao", "sdt0987 *** 321giao"),  # glued to words
    ("0987.654.321", "0987 *** 321"),
    ("0987-654-321 ạ", "0987 *** 321 ạ"),
    ("0 9 8 7 6 5 4 3 2 1", "0987 *** 321"),
    ("０９８７６５４３２１", "0987 *** 321"),  # full-width digits
    ("gọi 024 3825 1234", "gọi 0243 *** 234"),  # a landline, eleven digits
    ("cccd 001234567890", "cccd *** 890"),  # an ID card number: its tail only
    ("stk 1903 5555 1234 01 techcombank", "stk *** 401 techcombank"),
    ("giao 12 Đường Tân Hội, Xã Ô Diên", "giao *** Đường ***, Xã Ô Diên"),
    ("thôn Đoài xã Hát Môn", "thôn *** xã Hát Môn"),
    ("Số 10, thôn Đoài", "Số ***, thôn ***"),
    ("hẻm 12/3 Lê Văn Sỹ", "hẻm ***"),
    ("kiệt 45 Trần Phú", "kiệt ***"),
    ("ngõ5 phố huế", "ngõ*** phố ***"),
    ("xóm Chùa thôn Đông nha shop", "xóm *** thôn *** nha shop"),
    ("đường số 3 quận 7", "đường số *** quận 7"),
    ("tổ 5 phường Yên Hòa", "tổ *** phường Yên Hòa"),
    ("sn 12 ngõ 34 ngách 5 Láng Hạ", "sn *** ngõ *** ngách ***"),
    ("số nhà 12", "số nhà ***"),
    ("tổ dân phố 4", "tổ dân phố ***"),
    ("to dan pho 4", "to dan pho ***"),
    ("ap 3 xa Tan Phu", "ap *** xa Tan Phu"),
    ("ngo 5 duong lang", "ngo *** duong ***"),
    ("so 12 duong lang nhe", "so *** duong *** nhe"),
    ("12A đường láng", "*** đường ***"),
    ("khu phố 3", "khu phố ***"),
    ("ngõ Văn Chương, Hà Nội", "ngõ ***, Hà Nội"),
])
def test_phones_and_street_parts_are_masked(text, shown):
    assert mask_personal_data(text) == shown


@pytest.mark.parametrize("text", [
    "chốt A12 x2, B3", "giày số 38 còn không shop", "chốt 2 đường phèn", "ngô nếp 5 bắp", "bưởi to 2 quả",
    "thành phố Hà Nội giao mấy ngày", "dáng thon đẹp quá", "giá 150.000 ạ", "1.500.000đ một thùng",
    "còn hem shop", "A12 size M x2 màu đỏ", "hủy A12", "em ở Hà Nội, Xã Ô Diên", "😍😍 đẹp quá", "",
    "chuyển khoản 250k nhé", "đường cát trắng 2 gói", "phở bò ngon", "số lượng 20 cái",
])
def test_chat_without_personal_data_is_unchanged(text):
    assert mask_personal_data(text) == text


# Properties ------------------------------------------------------------------------------------------------------

SEPARATORS = st.sampled_from(["", "", "", " ", ".", "-", " - ", "  ", "_", "\u00a0"])
WORDS = st.sampled_from(["chốt", "A12", "x2", "sdt", "đt", "nhé", "shop", "ơi", "giao", "em", "lấy", "cho", "B3", "2",
                         "ạ", "😍", "ck", "cod", "Lan", "hàng", "đẹp", "quá"])


@st.composite
def phones(draw) -> str:
    """A Vietnamese mobile number the way buyers write it: 0/84/+84, nine digits, any grouping."""
    prefix = draw(st.sampled_from(["0", "84", "+84", "+84 ", "(+84) ", "84 "]))
    digits = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    head = draw(st.sampled_from("35789"))
    body = head + digits[1:]
    out = ""
    for d in body:
        out += draw(SEPARATORS) + d if out else d
    return prefix + out


@st.composite
def around(draw, middle) -> str:
    """Chat words before and after, glued to the middle or not."""
    before = " ".join(draw(st.lists(WORDS, max_size=4)))
    after = " ".join(draw(st.lists(WORDS, max_size=4)))
    glue = draw(st.sampled_from(["", " "]))
    # A word glued after a number must not start with a digit, or the number simply goes on.
    if glue == "" and after[:1].isdigit():
        after = "x" + after
    if glue == "" and before[-1:].isdigit():
        before += "x"
    return f"{before}{glue}{middle}{glue}{after}"


def _long_numbers(text: str) -> list[str]:
    """Runs of nine or more digits once every separator is taken out: stricter than the masker's own rule."""
    return re.findall(r"\d{9,}", re.sub(r"[\s.\-_()+\u00a0]", "", text))


@PROPS
@given(phones().flatmap(around))
@example("sdt0987654321giao")
@example("gọi +84 (0) 987 654 321")
def test_no_phone_survives_masking(text):
    masked = mask_personal_data(text)
    assert _long_numbers(masked) == [], (text, masked)
    assert PHONE_RE.search(masked) is None, (text, masked)  # nothing the comment parser would read as a phone


@PROPS
@given(st.text(max_size=120))
def test_masking_is_idempotent_on_any_text(text):
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once


ADDRESS_WORDS = st.sampled_from(["số", "12", "12A", "12/3", "ngõ", "ngo", "5", "ngách", "hẻm", "kiệt", "tổ", "thôn",
                                 "xóm", "ấp", "ap", "đường", "duong", "phố", "Láng", "láng", "Đoài", "Tân", "Hội",
                                 "nhà", "sn", "khu", ",", "nhé", "xã", "Ô", "Diên", "dân", "0987654321", "A12"])


@PROPS
@given(st.lists(ADDRESS_WORDS, max_size=12).map(" ".join))
def test_masking_is_idempotent_on_addresses(text):
    once = mask_personal_data(text)
    assert mask_personal_data(once) == once, (text, once)


# Numbers stand beside a word, as in chat ("2 cái", "size 38"): bare numbers side by side, nine digits or more in all
# ("912 345 678"), read as a phone written without its 0 and are masked on purpose. Prices may stand side by side.
PLAIN = st.sampled_from(["chốt", "A12", "B3", "x2", "x1", "2 cái", "3 quả", "size 38", "M", "L", "màu", "đỏ", "nhé",
                         "shop", "ơi", "còn", "không", "giá", "bao", "nhiêu", "150k", "150.000đ", "1.200.000", "ạ",
                         "hủy", "😍", "đẹp", "quá", "ck", "cod", "Lan", "Hà", "Nội", "em", "lấy", "thêm", "?", "!",
                         "bưởi", "Diễn", "ngon", "ship", "tỉnh", "được", "không?", "100 gói", "99.000", "12.500.000"])


@PROPS
@given(st.lists(PLAIN, max_size=15).map(" ".join))
def test_plain_chat_is_unchanged(text):
    assert mask_personal_data(text) == text


@PROPS
@given(st.from_regex(PHONE_RE, fullmatch=True).flatmap(around))
def test_every_phone_the_comment_parser_reads_is_masked(text):
    masked = mask_personal_data(text)
    assert PHONE_RE.search(masked) is None, (text, masked)
    assert _long_numbers(masked) == [], (text, masked)


def test_decomposed_text_from_the_keyboard_is_masked_too():
    """Unikey's "Unicode tổ hợp" sends "ngõ" as "ngo" and a combining tilde."""
    import unicodedata

    assert mask_personal_data(unicodedata.normalize("NFD", "giao số 12 ngõ 5 thôn Đoài")) == "giao số *** ngõ *** thôn ***"
    plain = unicodedata.normalize("NFD", "shop ơi còn hàng không")
    assert mask_personal_data(plain) == plain  # nothing masked: the text comes back byte for byte
