"""Uploads never become pages of this site: types are read from the bytes, /media serves downloads in a sandbox.

The attack reported in #12: a trainer attaches "bai-hoc.html" (or .svg, .js) to a lesson; /media served it inline
as text/html from the site's origin, so the admin who opened it ran the trainer's script.
"""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from app.core import uploads
from app.core.storage import get_storage
from app.errors import InvalidInput
from app.training import authoring
from app.training.models import Attachment, Lesson
from tests.core import files
from tests.training.conftest import checks, small_course, trainer  # noqa: F401 (fixtures)

CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')

HOSTILE = [
    ("bai-hoc.html", files.HTML), ("so-do.svg", files.SVG), ("tien-ich.js", files.JS),
    ("anh.gif", files.GIF_POLYGLOT), ("anh.jpg", files.JPEG_HEADER_THEN_HTML),
    ("tai-lieu.pdf", files.HTML),  # a page renamed .pdf
    ("bang-gia.xlsx", files.plain_zip()), ("mau.docm", files.docm()), ("cu.doc", files.ole2_doc()),
]


def _assert_sandboxed(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp


def _attach(client, lesson, name: str, data: bytes):
    page = client.get(f"/training/author/lesson/{lesson.id}").get_data(as_text=True)
    form = {"csrf_token": CSRF.search(page).group(1), "title": lesson.title, "minutes": "4", "body": lesson.body,
            "attachment": (io.BytesIO(data), name)}
    return client.post(f"/training/author/lesson/{lesson.id}", data=form, content_type="multipart/form-data",
                       follow_redirects=True)


@pytest.mark.parametrize("name,data", HOSTILE, ids=[n for n, _ in HOSTILE])
def test_a_trainer_cannot_attach_a_page_a_script_or_a_disguised_file(client, auth, db, trainer, small_course,
                                                                     name, data):
    lesson = small_course.lessons[0]
    auth.login_as(trainer)
    page = _attach(client, lesson, name, data).get_data(as_text=True)
    assert "không đính kèm được" in page.lower() or "JPEG, PNG hoặc WebP" in page
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


@pytest.mark.parametrize("name,build,extension,content_type", [
    ("bang-gia.pdf", files.pdf, "pdf", "application/pdf"),
    ("huong-dan.docx", files.docx, "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("so-lieu.xlsx", files.xlsx, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("trinh-chieu.pptx", files.pptx, "pptx",
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("van-ban.odt", files.odt, "odt", "application/vnd.oasis.opendocument.text"),
    ("loi-chao.mp3", files.mp3, "mp3", "audio/mpeg"), ("clip.mp4", files.mp4, "mp4", "video/mp4"),
    # The name does not matter, the bytes do: a PDF named .html is stored, named and served as a PDF.
    ("bai-hoc.html", files.pdf, "pdf", "application/pdf"),
    # Starts and ends like a PDF with a page inside: kept as a PDF, a download in a sandbox.
    ("la.pdf", files.pdf_polyglot, "pdf", "application/pdf"),
])
def test_accepted_attachments_are_named_by_their_type_and_served_as_downloads(client, auth, db, trainer, small_course,
                                                                              name, build, extension, content_type):
    lesson = small_course.lessons[0]
    auth.login_as(trainer)
    _attach(client, lesson, name, build())
    db.session.expire_all()
    attachment = db.session.scalar(select(Attachment))
    assert attachment.key.startswith("training/files/") and attachment.key.endswith(f".{extension}")
    assert attachment.filename == name.rsplit(".", 1)[0] + f".{extension}"
    response = client.get(f"/media/{attachment.key}")
    assert response.status_code == 200 and response.mimetype == content_type
    assert response.headers["Content-Disposition"].startswith("attachment")
    _assert_sandboxed(response)


def test_a_picture_attachment_is_re_encoded_and_shown_inline(client, auth, db, trainer, small_course):
    lesson = small_course.lessons[0]
    auth.login_as(trainer)
    _attach(client, lesson, "anh-bia.jpg", files.jpeg_with_html_appended())
    db.session.expire_all()
    attachment = db.session.scalar(select(Attachment))
    assert attachment.key.endswith(".webp") and attachment.filename == "anh-bia.webp"
    response = client.get(f"/media/{attachment.key}")
    assert response.mimetype == "image/webp" and "attachment" not in response.headers.get("Content-Disposition", "")
    assert b"<script" not in response.data
    _assert_sandboxed(response)


@pytest.mark.parametrize("name,data", [("bai.html", files.HTML), ("bai.mp4", files.HTML), ("bai.mp4", files.pdf()),
                                       ("bai.webm", files.SVG)])
def test_lesson_videos_are_checked_by_content_too(db, trainer, small_course, app, name, data):
    lesson = small_course.lessons[0]
    with pytest.raises(InvalidInput) as refused:
        authoring.set_lesson_video(trainer, lesson, data, name, get_storage())
    assert refused.value.code == "file_type"


def test_a_video_named_anything_is_stored_under_its_real_type(db, trainer, small_course, app, client):
    lesson = small_course.lessons[0]
    authoring.set_lesson_video(trainer, lesson, files.webm(), "video-cua-toi.html", get_storage())
    authoring.set_lesson_video(trainer, lesson, files.m4a(), "x.mp4", get_storage(), low=True)
    db.session.commit()
    assert lesson.video_key.endswith(".webm") and lesson.video_low_key.endswith(".m4a")
    response = client.get(f"/media/{lesson.video_key}")
    assert response.mimetype == "video/webm" and response.headers["Content-Disposition"].startswith("attachment")
    _assert_sandboxed(response)


@pytest.mark.parametrize("data", [files.HTML, files.SVG, files.JS, files.GIF_POLYGLOT, files.JPEG_HEADER_THEN_HTML,
                                  files.pdf()])
def test_every_picture_upload_refuses_what_is_not_a_picture(db, app, seller, make_product, trainer, data):
    from app.accounts.services import set_logo
    from app.livestream.covers import set_cover
    from app.livestream.services import schedule_live
    from app.shop.photos import add_photo

    owner, org = seller
    product = make_product(owner, org)
    live = schedule_live(owner, org, title="Phiên thử", scheduled_at=_soon())
    storage = get_storage()
    for upload in (lambda: add_photo(owner, product, data, storage), lambda: set_logo(owner, org, data, storage),
                   lambda: set_cover(owner, live, data, storage),
                   lambda: authoring.store_quiz_image(trainer, data, storage)):
        with pytest.raises(InvalidInput) as refused:
            upload()
        assert refused.value.code == "invalid_image"


def test_every_picture_upload_keeps_only_the_pixels_of_a_polyglot(db, app, client, seller, make_product, trainer,
                                                                small_course):
    from app.accounts.services import set_logo
    from app.livestream.covers import set_cover
    from app.livestream.services import schedule_live
    from app.shop.photos import add_photo

    owner, org = seller
    storage, data = get_storage(), files.jpeg_with_html_appended()
    photo = add_photo(owner, make_product(owner, org), data, storage)
    live = set_cover(owner, schedule_live(owner, org, title="Phiên thử", scheduled_at=_soon()), data, storage)
    lesson = small_course.lessons[0]
    with app.test_request_context():
        picture = authoring.add_lesson_picture(trainer, lesson, data, storage)
    keys = [photo.key, photo.thumb_key, set_logo(owner, org, data, storage), live.cover_key, live.cover_thumb_key,
            authoring.store_quiz_image(trainer, data, storage), picture]
    for key in keys:
        assert key.endswith(".webp")
        response = client.get(f"/media/{key}")
        assert response.mimetype == "image/webp" and b"<script" not in response.data
        _assert_sandboxed(response)


@pytest.mark.parametrize("name,data", [("training/files/cu.html", files.HTML), ("training/files/cu.svg", files.SVG),
                                       ("training/files/cu.js", files.JS), ("training/files/cu.xhtml", files.HTML)])
def test_files_stored_before_the_fix_are_opaque_downloads(app, client, name, data):
    # What an attacker uploaded before this fix is still on disk under its own extension.
    path = app.config["STORAGE_LOCAL_DIR"] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    _assert_sandboxed(response)


def test_a_missing_media_file_is_a_404(client):
    assert client.get("/media/training/files/none.pdf").status_code == 404
    assert client.get("/media/../config.py").status_code == 404


def _soon():
    from datetime import timedelta

    from app.core.dbtypes import utcnow

    return utcnow() + timedelta(hours=2)


def test_lesson_page_offers_the_download_under_its_safe_name(client, auth, db, trainer, small_course):
    lesson = small_course.lessons[0]
    authoring.add_attachment(trainer, lesson, files.pdf(), "bai-hoc.html", get_storage())
    db.session.commit()
    assert db.session.get(Lesson, lesson.id).attachments[0].filename == "bai-hoc.pdf"
    assert uploads.served_as(db.session.get(Lesson, lesson.id).attachments[0].key).content_type == "application/pdf"


def test_a_lesson_video_is_streamed_with_byte_ranges(app, client):
    """A phone's video player seeks with Range requests; /media answers 206 with the asked bytes, from the disk file."""
    data = files.mp4().ljust(300_000, b"\x01")
    key = get_storage().save(data, prefix="training/video", extension="mp4", content_type="video/mp4")
    whole = client.get(f"/media/{key}")
    assert whole.status_code == 200 and whole.data == data
    part = client.get(f"/media/{key}", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert part.data == data[1000:2000] and part.mimetype == "video/mp4"
    _assert_sandboxed(part)
    assert client.get(f"/media/{key}", headers={"Range": f"bytes={len(data) + 10}-"}).status_code == 416
