"""Course source packs: export → import → export gives the same pack; a bad pack is refused whole, with its problems."""
from __future__ import annotations

import io
import zipfile

import pytest
import yaml
from sqlalchemy import func, select

from app.core.storage import get_storage
from app.errors import InvalidInput
from app.training import authoring
from app.training.course_source import DirectoryFiles, ZipFiles, export_course, import_course, preview_course
from app.training.course_source.exporter import dump_yaml
from app.training.demo import DEMO_COURSES
from app.training.models import Attachment, Choice, Course, Lesson, Question
from app.training.review import rubric
from tests.core import files as sample_files


@pytest.fixture
def rich_course(app, db, trainer, small_course, image_bytes):
    """The small course plus a picture in a lesson, a video, an attachment, a picture question and a rubric."""
    storage = get_storage()
    course = small_course.course
    with app.test_request_context():
        authoring.add_lesson_picture(trainer, small_course.lessons[0], image_bytes(), storage, "Cửa sổ")
        authoring.set_lesson_video(trainer, small_course.lessons[0], sample_files.mp4(b"mp42"), "bai1.mp4",
                                   storage)
        authoring.add_attachment(trainer, small_course.lessons[1], sample_files.pdf(), "Bảng giá.pdf", storage)
        good = authoring.store_quiz_image(trainer, image_bytes(color=(240, 240, 230)), storage)
        bad = authoring.store_quiz_image(trainer, image_bytes(color=(40, 30, 30)), storage)
        authoring.add_question(trainer, small_course.quiz, kind="picture", prompt="Ảnh nào sáng?", choices=[
            authoring.ChoiceData("Sáng", True, "Đúng.", good), authoring.ChoiceData("Tối", False, None, bad)])
        rubric.ensure_rubric(trainer, course)
    db.session.commit()
    return course


