"""API: training courses and lessons, the signed-in trainee's progress, quizzes and attempts, certificates."""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..core.markup import render_markdown
from ..errors import InvalidInput
from ..extensions import db
from ..training import certificates, queries, services
from .access import signed_in, viewer
from .schemas import ErrorSchema

blp = Blueprint("api_training", __name__, url_prefix="/api/v1/training",
                description="Training: courses, lessons, progress, certificates")
AUTH = [{"bearerAuth": []}]


class CourseSchema(Schema):
    slug = fields.String()
    title = fields.String()
    summary = fields.String()
    title_en = fields.String(allow_none=True)
    summary_en = fields.String(allow_none=True)
    lessons = fields.Integer(metadata={"description": "Number of lessons"})
    minutes = fields.Integer(metadata={"description": "Estimated minutes for all lessons"})
    prerequisites = fields.List(fields.String(), metadata={"description": "Slugs of courses to take first"})


class LessonRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    minutes = fields.Integer()
    has_video = fields.Boolean()


class QuizRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    pass_mark = fields.Integer()
    questions = fields.Integer()


class TaskRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.String()
    instructions = fields.String()


class ModuleSchema(Schema):
    title = fields.String()
    lessons = fields.List(fields.Nested(LessonRefSchema))
    quizzes = fields.List(fields.Nested(QuizRefSchema))
    tasks = fields.List(fields.Nested(TaskRefSchema))


class CourseDetailSchema(CourseSchema):
    modules = fields.List(fields.Nested(ModuleSchema))


class AttachmentSchema(Schema):
    filename = fields.String()
    size = fields.Integer()
    url = fields.String()


class LessonSchema(Schema):
    id = fields.Integer()
    course = fields.String(metadata={"description": "Course slug"})
    module = fields.String()
    title = fields.String()
    minutes = fields.Integer()
    body = fields.String(metadata={"description": "Markdown as written"})
    body_html = fields.String(metadata={"description": "Rendered and cleaned HTML"})
    video_url = fields.String(allow_none=True)
    video_size = fields.Integer(allow_none=True, metadata={"description": "Bytes, to show before playing"})
    video_low_url = fields.String(allow_none=True)
    video_low_size = fields.Integer(allow_none=True)
    attachments = fields.List(fields.Nested(AttachmentSchema))
    completed = fields.Boolean()


class ProgressSchema(Schema):
    course = fields.String()
    title = fields.String()
    done = fields.Integer()
    total = fields.Integer()
    percent = fields.Integer()
    completed_at = fields.DateTime(allow_none=True)
    resume_lesson_id = fields.Integer(allow_none=True)
    certificate = fields.String(allow_none=True, metadata={"description": "Certificate code once issued"})


class AnswerFeedbackSchema(Schema):
    question_id = fields.Integer()
    choice_ids = fields.List(fields.Integer())
    text = fields.String()
    correct = fields.Boolean()


class AttemptSchema(Schema):
    id = fields.Integer()
    quiz_id = fields.Integer()
    score = fields.Integer()
    passed = fields.Boolean()
    created_at = fields.DateTime()
    answers = fields.List(fields.Nested(AnswerFeedbackSchema))


class CertificateSchema(Schema):
    code = fields.String()
    valid = fields.Boolean()
    holder_name = fields.String()
    course = fields.String()
    course_title = fields.String()
    issued_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    url = fields.String()



def _course(course) -> dict:
    return {"slug": course.slug, "title": course.title, "summary": course.summary, "title_en": course.title_en,
            "summary_en": course.summary_en, "lessons": len(course.lessons), "minutes": course.minutes,
            "prerequisites": [c.slug for c in course.prerequisites]}


def _media(key: str | None) -> str | None:
    return url_for("media", key=key, _external=True) if key else None


@blp.get("/courses")
@blp.response(200, CourseSchema(many=True))
def courses():
    """Published courses in their order (trainers and admins also see drafts)."""
    return [_course(card.course) for card in queries.course_cards(viewer())]


@blp.get("/courses/<slug>")
@blp.response(200, CourseDetailSchema)
@blp.alt_response(404, schema=ErrorSchema)
def course(slug: str):
    """One course with its modules, lessons, quizzes and practical tasks."""
    item = services.get_course(slug, viewer())
    body = _course(item)
    body["modules"] = [{
        "title": m.title,
        "lessons": [{"id": x.id, "title": x.title, "minutes": x.minutes, "has_video": bool(x.video_key)}
                    for x in m.lessons],
        "quizzes": [{"id": q.id, "title": q.title, "pass_mark": q.pass_mark, "questions": len(q.questions)}
                    for q in m.quizzes],
        "tasks": [{"id": t.id, "title": t.title, "kind": t.kind, "instructions": t.instructions} for t in m.tasks],
    } for m in item.modules]
    return body


