"""The course "Bán hàng đúng luật 2026" as files: the outline names existing lessons, each dated and marked as general
guidance, and a quiz of eight questions with one right answer and an explanation each."""
from __future__ import annotations

from pathlib import Path

import yaml

COURSE = Path(__file__).resolve().parents[2] / "app" / "compliance" / "course"


def test_the_outline_names_dated_lessons_marked_as_general_guidance():
    outline = yaml.safe_load((COURSE / "outline.yaml").read_text(encoding="utf-8"))
    assert outline["title"] == "Bán hàng đúng luật 2026" and outline["general_guidance"] is True
    lessons = [lesson for module in outline["modules"] for lesson in module["lessons"]]
    assert len(lessons) >= 4
    for lesson in lessons:
        text = (COURSE / lesson["file"]).read_text(encoding="utf-8")
        assert text.startswith(f"# {lesson['title']}\n"), lesson["file"]
        assert "Hướng dẫn chung, cập nhật" in text and "2026" in text, lesson["file"]
    topics = " ".join((COURSE / lesson["file"]).read_text(encoding="utf-8") for lesson in lessons).lower()
    for word in ("khấu trừ", "tự kê khai", "ngưỡng", "hóa đơn điện tử", "livestream"):
        assert word in topics


def test_the_quiz_has_eight_questions_each_with_one_answer_and_an_explanation():
    outline = yaml.safe_load((COURSE / "outline.yaml").read_text(encoding="utf-8"))
    quiz = yaml.safe_load((COURSE / outline["quiz"]["file"]).read_text(encoding="utf-8"))
    questions = quiz["questions"]
    assert len(questions) == 8
    for q in questions:
        assert len(q["choices"]) >= 3 and 0 <= q["answer"] < len(q["choices"]) and len(q["explanation"]) > 20
