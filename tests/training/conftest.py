"""Training fixtures: a trainer, a trainee, a small published course, and a stub practical-task registry."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.training import authoring, services


@dataclass
class StubResult:
    done: bool
    evidence_url: str | None = None
    detail: str = ""


class StubChecks(dict):
    """A registry whose answers the test sets: checks.done["product_with_photos"] = True."""

    def __init__(self):
        self.done: dict[str, bool] = {}
        self.calls: list[tuple[str, int]] = []
        super().__init__({kind: self._checker(kind) for kind in
                          ("product_with_photos", "practice_orders", "first_real_order", "vietqr_matched")})

    def _checker(self, kind):
        def check(user_id: int, **params) -> StubResult:
            self.calls.append((kind, user_id))
            if params.get("broken"):
                raise ValueError("bad params")
            if self.done.get(kind):
                return StubResult(True, f"/shop/evidence/{kind}", "seen in the data")
            return StubResult(False, None, "not yet")
        return check


@pytest.fixture
def checks(monkeypatch):
    registry = StubChecks()
    monkeypatch.setattr(services, "check_registry", lambda: registry)
    return registry


@pytest.fixture
def trainer(factory):
    return factory.user("Cô Hạnh", is_trainer=True)


@pytest.fixture
def admin(factory):
    return factory.user("Quản trị", is_admin=True)


@pytest.fixture
def trainee(factory):
    return factory.user("Lê Thị Mai")


@dataclass
class SmallCourse:
    course: object
    lessons: list
    quiz: object
    task: object
    single: object
    multiple: object
    short: object


@pytest.fixture
def small_course(db, trainer, checks) -> SmallCourse:
    """Two lessons, one quiz (single, multiple, short answer), one practical task; published."""
    course = authoring.create_course(trainer, authoring.CourseData(
        title="Chụp ảnh sản phẩm", summary="Ảnh đẹp bằng điện thoại", title_en="Product photos"))
    module = authoring.add_module(trainer, course, "Ánh sáng")
    one = authoring.add_lesson(trainer, module, authoring.LessonData(title="Gần cửa sổ", body="## Ánh sáng\n\nChụp **ban ngày**.", minutes=4))
    two = authoring.add_lesson(trainer, module, authoring.LessonData(title="Phông nền", body="Phông trơn.", minutes=3))
    quiz = authoring.add_quiz(trainer, module, "Kiểm tra", 60)
    single = authoring.add_question(trainer, quiz, kind="single", prompt="Chụp ở đâu?", choices=[
        authoring.ChoiceData("Gần cửa sổ", True, "Ánh sáng dịu."), authoring.ChoiceData("Nắng gắt", False, "Bóng đổ đen.")])
    multiple = authoring.add_question(trainer, quiz, kind="multiple", prompt="Ảnh nào cần có?", choices=[
        authoring.ChoiceData("Ảnh chính", True), authoring.ChoiceData("Ảnh cận", True),
        authoring.ChoiceData("Ảnh lọc màu rực", False, "Sai màu.")])
    short = authoring.add_question(trainer, quiz, kind="short", prompt="Viết tắt thu tiền khi giao?",
                                   choices=[], accepted=["COD", "Thu hộ"], explanation="Cash on delivery.")
    task = authoring.add_task(trainer, module, title="Đăng sản phẩm ba ảnh", kind="product_with_photos")
    authoring.set_course_status(trainer, course, "published")
    db.session.commit()
    return SmallCourse(course, [one, two], quiz, task, single, multiple, short)


def right_answers(sc: SmallCourse) -> dict:
    return {
        sc.single.id: services.Answer([c.id for c in sc.single.choices if c.is_correct]),
        sc.multiple.id: services.Answer([c.id for c in sc.multiple.choices if c.is_correct]),
        sc.short.id: services.Answer([], "  cód "),
    }


@pytest.fixture
def bearer(db):
    """bearer(user) → the Authorization header of a fresh API token for that user."""
    from app.accounts import services as accounts

    def make(user):
        raw, _ = accounts.issue_api_token(user, 30)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def image_bytes():
    """image_bytes() → a real PNG's bytes."""
    import io

    from PIL import Image

    def make(size=(64, 48), color=(200, 120, 30)) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", size, color).save(out, format="PNG")
        return out.getvalue()

    return make
