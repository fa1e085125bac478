"""Authoring at phone size: up/down and delete-or-archive on a course's page, the import preview with its problems.
Screenshots docs/screenshots/training-author-*.png."""
from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import sign_in

from .conftest import PHONE

pytestmark = pytest.mark.browser



@pytest.fixture
def course(browser_app, db, factory):
    from app.core.storage import get_storage
    from app.training import authoring, services
    from app.training.course_source import DirectoryFiles, import_course
    from app.training.demo import DEMO_COURSES

    trainer = factory.user("Cô Hạnh", is_trainer=True)
    with browser_app.test_request_context():
        course = import_course(trainer, DirectoryFiles(DEMO_COURSES / "ban-hang-livestream-chot-don"), get_storage())
        authoring.set_course_status(trainer, course, "published")
    trainee = factory.user("Lê Thị Mai")
    services.enrol(trainee, course)
    services.complete_lesson(trainee, course.lessons[0])  # someone studied the first lesson
    db.session.commit()
    return trainer, course


def test_reorder_archive_and_import_on_a_phone(page: Page, db, course, vi, shot):
    trainer, item = course
    first, second = item.lessons[0], item.lessons[1]
    sign_in(page, trainer)
    page.goto(f"/training/author/{item.id}")
    tools = page.get_by_test_id(f"tools-lesson-{second.id}")
    tools.get_by_role("button", name=vi("Move up")).click()
    lessons = page.locator(f"#module-{second.module_id} + ul.outline li")
    expect(lessons.first).to_contain_text(second.title)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "training-author-arrange")

    # The studied lesson is archived, not deleted; the page said so before.
    page.get_by_test_id(f"tools-lesson-{first.id}").get_by_role("link", name=vi("Delete or archive")).click()
    expect(page.get_by_test_id("remove-archive")).to_be_visible()
    shot(page, "training-author-archive")
    page.get_by_test_id("remove-confirm").click()
    expect(page.get_by_test_id("archived")).to_contain_text("(1)")

    # A pack with a problem: the preview lists it and offers no import.
    page.goto("/training/author")
    page.get_by_test_id("import-link").click()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("course.yaml", "format: cho-live-course/1\nslug: ban-hang-livestream-chot-don\ntitle: Bản sửa\n"
                                   "modules:\n- title: Phần 1\n  lessons:\n  - title: Bài 1\n    body: lessons/1.md\n")
    page.locator("input[name=pack]").set_input_files(files=[{"name": "khoa-hoc.zip", "mimeType": "application/zip",
                                                             "buffer": out.getvalue()}])
    page.get_by_role("button", name=vi("Check the pack")).click()
    problems = page.get_by_test_id("import-problems")
    expect(problems.locator("li[data-code=missing_file]")).to_be_visible()
    expect(problems.locator("li[data-code=duplicate_slug]")).to_be_visible()
    expect(page.get_by_test_id("import-confirm")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "training-author-import-problems")
