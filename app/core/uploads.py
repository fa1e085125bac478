"""The one checked entrance for uploaded files: the type is read from the bytes, never from the name.

Every upload (product photos, logos, live covers, lesson pictures, videos and attachments) goes through
`save_image` or `save_upload`. Photos are decoded and re-encoded by Pillow (core/images.py), so nothing but pixels
survives; other files must be one of a short list of types recognised by their structure. The stored key's extension
is the detected type's, and `served_as` turns that extension into the Content-Type and disposition that /media and
S3 give the file: only images are shown inline, everything else is a download.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..errors import InvalidInput
from .images import process_image

if TYPE_CHECKING:
    from .storage import Storage


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    inline: bool = False  # images only: shown in the page; anything else is served as a download


_TYPES = [
    FileType("webp", "image/webp", inline=True),
    # Stored before every photo was re-encoded to WebP; still served as pictures.
    FileType("jpg", "image/jpeg", inline=True), FileType("jpeg", "image/jpeg", inline=True),
    FileType("png", "image/png", inline=True),
    FileType("pdf", "application/pdf"),
    FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    FileType("odt", "application/vnd.oasis.opendocument.text"),
    FileType("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    FileType("odp", "application/vnd.oasis.opendocument.presentation"),
    FileType("mp4", "video/mp4"), FileType("webm", "video/webm"),
    FileType("m4a", "audio/mp4"), FileType("mp3", "audio/mpeg"),
    FileType("zip", "application/zip"),  # a course pack waiting between preview and import (never an upload kind)
]
TYPES = {t.extension: t for t in _TYPES}
OPAQUE = FileType("bin", "application/octet-stream")

IMAGE = "image"  # what detect() calls a JPEG, PNG or WebP photo before it is re-encoded
DOCUMENTS = frozenset({"pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp"})
AUDIO_VIDEO = frozenset({"mp4", "webm", "m4a", "mp3"})
ATTACHMENTS = DOCUMENTS | AUDIO_VIDEO | {IMAGE}

# Keys under this prefix hold private papers (a seller's verification documents): /media never serves them; the
# feature that stored one serves it, after its own permission check, to whoever may read it.
PRIVATE_PREFIX = "private/"

_OOXML_MAIN_PARTS = {"word/document.xml": "docx", "xl/workbook.xml": "xlsx", "ppt/presentation.xml": "pptx"}
_ODF_MIMETYPES = {"application/vnd.oasis.opendocument.text": "odt",
                  "application/vnd.oasis.opendocument.spreadsheet": "ods",
                  "application/vnd.oasis.opendocument.presentation": "odp"}
_MAX_ZIP_ENTRIES = 5000
_MP4_AUDIO_BRANDS = {b"M4A ", b"M4B "}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc/.xls/.ppt: not accepted (macros; cannot be checked cheaply)


def is_public_key(key: str) -> bool:
    """Whether /media may serve `key`: written plainly (no `.`, `..` or doubled `/` segments that could reach another
    folder) and outside the private prefix."""
    import posixpath

    return bool(key) and posixpath.normpath(key) == key and not key.startswith(PRIVATE_PREFIX)


def served_as(key: str) -> FileType:
    """How a stored file is served, from its key's extension; an unknown extension is an opaque download."""
    extension = key.rsplit("/", 1)[-1].rpartition(".")[2].lower() if "." in key.rsplit("/", 1)[-1] else ""
    return TYPES.get(extension, OPAQUE)


