"""course.yaml read into a plan of the course (nothing written yet), with every problem found on the way."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from flask_babel import lazy_gettext as _l

from ...core.text import slugify
from ..models import QUESTION_KINDS

if TYPE_CHECKING:
    from .files import PackFiles

FORMAT = "cho-live-course/1"
COURSE_FILE = "course.yaml"
MAX_YAML_BYTES = 1024 * 1024
# A Markdown image or link target inside the pack: ![alt](media/ab12.webp)
MEDIA_REF = re.compile(r"\]\((media/[^)\s]+)\)")


@dataclass
class Problem:
    """Something wrong with a pack, said in the trainer's language, and where (a file or a place in the course)."""

    code: str
    message: Any
    where: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": str(self.message), "where": self.where}


@dataclass
class ChoicePlan:
    text: str
    correct: bool = False
    explanation: str | None = None
    image: str | None = None


@dataclass
class QuestionPlan:
    kind: str
    prompt: str
    explanation: str | None = None
    image: str | None = None
    choices: list[ChoicePlan] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)


@dataclass
class QuizPlan:
    title: str
    pass_mark: int = 70
    questions: list[QuestionPlan] = field(default_factory=list)


@dataclass
class AttachmentPlan:
    file: str
    name: str


@dataclass
class LessonPlan:
    title: str
    body_file: str
    body: str = ""
    minutes: int = 5
    video: str | None = None
    video_low: str | None = None
    attachments: list[AttachmentPlan] = field(default_factory=list)


@dataclass
class TaskPlan:
    kind: str
    title: str
    instructions: str = ""
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModulePlan:
    title: str
    lessons: list[LessonPlan] = field(default_factory=list)
    quizzes: list[QuizPlan] = field(default_factory=list)
    tasks: list[TaskPlan] = field(default_factory=list)


@dataclass
class CriterionPlan:
    title: str
    title_en: str | None = None
    guidance: str | None = None
    max_score: int = 4
    target_seconds: int | None = None


@dataclass
class CoursePlan:
    slug: str
    title: str
    summary: str = ""
    title_en: str | None = None
    summary_en: str | None = None
    prerequisites: list[str] = field(default_factory=list)
    rubric: list[CriterionPlan] = field(default_factory=list)
    modules: list[ModulePlan] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        quizzes = [q for m in self.modules for q in m.quizzes]
        return {"modules": len(self.modules), "lessons": sum(len(m.lessons) for m in self.modules),
                "quizzes": len(quizzes), "questions": sum(len(q.questions) for q in quizzes),
                "tasks": sum(len(m.tasks) for m in self.modules), "rubric": len(self.rubric)}


