"""Core helpers: phones, text folding, money, addresses, images, Markdown, storage."""
import io
import unicodedata

import pytest
from PIL import Image

from app.core import addresses
from app.core.images import process_image
from app.core.markup import render_markdown
from app.core.money import format_vnd, parse_vnd
from app.core.phone import display_phone, mask_phone, normalize_vn_phone
from app.core.text import fold, slugify
from app.errors import InvalidInput


@pytest.mark.parametrize("raw", ["0912 345 678", "+84912345678", "84912345678", "0912.345.678", "0912-345-678",
                                 " 0912345678 ", "+84 912 345 678"])
def test_phone_forms_normalise_to_plus_84(raw):
    assert normalize_vn_phone(raw) == "+84912345678"


@pytest.mark.parametrize("raw", ["", None, "12345", "0123456789", "0912 345 67", "09123456789", "abc",
                                 "+14155550123", "0241234567", "0912345678x"])
def test_invalid_phones_are_rejected(raw):
    assert normalize_vn_phone(raw) is None


def test_phone_display_and_mask():
    assert display_phone("+84912345678") == "0912 345 678"
    assert mask_phone("+84912345678") == "0912 *** 678"


def test_fold_ignores_diacritics_d_case_and_unicode_form():
    assert fold("Bưởi  DIỄN") == "buoi dien"
    assert fold("Đan Phượng") == "dan phuong"
    assert fold(unicodedata.normalize("NFD", "Rau sạch")) == "rau sach"
    assert slugify("HTX Bưởi Diễn Hát Môn") == "htx-buoi-dien-hat-mon"


def test_money_parse_and_format():
    assert parse_vnd("1.234.000 ₫") == 1234000
    assert parse_vnd("150000") == 150000
    assert parse_vnd("abc") is None
    assert format_vnd(0) == "0 ₫"


def test_addresses_after_the_2025_reform():
    assert len(addresses.provinces()) == 34
    names = {name for _code, name in addresses.communes(addresses.HANOI)}
    assert {"Xã Đan Phượng", "Xã Ô Diên", "Xã Liên Minh", "Xã Hát Môn"} <= names
    code = addresses.find_commune("xa o dien")
    assert addresses.commune_province(code) == addresses.HANOI
    assert addresses.commune_province(999999999) is None


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (800, 600), "green")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (21.0, 5.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_images_are_reencoded_without_metadata():
    processed = process_image(_jpeg_with_gps())
    result = Image.open(io.BytesIO(processed.data))
    assert result.format == "WEBP"
    assert not result.getexif()
    assert b"PhoneMaker" not in processed.data
    assert Image.open(io.BytesIO(processed.thumbnail)).width <= 400


@pytest.mark.parametrize("data", [b"", b"<html><script>alert(1)</script></html>", b"GIF89a" + b"\0" * 100])
def test_non_images_are_refused(data):
    with pytest.raises(InvalidInput):
        process_image(data)


def test_decompression_bomb_is_refused():
    image = Image.new("1", (12000, 12000))
    out = io.BytesIO()
    image.save(out, "PNG")
    with pytest.raises(InvalidInput) as info:
        process_image(out.getvalue())
    assert info.value.code == "image_too_large"


def test_markdown_is_cleaned():
    html = str(render_markdown("**Bưởi** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"))
    assert "<strong>Bưởi</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_local_storage_generates_names_and_refuses_traversal(app):
    from app.core.storage import get_storage
    from app.errors import NotFound

    storage = get_storage()
    key = storage.save(b"abc", prefix="logos", extension="webp", content_type="image/webp")
    assert key.startswith("logos/") and key.endswith(".webp")
    assert storage.read(key) == b"abc"
    with pytest.raises(NotFound):
        storage.read("../../etc/passwd")


def _noisy_photo(size=(2000, 1500)) -> bytes:
    """A photo-like picture that compresses badly (random noise): the worst case for the thumbnail budget."""
    import os

    from PIL import Image

    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=95)
    return out.getvalue()


def test_srcset_copies_at_each_narrower_width_and_a_thumbnail_under_its_budget():
    from app.core.images import RESPONSIVE_WIDTHS, THUMB_BUDGET

    processed = process_image(_noisy_photo(), widths=RESPONSIVE_WIDTHS)
    assert (processed.width, processed.height) == (1600, 1200)
    assert [width for width, _ in processed.variants] == [320, 640, 1024]
    for width, data in processed.variants:
        with Image.open(io.BytesIO(data)) as copy:
            assert copy.format == "WEBP" and copy.size == (width, width * 3 // 4)
    assert len(processed.thumbnail) <= THUMB_BUDGET
    small = process_image(_noisy_photo((500, 500)), widths=RESPONSIVE_WIDTHS)
    assert [width for width, _ in small.variants] == [320]  # never blown up past the picture itself
    assert process_image(_noisy_photo((300, 200))).variants == ()