@blp.post("/courses/<slug>/enrol")
@blp.response(200, ProgressSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def enrol(slug: str):
    """Join a course (joining twice is harmless)."""
    user = signed_in()
    item = services.get_course(slug, user)
    services.enrol(user, item)
    db.session.commit()
    return _progress_row(user, item)


@blp.get("/lessons/<int:lesson_id>")
@blp.response(200, LessonSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def lesson(lesson_id: int):
    """A lesson for an enrolled trainee (or a trainer); opening it remembers it as the place to resume."""
    user = signed_in()
    item = services.get_lesson(lesson_id, user)
    completed = False
    if not services.is_staff(user) or services.enrolment_of(user, item.course) is not None:
        services.visit_lesson(user, item)
        db.session.commit()
        completed = item.id in services.completed_lesson_ids(user.id, item.course)
    return {"id": item.id, "course": item.course.slug, "module": item.module.title, "title": item.title,
            "minutes": item.minutes, "body": item.body, "body_html": str(render_markdown(item.body)),
            "video_url": _media(item.video_key), "video_size": item.video_size,
            "video_low_url": _media(item.video_low_key), "video_low_size": item.video_low_size,
            "attachments": [{"filename": a.filename, "size": a.size, "url": _media(a.key)} for a in item.attachments],
            "completed": completed}


@blp.post("/lessons/<int:lesson_id>/complete")
@blp.response(200, ProgressSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.doc(security=AUTH)
def lesson_complete(lesson_id: int):
    """Mark a lesson done; returns the course progress."""
    user = signed_in()
    item = services.get_lesson(lesson_id, user)
    services.complete_lesson(user, item)
    db.session.commit()
    return _progress_row(user, item.course)


def _progress_row(user, course) -> dict:
    outline = queries.outline(course, user)
    progress = outline.progress
    return {"course": course.slug, "title": course.title, "done": progress.done if progress else 0,
            "total": progress.total if progress else 0, "percent": progress.percent if progress else 0,
            "completed_at": outline.enrolment.completed_at if outline.enrolment else None,
            "resume_lesson_id": outline.resume.id if outline.resume else None,
            "certificate": outline.certificate.code if outline.certificate else None}


@blp.get("/progress")
@blp.response(200, ProgressSchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=AUTH)
def progress():
    """The signed-in trainee's courses with progress, where to resume and certificate codes."""
    user = signed_in()
    return [_progress_row(user, card.course) for card in queries.course_cards(user) if card.enrolment is not None]


@blp.get("/attempts/<int:attempt_id>")
@blp.response(200, AttemptSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def attempt(attempt_id: int):
    """One of the trainee's own quiz attempts with per-answer results; someone else's answers 404."""
    return _attempt(services.get_attempt(signed_in(), attempt_id))


class ChoiceOutSchema(Schema):
    id = fields.Integer()
    text = fields.String()
    image_url = fields.String(allow_none=True)


class QuestionOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "single, multiple, picture or short"})
    prompt = fields.String()
    image_url = fields.String(allow_none=True)
    choices = fields.List(fields.Nested(ChoiceOutSchema), metadata={"description": "Empty for a short answer"})


class QuizSchema(Schema):
    id = fields.Integer()
    course = fields.String(metadata={"description": "Course slug"})
    title = fields.String()
    pass_mark = fields.Integer()
    token = fields.String(metadata={"description": "Send it back with the attempt: the same token twice is one "
                                                   "attempt"})
    questions = fields.List(fields.Nested(QuestionOutSchema))


class AnswerInSchema(Schema):
    question_id = fields.Integer(required=True)
    choice_ids = fields.List(fields.Integer(), load_default=list,
                             metadata={"description": "For single, multiple and picture questions"})
    text = fields.String(load_default="", validate=validate.Length(max=300),
                         metadata={"description": "For a short-answer question"})


class AttemptInSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=64),
                          metadata={"description": "From GET /quizzes/{id}; a retry with the same token returns the "
                                                   "first attempt"})
    answers = fields.List(fields.Nested(AnswerInSchema), required=True,
                          metadata={"description": "Questions left out count as wrong"})


@blp.get("/quizzes/<int:quiz_id>")
@blp.response(200, QuizSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def quiz(quiz_id: int):
    """A quiz to take: its questions and choices (which answers are right is never sent) and an attempt token."""
    user = signed_in()
    item = services.get_quiz(quiz_id, user)
    services.require_enrolment(user, item.course)
    return {"id": item.id, "course": item.course.slug, "title": item.title, "pass_mark": item.pass_mark,
            "token": services.new_attempt_token(),
            "questions": [{"id": q.id, "kind": q.kind, "prompt": q.prompt, "image_url": _media(q.image_key),
                           "choices": [{"id": c.id, "text": c.text, "image_url": _media(c.image_key)}
                                       for c in q.choices]} for q in item.questions]}


@blp.post("/quizzes/<int:quiz_id>/attempts")
@blp.arguments(AttemptInSchema)
@blp.response(201, AttemptSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.doc(security=AUTH)
def quiz_attempt(body: dict, quiz_id: int):
    """Submit answers and get the graded attempt (as GET /attempts/{id} returns it).

    A wrong or missing answer counts as wrong; 400 `empty_attempt` when nothing is answered, `unknown_question` or
    `unknown_choice` for ids not in this quiz; 403 `not_enrolled`; 409 when the token belongs to another quiz."""
    user = signed_in()
    item = services.get_quiz(quiz_id, user)
    answers: dict[int, services.Answer] = {}
    for row in body["answers"]:
        if row["question_id"] in answers:
            raise InvalidInput(_l("Each question may be answered once."), code="duplicate_question")
        answers[row["question_id"]] = services.Answer(row["choice_ids"], row["text"])
    attempt = services.submit_quiz(user, item, answers, body["token"])
    db.session.commit()
    return _attempt(attempt)


def _attempt(item) -> dict:
    return {"id": item.id, "quiz_id": item.quiz_id, "score": item.score, "passed": item.passed,
            "created_at": item.created_at, "answers": item.answers}


@blp.get("/certificates/<code>")
@blp.response(200, CertificateSchema)
@blp.alt_response(404, schema=ErrorSchema)
def certificate(code: str):
    """Public verification of a certificate code; a revoked certificate answers valid=false."""
    item = certificates.find_certificate(code)
    return {"code": item.code, "valid": item.is_valid, "holder_name": item.holder_name, "course": item.course.slug,
            "course_title": item.course.title, "issued_at": item.issued_at, "revoked_at": item.revoked_at,
            "url": url_for("training.verify", code=item.code, _external=True)}
