"""core/uploads.py: file types read from the bytes; the stored extension and the served headers follow from them."""
from __future__ import annotations

import pytest

from app.core import uploads
from app.core.storage import get_storage, new_key
from app.errors import InvalidInput

from . import files


@pytest.mark.parametrize("build,kind", [
    (files.jpeg, "image"), (files.png, "image"), (files.pdf, "pdf"), (files.docx, "docx"), (files.xlsx, "xlsx"),
    (files.pptx, "pptx"), (files.odt, "odt"), (files.mp4, "mp4"), (files.m4a, "m4a"), (files.webm, "webm"),
    (files.mp3, "mp3"), (lambda: files.mp4(b"qt  "), "mp4"), (lambda: b"\xff\xfb\x90\x64" + b"\x00" * 400, "mp3"),
])
def test_accepted_types_are_recognised_by_their_bytes(build, kind):
    assert uploads.detect(build()) == kind


@pytest.mark.parametrize("data", [
    files.HTML, files.SVG, files.JS, files.GIF_POLYGLOT, files.docm(), files.plain_zip(), files.ole2_doc(),
    b"", b"%PDF-1.4 no end", b"PK\x03\x04 not really a zip", b"\x1a\x45\xdf\xa3 matroska", b"ID3", b"\xff\xff\xff\xff",
    b"\x00\x00\x00\x04ftyp", b"MZ\x90\x00 a Windows program",
])
def test_everything_else_is_not_a_known_type(data):
    assert uploads.detect(data) is None


def test_a_jpeg_header_alone_is_not_enough(app):
    # detect() says "image" from the first bytes; Pillow then refuses what is not a picture.
    assert uploads.detect(files.JPEG_HEADER_THEN_HTML) == "image"
    with pytest.raises(InvalidInput) as refused:
        uploads.save_upload(get_storage(), files.JPEG_HEADER_THEN_HTML, prefix="t", accept=uploads.ATTACHMENTS)
    assert refused.value.code == "invalid_image"


def test_a_picture_with_a_page_appended_is_re_encoded_without_it(app):
    stored = uploads.save_upload(get_storage(), files.jpeg_with_html_appended(), prefix="t",
                                 accept=uploads.ATTACHMENTS)
    assert stored.key.endswith(".webp") and stored.extension == "webp"
    data = get_storage().read(stored.key)
    assert data[:4] == b"RIFF" and b"<script" not in data and b"<html" not in data


@pytest.mark.parametrize("key,content_type,inline", [
    ("products/a.webp", "image/webp", True), ("x/a.jpg", "image/jpeg", True), ("x/a.pdf", "application/pdf", False),
    ("x/a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    ("x/a.mp4", "video/mp4", False), ("x/a.mp3", "audio/mpeg", False),
    # Whatever an older upload was named, it is served as an opaque download.
    ("training/files/a.html", "application/octet-stream", False), ("t/a.svg", "application/octet-stream", False),
    ("t/a.js", "application/octet-stream", False), ("t/a.HTM", "application/octet-stream", False),
    ("t/noextension", "application/octet-stream", False), ("t.pdf/x", "application/octet-stream", False),
])
def test_served_as_follows_the_key_extension_only(key, content_type, inline):
    kind = uploads.served_as(key)
    assert (kind.content_type, kind.inline) == (content_type, inline)


@pytest.mark.parametrize("extension", ["html", "svg", "js", "htm", "xhtml", "bin", "WEBP", "php", ""])
def test_storage_refuses_to_name_a_file_with_an_unchecked_extension(app, extension):
    with pytest.raises(ValueError):
        get_storage().save(b"<html>", prefix="t", extension=extension)
    with pytest.raises(ValueError):
        new_key("t", extension)


def test_storage_refuses_a_content_type_that_contradicts_the_extension(app):
    with pytest.raises(ValueError):
        get_storage().save(files.pdf(), prefix="t", extension="pdf", content_type="text/html")


def test_save_upload_refuses_what_it_was_not_asked_for_and_says_what_it_takes(app):
    with pytest.raises(InvalidInput) as refused:
        uploads.save_upload(get_storage(), files.pdf(), prefix="t", accept=uploads.AUDIO_VIDEO,
                            refused_message="chỉ video")
    assert refused.value.code == "file_type" and str(refused.value.message) == "chỉ video"
    with pytest.raises(InvalidInput) as old_office:
        uploads.save_upload(get_storage(), files.ole2_doc(), prefix="t", accept=uploads.ATTACHMENTS)
    assert ".docx" in str(old_office.value.message)
    with pytest.raises(InvalidInput) as empty:
        uploads.save_upload(get_storage(), b"", prefix="t", accept=uploads.ATTACHMENTS)
    assert empty.value.code == "empty_file"
    with pytest.raises(InvalidInput) as big:
        uploads.save_upload(get_storage(), files.pdf(), prefix="t", accept=uploads.ATTACHMENTS, max_bytes=10)
    assert big.value.code == "file_too_large"
