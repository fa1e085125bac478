"""A course's rubric for live reviews: the default criteria, adding and editing (arrange.py moves and removes)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...accounts.models import User
from ...errors import InvalidInput
from ...extensions import db
from ..models import Course
from ..services import require_staff
from .models import RubricCriterion

# What the district's trainers look at in a trainee's first lives (Vietnamese as stored, English beside it).
DEFAULT_RUBRIC = (
    ("Chào khách và giới thiệu sản phẩm", "Greeting and product introduction",
     "Chào khách, nói mình là ai, hôm nay bán gì; cầm sản phẩm gần camera, đọc mã và giá.", None),
    ("Đọc to bình luận của khách", "Reading comments aloud",
     "Gọi tên khách khi đọc bình luận, để khách thấy được quan tâm.", None),
    ("Trả lời câu hỏi nhanh", "Answering questions quickly",
     "Trả lời câu hỏi về giá, giao hàng, còn hàng trong thời gian mục tiêu.", 60),
    ("Xác nhận đơn hàng", "Confirming orders",
     "Đọc to tên khách, mã và số lượng khi chốt; hủy ngay khi khách đổi ý.", None),
    ("Ghim sản phẩm và dùng flash sale", "Pinning and flash sale use",
     "Ghim sản phẩm đang giới thiệu; dùng flash sale đúng lúc, nói rõ giờ kết thúc.", None),
    ("Kết thúc buổi live", "Closing",
     "Tóm tắt đơn, nhắc khách vào giỏ hàng điền địa chỉ, hẹn buổi live sau.", None),
)


@dataclass
class CriterionData:
    title: str | None
    title_en: str | None = None
    guidance: str | None = None
    max_score: int | str | None = 4
    target_seconds: int | str | None = None


def criteria_of(course: Course, *, archived: bool = False) -> list[RubricCriterion]:
    query = select(RubricCriterion).where(RubricCriterion.course_id == course.id)
    query = query.where(RubricCriterion.archived_at.is_not(None) if archived else RubricCriterion.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(RubricCriterion.position, RubricCriterion.id)))


def _whole(value: int | str | None, label, low: int, high: int, *, required: bool) -> int | None:
    if value is None or value == "":
        if required:
            raise InvalidInput(_l("Please fill in: %(field)s", field=label), code="required")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_l("%(field)s must be a whole number from %(low)s to %(high)s.", field=label, low=low,
                              high=high), code="bad_number") from None
    if not low <= number <= high:
        raise InvalidInput(_l("%(field)s must be a whole number from %(low)s to %(high)s.", field=label, low=low,
                              high=high), code="bad_number")
    return number


def _apply(criterion: RubricCriterion, data: CriterionData) -> None:
    title = (data.title or "").strip()
    if not title or len(title) > 160:
        raise InvalidInput(_l("Give the criterion a title (at most 160 characters)."), code="title")
    criterion.title = title
    criterion.title_en = (data.title_en or "").strip()[:160] or None
    criterion.guidance = (data.guidance or "").strip()[:2000] or None
    criterion.max_score = _whole(data.max_score, _l("Highest score"), 2, 10, required=True)
    criterion.target_seconds = _whole(data.target_seconds, _l("Target (seconds)"), 1, 3600, required=False)


def add_criterion(actor: User | None, course: Course, data: CriterionData) -> RubricCriterion:
    require_staff(actor)
    last = db.session.scalar(select(func.max(RubricCriterion.position)).where(RubricCriterion.course_id == course.id))
    criterion = RubricCriterion(course_id=course.id, position=(last or 0) + 1)
    _apply(criterion, data)
    db.session.add(criterion)
    db.session.flush()
    return criterion


def update_criterion(actor: User | None, criterion: RubricCriterion, data: CriterionData) -> RubricCriterion:
    require_staff(actor)
    _apply(criterion, data)
    db.session.flush()
    return criterion


def ensure_rubric(actor: User | None, course: Course) -> list[RubricCriterion]:
    """The course's rubric; a course that has none yet gets the default criteria (the team edits them after)."""
    criteria = criteria_of(course)
    if criteria or criteria_of(course, archived=True):
        return criteria
    for title, title_en, guidance, seconds in DEFAULT_RUBRIC:
        add_criterion(actor, course, CriterionData(title, title_en, guidance, 4, seconds))
    return criteria_of(course)
