"""The demo course "Bán hàng đúng luật 2026" (#16, #17): dated lessons marked as general guidance on the topics the
rules cover, and a quiz of eight questions with one right answer and an explanation each; it loads through the same
importer trainers use."""
from __future__ import annotations

from pathlib import Path

import yaml

from app.training.demo import COURSE_SLUGS, DEMO_COURSES

SLUG = "ban-hang-dung-luat-2026"
COURSE = DEMO_COURSES / SLUG


def _outline() -> dict:
    return yaml.safe_load((COURSE / "course.yaml").read_text(encoding="utf-8"))


def test_the_lessons_are_dated_general_guidance_on_the_rules():
    outline = _outline()
    assert SLUG in COURSE_SLUGS and outline["title"] == "Bán hàng đúng luật 2026"
    lessons = [lesson for module in outline["modules"] for lesson in module["lessons"]]
    assert len(lessons) >= 4
    texts = [Path(COURSE / lesson["body"]).read_text(encoding="utf-8") for lesson in lessons]
    for lesson, text in zip(lessons, texts, strict=False):
        assert "Hướng dẫn chung, cập nhật" in text and "2026" in text, lesson["body"]
    topics = " ".join(texts).lower()
    for word in ("khấu trừ", "tự kê khai", "ngưỡng", "hóa đơn điện tử", "livestream"):
        assert word in topics


def test_a_trainer_lesson_teaches_the_livestream_duties_on_the_screens_sellers_use():
    """#17 item 6: the trainer-facing lesson walks through the pre-live checklist, the warning overlay, reports, the
    platform's stop and retention, naming the buttons as the pages name them."""
    lessons = [lesson for module in _outline()["modules"] for lesson in module["lessons"]]
    [trainer] = [lesson for lesson in lessons if "người hướng dẫn" in lesson["title"]]
    text = Path(COURSE / trainer["body"]).read_text(encoding="utf-8")
    for words in ("Trước phiên live", "Sản phẩm dành cho người lớn", "Không dùng cho trẻ dưới 3 tuổi", "Báo cáo",
                  "dừng phiên live", "Quy định livestream", "chưa chắc chắn", "122/2025/QH15"):
        assert words in text, words


def test_the_quiz_has_eight_questions_each_with_one_answer_and_an_explanation():
    [quiz] = [quiz for module in _outline()["modules"] for quiz in module.get("quizzes", [])]
    assert len(quiz["questions"]) == 8
    for q in quiz["questions"]:
        assert q["kind"] == "single" and len(q["choices"]) >= 3 and len(q["explanation"]) > 20
        assert sum(1 for c in q["choices"] if c["correct"]) == 1


def test_it_imports_with_the_trainers_importer(app, db, factory):
    from app.core.storage import get_storage
    from app.training.course_source import DirectoryFiles, import_course

    trainer = factory.user("Tổ công nghệ số", is_trainer=True)
    course = import_course(trainer, DirectoryFiles(COURSE), get_storage())
    db.session.commit()
    assert course.slug == SLUG and len(course.lessons) == 6 and course.status == "draft"