def _zip(files: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_export_import_export_gives_the_same_pack(app, db, trainer, rich_course):
    storage = get_storage()
    with app.test_request_context():
        first = export_course(rich_course, storage)
        entries = _entries(first)
        document = yaml.safe_load(entries["course.yaml"])
        lesson_file = document["modules"][0]["lessons"][0]["body"]
        assert "](media/" in entries[lesson_file].decode() and "/media/training" not in entries[lesson_file].decode()
        assert len(document["rubric"]) == 6 and document["rubric"][2]["target_seconds"] == 60
        assert {q["kind"] for q in document["modules"][0]["quizzes"][0]["questions"]} == {
            "single", "multiple", "short", "picture"}
        db.session.delete(rich_course)
        db.session.commit()
        assert db.session.scalar(select(func.count(Lesson.id))) == 0
        imported = import_course(trainer, ZipFiles(first), storage)
        db.session.commit()
        assert imported.status == "draft" and imported.slug == document["slug"]
        second = export_course(db.session.get(Course, imported.id), storage)
    assert second == first  # byte for byte: same names, same YAML, same Markdown, same media
    lesson = imported.lessons[0]
    assert lesson.video_key and storage.read(lesson.video_key).startswith(b"\x00\x00\x00\x18ftyp")
    assert db.session.scalar(select(Attachment.filename)) == "Bảng giá.pdf"
    picture = db.session.scalar(select(Question).where(Question.kind == "picture"))
    assert [c.is_correct for c in picture.choices] == [True, False] and all(c.image_key for c in picture.choices)


def test_preview_lists_the_course_and_writes_nothing(db, trainer, checks):
    files = DirectoryFiles(DEMO_COURSES / "ban-hang-livestream-chot-don")
    result = preview_course(trainer, files)
    assert result.ok, [p.to_dict() for p in result.problems]
    assert result.plan.counts == {"modules": 2, "lessons": 6, "quizzes": 1, "questions": 4, "tasks": 1, "rubric": 6}
    assert db.session.scalar(select(func.count(Course.id))) == 0
    assert db.session.scalar(select(func.count(Choice.id))) == 0


def test_a_zip_of_the_course_folder_imports_too(app, db, trainer, checks):
    root = DEMO_COURSES / "thanh-toan-dong-goi-giao-hang"
    data = _zip({f"khoa-hoc/{p.relative_to(root).as_posix()}": p.read_bytes()
                 for p in root.rglob("*") if p.is_file()})
    with app.test_request_context():
        course = import_course(trainer, ZipFiles(data), get_storage())
    assert course.title == "Thanh toán, đóng gói và giao hàng" and len(course.lessons) == 5


def _demo_pack(**changes) -> dict[str, bytes]:
    """The first demo course as zip entries, with course.yaml changed by a function or files replaced."""
    root = DEMO_COURSES / "ban-hang-online-chup-anh"
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    edit = changes.pop("edit", None)
    if edit is not None:
        document = yaml.safe_load(files["course.yaml"])
        edit(document)
        files["course.yaml"] = dump_yaml(document).encode()
    files.update(changes.pop("files", {}))
    for name in changes.pop("drop", []):
        files.pop(name)
    return files


def _unknown_kind(doc):
    doc["modules"][1]["quizzes"][0]["questions"][0]["kind"] = "essay"


def _two_right_answers(doc):
    doc["modules"][1]["quizzes"][0]["questions"][0]["choices"][1]["correct"] = True


def _typo(doc):
    doc["modules"][0]["lesson"] = doc["modules"][0].pop("lessons")


def _traversal(files):
    files["../../etc/cron.d/x"] = b"* * * * * root sh"
    return files


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("course.yaml", b"format: cho-live-course/1\n")
        zf.writestr("media/big.mp4", b"\0" * (30 * 1024 * 1024))  # 30 MB of zeros packs into ~30 KB
    return out.getvalue()


BAD_PACKS = {
    "missing_file": lambda: _zip(_demo_pack(drop=["lessons/01-02-mo-gian-hang-tren-cho-live.md"])),
    "missing_picture": lambda: _zip(_demo_pack(drop=["media/anh-toi-nen-roi.webp"])),
    "unknown_question_kind": lambda: _zip(_demo_pack(edit=_unknown_kind)),
    "bad_yaml": lambda: _zip(_demo_pack(files={"course.yaml": b"format: cho-live-course/1\nmodules: [\n  - title: x"})),
    "unknown_key": lambda: _zip(_demo_pack(edit=_typo)),
    "correct": lambda: _zip(_demo_pack(edit=_two_right_answers)),
    "unsafe_name": lambda: _zip(_traversal(_demo_pack())),
    "zip_bomb": _bomb,
    "bad_zip": lambda: b"PK\x03\x04 this is not really a zip",
    "bad_format": lambda: _zip(_demo_pack(edit=lambda d: d.pop("format"))),
}


@pytest.mark.parametrize("case", sorted(BAD_PACKS))
def test_a_bad_pack_is_refused_whole_with_its_problems(app, db, trainer, checks, tmp_path, case):
    expected = {"missing_picture": "missing_file"}.get(case, case)
    storage = get_storage()
    before = sorted(p.name for p in storage.root.rglob("*")) if hasattr(storage, "root") else None
    files = ZipFiles(BAD_PACKS[case]())
    preview = preview_course(trainer, files)
    assert not preview.ok and expected in {p.code for p in preview.problems}, [p.to_dict() for p in preview.problems]
    with app.test_request_context(), pytest.raises(InvalidInput) as refused:
        import_course(trainer, files, storage)
    assert refused.value.code == "bad_pack"
    assert expected in {p["code"] for p in refused.value.details["problems"]}
    assert all(p["message"] for p in refused.value.details["problems"])
    db.session.commit()
    assert db.session.scalar(select(func.count(Course.id))) == 0  # nothing half-imported
    assert db.session.scalar(select(func.count(Lesson.id))) == 0
    if before is not None:
        assert sorted(p.name for p in storage.root.rglob("*")) == before  # no media left behind


def test_every_problem_is_listed_with_its_place(db, trainer, checks):
    def many(doc):
        _unknown_kind(doc)
        doc["modules"][0]["lessons"][0]["minutes"] = "năm"
        doc["modules"][1]["tasks"][0]["kind"] = "no_such_check"

    result = preview_course(trainer, ZipFiles(_zip(_demo_pack(edit=many))))
    found = {(p.code, p.where) for p in result.problems}
    assert ("unknown_question_kind", "Phần học 2 › Bài kiểm tra 1 › Câu hỏi 1") in found
    assert ("bad_value", "Phần học 1 › Bài học 1") in found
    # The task kind is checked by the authoring service itself, in the dry run.
    result = preview_course(trainer, ZipFiles(_zip(_demo_pack(edit=lambda d: d["modules"][1]["tasks"][0].update(
        kind="no_such_check")))))
    assert [(p.code, p.where) for p in result.problems] == [("task_kind", "Phần học 2 › Nhiệm vụ 1")]


def test_duplicate_slug_and_slug_override(app, db, trainer, checks):
    files = DirectoryFiles(DEMO_COURSES / "thanh-toan-dong-goi-giao-hang")
    with app.test_request_context():
        import_course(trainer, files, get_storage())
        db.session.commit()
        result = preview_course(trainer, files)
        assert [p.code for p in result.problems] == ["duplicate_slug"]
        copy = import_course(trainer, files, get_storage(), slug="thanh-toan-ban-2")
    assert copy.slug == "thanh-toan-ban-2" and db.session.scalar(select(func.count(Course.id))) == 2


def test_only_staff_import(db, trainee, checks):
    from app.errors import Forbidden

    with pytest.raises(Forbidden):
        preview_course(trainee, DirectoryFiles(DEMO_COURSES / "thanh-toan-dong-goi-giao-hang"))


def test_oversized_pack_and_too_many_files(trainer, checks):
    assert [p.code for p in ZipFiles(b"x" * 2048, max_bytes=1024).problems] == ["too_large"]
    crowd = _zip({f"media/{i}.txt": b"x" for i in range(501)})
    assert [p.code for p in ZipFiles(crowd).problems] == ["too_many_files"]


def test_the_import_pages_preview_then_import_and_export_downloads(client, auth, db, trainer, checks):
    from .test_views import csrf

    auth.login_as(trainer)
    token = csrf(client, "/training/author/import")
    good = _zip(_demo_pack())
    preview = client.post("/training/author/import", content_type="multipart/form-data",
                          data={"csrf_token": token, "pack": (io.BytesIO(good), "khoa.zip")})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'data-testid="import-preview"' in html and "import-confirm" in html
    assert db.session.scalar(select(func.count(Course.id))) == 0  # a preview writes nothing
    done = client.post("/training/author/import/confirm", data={"csrf_token": token, "action": "import", "slug": ""})
    course = db.session.scalar(select(Course))
    assert done.headers["Location"].endswith(f"/training/author/{course.id}") and course.status == "draft"
    again = client.post("/training/author/import/confirm", data={"csrf_token": token, "action": "import"},
                        follow_redirects=True)
    assert "Bản xem trước đã hết hạn" in again.get_data(as_text=True)  # the waiting pack was used once

    bad = client.post("/training/author/import", data={"csrf_token": token, "pack": (
        io.BytesIO(_zip(_demo_pack(edit=_unknown_kind))), "hong.zip")}, content_type="multipart/form-data")
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-code="unknown_question_kind"' in page
    assert 'data-code="duplicate_slug"' in page
    assert "import-confirm" not in page
    refused = client.post("/training/author/import/confirm", data={"csrf_token": token, "action": "import"},
                          follow_redirects=True)
    assert "Bản xem trước đã hết hạn" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Course.id))) == 1

    exported = client.get(f"/training/author/{course.id}/source.zip")
    assert exported.mimetype == "application/zip"
    assert yaml.safe_load(_entries(exported.data)["course.yaml"])["slug"] == course.slug