class _Reader:
    """Walks the parsed YAML; each helper records a problem and returns a usable default instead of raising."""

    def __init__(self, files: PackFiles):
        self.files = files
        self.names = files.names()
        self.problems: list[Problem] = []

    def problem(self, code: str, message: Any, where: str) -> None:
        self.problems.append(Problem(code, message, where))

    def mapping(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.problem("bad_value", _l("Expected a list of fields (name: value) here."), where)
            return {}
        for key in value:
            if key not in allowed:
                self.problem("unknown_key", _l("Unknown field “%(key)s”.", key=key), where)
        return value

    def items(self, data: dict[str, Any], key: str, where: str) -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem("bad_value", _l("“%(key)s” must be a list (lines starting with “- ”).", key=key), where)
            return []
        return value

    def text(self, data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.problem("missing_field", _l("“%(key)s” is missing.", key=key), where)
                return ""
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem("bad_value", _l("“%(key)s” must be text (put it in quotes).", key=key), where)
            return ""
        return str(value)

    def number(self, data: dict[str, Any], key: str, where: str, default: int | None) -> int | None:
        value = data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem("bad_value", _l("“%(key)s” must be a whole number.", key=key), where)
            return default
        return value

    def file(self, data: dict[str, Any], key: str, where: str, *, required: bool = False) -> str | None:
        name = self.text(data, key, where, required=required)
        if not name:
            return None
        if name not in self.names:
            self.problem("missing_file", _l("The file “%(name)s” is not in the pack.", name=name), where)
            return None
        return name

    def markdown(self, name: str, where: str) -> str:
        raw = self.files.read(name) or b""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.problem("bad_text", _l("The file is not UTF-8 text."), name)
            return ""
        for ref in MEDIA_REF.findall(text):
            if ref not in self.names:
                self.problem("missing_file", _l("The file “%(name)s” is not in the pack.", name=ref), name)
        return text.strip()


def _where(*parts: Any) -> str:
    return " › ".join(str(p) for p in parts)


def _load_yaml(reader: _Reader) -> Any:
    raw = reader.files.read(COURSE_FILE)
    if raw is None:
        reader.problem("missing_file", _l("The pack has no course.yaml."), COURSE_FILE)
        return None
    if len(raw) > MAX_YAML_BYTES:
        reader.problem("too_large", _l("course.yaml is too large."), COURSE_FILE)
        return None
    try:
        return yaml.safe_load(raw.decode("utf-8"))
    except UnicodeDecodeError:
        reader.problem("bad_text", _l("The file is not UTF-8 text."), COURSE_FILE)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        reader.problem("bad_yaml", _l("course.yaml cannot be read near line %(line)s: %(what)s", line=line,
                                      what=getattr(exc, "problem", None) or exc), COURSE_FILE)
    return None


def build_plan(files: PackFiles) -> tuple[CoursePlan | None, list[Problem]]:
    """The course the pack describes and the problems in it; a plan with problems must not be written."""
    reader = _Reader(files)
    data = _load_yaml(reader)
    if data is None:
        return None, reader.problems
    top = reader.mapping(data, COURSE_FILE, {"format", "slug", "title", "summary", "title_en", "summary_en",
                                             "prerequisites", "rubric", "modules"})
    if not top:
        return None, reader.problems
    if top.get("format") != FORMAT:
        reader.problem("bad_format", _l("course.yaml must start with “format: %(format)s”.", format=FORMAT),
                       COURSE_FILE)
    slug = reader.text(top, "slug", COURSE_FILE, required=True) or ""
    if slug and slugify(slug, 80) != slug:
        reader.problem("bad_slug", _l("The slug may hold only small letters without accents, digits and “-”."),
                       COURSE_FILE)
    plan = CoursePlan(slug=slug, title=reader.text(top, "title", COURSE_FILE, required=True) or "",
                      summary=reader.text(top, "summary", COURSE_FILE) or "",
                      title_en=reader.text(top, "title_en", COURSE_FILE),
                      summary_en=reader.text(top, "summary_en", COURSE_FILE))
    plan.prerequisites = [str(s) for s in reader.items(top, "prerequisites", COURSE_FILE)]
    for number, raw in enumerate(reader.items(top, "rubric", COURSE_FILE), 1):
        plan.rubric.append(_criterion(reader, raw, _where(_l("Rubric"), number)))
    for number, raw in enumerate(reader.items(top, "modules", COURSE_FILE), 1):
        plan.modules.append(_module(reader, raw, number))
    return plan, reader.problems


def _criterion(reader: _Reader, raw: Any, where: str) -> CriterionPlan:
    data = reader.mapping(raw, where, {"title", "title_en", "guidance", "max_score", "target_seconds"})
    return CriterionPlan(title=reader.text(data, "title", where, required=True) or "",
                         title_en=reader.text(data, "title_en", where), guidance=reader.text(data, "guidance", where),
                         max_score=reader.number(data, "max_score", where, 4) or 4,
                         target_seconds=reader.number(data, "target_seconds", where, None))


def _module(reader: _Reader, raw: Any, number: int) -> ModulePlan:
    where = _where(_l("Module %(n)s", n=number))
    data = reader.mapping(raw, where, {"title", "lessons", "quizzes", "tasks"})
    module = ModulePlan(title=reader.text(data, "title", where, required=True) or "")
    for n, item in enumerate(reader.items(data, "lessons", where), 1):
        module.lessons.append(_lesson(reader, item, _where(where, _l("Lesson %(n)s", n=n))))
    for n, item in enumerate(reader.items(data, "quizzes", where), 1):
        module.quizzes.append(_quiz(reader, item, _where(where, _l("Quiz %(n)s", n=n))))
    for n, item in enumerate(reader.items(data, "tasks", where), 1):
        here = _where(where, _l("Task %(n)s", n=n))
        task = reader.mapping(item, here, {"kind", "title", "instructions", "params"})
        params = task.get("params") or {}
        if not isinstance(params, dict):
            reader.problem("bad_value", _l("“%(key)s” must be a list of fields (name: value).", key="params"), here)
            params = {}
        module.tasks.append(TaskPlan(kind=reader.text(task, "kind", here, required=True) or "",
                                     title=reader.text(task, "title", here, required=True) or "",
                                     instructions=reader.text(task, "instructions", here) or "", params=params))
    return module


def _lesson(reader: _Reader, raw: Any, where: str) -> LessonPlan:
    data = reader.mapping(raw, where, {"title", "minutes", "body", "video", "video_low", "attachments"})
    body_file = reader.file(data, "body", where, required=True)
    lesson = LessonPlan(title=reader.text(data, "title", where, required=True) or "", body_file=body_file or "",
                        body=reader.markdown(body_file, where) if body_file else "",
                        minutes=reader.number(data, "minutes", where, 5) or 0,
                        video=reader.file(data, "video", where), video_low=reader.file(data, "video_low", where))
    for n, item in enumerate(reader.items(data, "attachments", where), 1):
        here = _where(where, _l("Attachment %(n)s", n=n))
        attachment = reader.mapping(item, here, {"file", "name"})
        name = reader.file(attachment, "file", here, required=True)
        if name:
            lesson.attachments.append(AttachmentPlan(name, reader.text(attachment, "name", here) or
                                                     name.rsplit("/", 1)[-1]))
    return lesson


def _quiz(reader: _Reader, raw: Any, where: str) -> QuizPlan:
    data = reader.mapping(raw, where, {"title", "pass_mark", "questions"})
    quiz = QuizPlan(title=reader.text(data, "title", where, required=True) or "",
                    pass_mark=reader.number(data, "pass_mark", where, 70))
    for n, item in enumerate(reader.items(data, "questions", where), 1):
        here = _where(where, _l("Question %(n)s", n=n))
        q = reader.mapping(item, here, {"kind", "prompt", "explanation", "image", "choices", "accepted"})
        kind = reader.text(q, "kind", here, required=True) or ""
        if kind and kind not in QUESTION_KINDS:
            reader.problem("unknown_question_kind", _l("Unknown question kind “%(kind)s” (known: %(known)s).",
                                                       kind=kind, known=", ".join(QUESTION_KINDS)), here)
        question = QuestionPlan(kind=kind, prompt=reader.text(q, "prompt", here, required=True) or "",
                                explanation=reader.text(q, "explanation", here), image=reader.file(q, "image", here),
                                accepted=[str(a) for a in reader.items(q, "accepted", here)])
        for c_number, c_raw in enumerate(reader.items(q, "choices", here), 1):
            c_where = _where(here, _l("Choice %(n)s", n=c_number))
            choice = reader.mapping(c_raw, c_where, {"text", "correct", "explanation", "image"})
            correct = choice.get("correct", False)
            if not isinstance(correct, bool):
                reader.problem("bad_value", _l("“%(key)s” must be true or false.", key="correct"), c_where)
                correct = False
            question.choices.append(ChoicePlan(text=reader.text(choice, "text", c_where) or "", correct=correct,
                                               explanation=reader.text(choice, "explanation", c_where),
                                               image=reader.file(choice, "image", c_where)))
        quiz.questions.append(question)
    return quiz
