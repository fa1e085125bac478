"""Small files of every accepted upload type, and hostile ones, built in memory for the upload tests."""
from __future__ import annotations

import io
import zipfile

from PIL import Image

SCRIPT = b"<script>fetch('/admin/users/1/role',{method:'POST',body:'role=admin'})</script>"


def jpeg(size=(24, 16), colour=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def png(size=(24, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 160, 90)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def _zip(parts: dict[str, bytes], stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if stored_first:
            archive.writestr(zipfile.ZipInfo(stored_first), parts.pop(stored_first), compress_type=zipfile.ZIP_STORED)
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 b'<Default Extension="xml" ContentType="application/xml"/></Types>')


def docx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": b"<Relationships/>",
                 "word/document.xml": b"<w:document/>"})


def xlsx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})


def pptx() -> bytes:
    return _zip({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p:presentation/>"})


def odt() -> bytes:
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"},
                stored_first="mimetype")


def docm() -> bytes:
    """A Word file with macros: the structure of a docx plus a VBA project."""
    return _zip({"[Content_Types].xml": CONTENT_TYPES.replace(b"application/xml",
                                                              b"application/vnd.ms-word.document.macroEnabled.main+xml"),
                 "word/document.xml": b"<w:document/>", "word/vbaProject.bin": b"\x00" * 64})


def plain_zip() -> bytes:
    return _zip({"index.html": b"<html>" + SCRIPT + b"</html>"})


def ole2_doc() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def mp4(brand: bytes = b"isom") -> bytes:
    return (b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00isomiso2"
            + b"\x00\x00\x00\x08free" + b"\x00\x00\x04\x00mdat" + b"\x00" * 1016)


def m4a() -> bytes:
    return mp4(b"M4A ")


def webm() -> bytes:
    return (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
            b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x00" * 512)


def mp3() -> bytes:
    frame = b"\xff\xfb\x90\x64" + b"\x00" * 413
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + frame * 3


# Hostile uploads: each must be refused, or stored so that it can never run as a page of the site.
HTML = b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="fetch(\'/admin\')"><script>alert(1)</script></svg>'
JS = b"fetch('/admin/users/1/role', {method: 'POST', body: 'role=admin'});"
GIF_POLYGLOT = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;" + SCRIPT  # a GIF header that is also JavaScript
JPEG_HEADER_THEN_HTML = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + HTML


def jpeg_with_html_appended() -> bytes:
    """A real JPEG that browsers sniffing for HTML would also read as a page."""
    return jpeg() + HTML


def pdf_polyglot() -> bytes:
    """Starts and ends like a PDF, holds a page in between."""
    return b"%PDF-1.4\n" + HTML + b"\n%%EOF\n"