def detect(data: bytes) -> str | None:
    """The type of a file from its bytes: IMAGE, an extension from DOCUMENTS / AUDIO_VIDEO, or None."""
    head = data[:64]
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return IMAGE
    if head.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_document(data)
    if head[4:8] == b"ftyp" and int.from_bytes(head[:4], "big") >= 12:
        return "m4a" if head[8:12] in _MP4_AUDIO_BRANDS else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in data[:64]:
        return "webm"
    if head.startswith(b"ID3") and len(head) > 10 and head[3] in (2, 3, 4):
        return "mp3"
    if len(head) >= 4 and _mpeg_audio_frame(head):
        return "mp3"
    return None


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG-1/2 Layer III frame header: 11 sync bits, a valid version, layer III, a real bitrate and rate."""
    b1, b2 = head[1], head[2]
    return (head[0] == 0xFF and b1 & 0xE0 == 0xE0 and (b1 >> 3) & 0x3 != 0x1 and (b1 >> 1) & 0x3 == 0x1
            and b2 >> 4 not in (0x0, 0xF) and (b2 >> 2) & 0x3 != 0x3)


def _zip_document(data: bytes) -> str | None:
    """docx/xlsx/pptx or odt/ods/odp by the parts inside; macro-carrying files and other zips are refused.

    Only the zip's directory and two tiny parts are read, so a zip bomb costs nothing.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if not entries or len(entries) > _MAX_ZIP_ENTRIES:
                return None
            names = {e.filename for e in entries}
            if any(n.lower().endswith("vbaproject.bin") or n.startswith(("Basic/", "Scripts/")) for n in names):
                return None
            if entries[0].filename == "mimetype" and entries[0].file_size <= 100:
                return _ODF_MIMETYPES.get(archive.read(entries[0]).decode("ascii", "replace").strip())
            types = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if types is None or types.file_size > 1_000_000:
                return None
            if b"macroEnabled" in archive.read(types):
                return None
            found = [kind for part, kind in _OOXML_MAIN_PARTS.items() if part in names]
            return found[0] if len(found) == 1 else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, ValueError, NotImplementedError):
        return None


@dataclass(frozen=True)
class StoredFile:
    key: str
    extension: str
    size: int


@dataclass(frozen=True)
class StoredImage:
    key: str
    thumb_key: str | None
    width: int
    height: int
    sizes: dict[str, str] | None = None  # {width: key} of the narrower copies a srcset offers, when asked for


def save_image(storage: Storage, raw: bytes, *, prefix: str, max_side: int = 1600, thumb_side: int = 400,
               thumb_prefix: str | None = None, widths: tuple[int, ...] = (),
               sizes_prefix: str | None = None) -> StoredImage:
    """Check and re-encode a photo (JPEG, PNG or WebP in; WebP out) and store it, its thumbnail when thumb_prefix is
    given, and a copy at each of `widths` narrower than the picture (for srcset) under sizes_prefix."""
    image = process_image(raw, max_side=max_side, thumb_side=thumb_side, widths=widths)
    key = storage.save(image.data, prefix=prefix, extension=image.extension)
    thumb = storage.save(image.thumbnail, prefix=thumb_prefix, extension=image.extension) if thumb_prefix else None
    sizes = None
    if widths:
        sizes = {str(width): storage.save(data, prefix=sizes_prefix or f"{prefix}/sizes", extension=image.extension)
                 for width, data in image.variants}
    return StoredImage(key, thumb, image.width, image.height, sizes)


def save_upload(storage: Storage, data: bytes, *, prefix: str, accept: frozenset[str], max_bytes: int | None = None,
                refused_message: str | LazyString | None = None, image_side: int = 1600) -> StoredFile:
    """Store a file whose bytes are one of the accepted types (IMAGE, or extensions of DOCUMENTS / AUDIO_VIDEO).

    A photo is re-encoded like a product photo; any other accepted file is stored as it came, under a fresh key
    ending in its detected extension. Anything else is refused with `refused_message`.
    """
    if not data:
        raise InvalidInput(_l("The file is empty."), code="empty_file")
    if max_bytes is not None and len(data) > max_bytes:
        raise InvalidInput(_l("The file is too large."), code="file_too_large")
    kind = detect(data)
    if kind is None or kind not in accept:
        if data.startswith(_OLE2) and accept & DOCUMENTS:
            raise InvalidInput(_l("Old Office files (.doc, .xls, .ppt) cannot be attached: please save it as .docx, "
                                  ".xlsx, .pptx or PDF first."), code="file_type")
        raise InvalidInput(refused_message or refused_attachment_message(), code="file_type")
    if kind == IMAGE:
        image = process_image(data, max_side=image_side)
        data, kind = image.data, image.extension
    key = storage.save(data, prefix=prefix, extension=kind)
    return StoredFile(key, kind, len(data))


def refused_attachment_message() -> LazyString:
    """What a trainer is told when a lesson file is not one of the accepted types."""
    return _l("This kind of file cannot be attached. Please choose a PDF, a photo (JPEG, PNG, WebP), a Word, Excel "
              "or PowerPoint file (.docx, .xlsx, .pptx), an OpenDocument file (.odt, .ods, .odp), or an MP4, WebM, "
              "M4A or MP3 file.")
