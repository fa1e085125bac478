"""API: live reviews — a trainee's reviews, and the class trainer's review, notes and rubric scores.

The same rules as the pages (training/review/services.py): a trainee reads their own reviews; the trainer of the
class reads and writes while the trainee's consent stands; anyone else gets 404 as if the review did not exist.
"""
from __future__ import annotations

from dataclasses import asdict

from flask import url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from ..extensions import db
from ..training.review import queries, services
from .access import signed_in
from .schemas import ErrorSchema

blp = Blueprint("api_training_reviews", __name__, url_prefix="/api/v1/training",
                description="Training: reviews of trainees' real lives by their class's trainer")
AUTH = [{"bearerAuth": []}]


class LiveRefSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    organisation = fields.String()
    started_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)


class ReviewSummarySchema(Schema):
    id = fields.Integer()
    live = fields.Nested(LiveRefSchema)
    cohort = fields.String(allow_none=True, metadata={"description": "The class's name"})
    trainee_id = fields.Integer()
    reviewer = fields.String(allow_none=True)
    note_count = fields.Integer(metadata={"description": "Number of coaching notes"})
    updated_at = fields.DateTime()


class NoteSchema(Schema):
    id = fields.Integer()
    at_seconds = fields.Integer(metadata={"description": "Seconds into the replay (or into the live, when it has "
                                                         "no recording)"})
    at = fields.String(metadata={"description": "The same moment written as mm:ss or h:mm:ss"})
    text = fields.String()


class ScoreSchema(Schema):
    criterion_id = fields.Integer()
    title = fields.String()
    max_score = fields.Integer()
    target_seconds = fields.Integer(allow_none=True)
    score = fields.Integer(allow_none=True, metadata={"description": "None while not scored"})


class FiguresSchema(Schema):
    questions = fields.Integer()
    answered = fields.Integer()
    median_answer_seconds = fields.Integer(allow_none=True)
    answered_in_time = fields.Integer(allow_none=True)
    target_seconds = fields.Integer(allow_none=True)
    order_lines = fields.Integer()
    confirmed = fields.Integer()
    cancelled = fields.Integer()
    expired = fields.Integer()
    comments = fields.Integer()
    comments_per_minute = fields.Float(allow_none=True)
    peak_viewers = fields.Integer()


class ReviewSchema(ReviewSummarySchema):
    summary = fields.String()
    video_url = fields.String(allow_none=True, metadata={"description": "The replay, when the live was recorded"})
    duration = fields.Float(metadata={"description": "Seconds of replay (or of the live)"})
    figures = fields.Nested(FiguresSchema)
    rubric_percent = fields.Integer(allow_none=True)
    scores = fields.List(fields.Nested(ScoreSchema))
    notes = fields.List(fields.Nested(NoteSchema), metadata={"description": "In replay order"})
    previous_review_id = fields.Integer(allow_none=True)


class OpenReviewSchema(Schema):
    cohort_id = fields.Integer(required=True)
    trainee_id = fields.Integer(required=True)
    live_id = fields.Integer(required=True)


class NoteInSchema(Schema):
    # Not `required`: who may write is checked first (404 for a stranger), then a missing value is a 400 of its own.
    at = fields.Raw(load_default=None, metadata={"description": "Seconds (a whole number) or \"mm:ss\" / \"h:mm:ss\""})
    text = fields.String(load_default=None, validate=validate.Length(max=2000))


class ScoreInSchema(Schema):
    criterion_id = fields.Integer(required=True)
    score = fields.Integer(required=True, allow_none=True, metadata={"description": "1..max_score; null clears"})


class ScoresInSchema(Schema):
    scores = fields.List(fields.Nested(ScoreInSchema), load_default=list)
    summary = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=8000))


def _summary(review) -> dict:
    live = review.live
    return {"id": review.id, "trainee_id": review.trainee_id, "cohort": review.cohort.name if review.cohort else None,
            "reviewer": review.reviewer.name if review.reviewer else None, "note_count": len(review.notes),
            "updated_at": review.updated_at,
            "live": {"id": live.id, "title": live.title, "organisation": live.organisation.name,
                     "started_at": live.started_at, "ended_at": live.ended_at}}


def _note(note) -> dict:
    return {"id": note.id, "at_seconds": note.at_seconds, "at": services.format_moment(note.at_seconds),
            "text": note.text}


def _detail(review) -> dict:
    page = queries.review_page(review)
    f = page.figures
    body = _summary(review)
    body.update({
        "summary": review.summary, "duration": page.duration, "rubric_percent": page.percent,
        "video_url": url_for("livestream.replay_video", session_id=review.live_id, _external=True)
        if page.has_video else None,
        "figures": {**asdict(f), "comments_per_minute": f.comments_per_minute},
        "scores": [{"criterion_id": c.id, "title": c.title, "max_score": c.max_score,
                    "target_seconds": c.target_seconds, "score": page.scores.get(c.id)} for c in page.criteria],
        "notes": [_note(n) for n in review.notes],
        "previous_review_id": page.previous.id if page.previous else None,
    })
    return body


@blp.get("/reviews")
@blp.response(200, ReviewSummarySchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.doc(security=AUTH)
def my_reviews():
    """The signed-in trainee's reviews, latest live first."""
    return [_summary(r) for r in queries.reviews_of(signed_in().id)]


@blp.get("/classes/<int:cohort_id>/members/<int:user_id>/reviews")
@blp.response(200, ReviewSummarySchema(many=True))
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def member_reviews(cohort_id: int, user_id: int):
    """A member's reviews in one class, for its trainer; 403 `no_review_consent` without the member's consent."""
    services.reviewable_member(signed_in(), cohort_id, user_id)
    return [_summary(r) for r in queries.reviews_by_live(cohort_id, user_id).values()]


@blp.post("/reviews")
@blp.arguments(OpenReviewSchema)
@blp.response(201, ReviewSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def open_review(body: dict):
    """Open (or find) the class's review of one ended live of a member; the class's trainer only."""
    review = services.open_review(signed_in(), body["cohort_id"], body["trainee_id"], body["live_id"])
    db.session.commit()
    return _detail(review)


@blp.get("/reviews/<int:review_id>")
@blp.response(200, ReviewSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def review(review_id: int):
    """One review with its figures, notes (by replay time) and rubric scores."""
    return _detail(services.readable_review(signed_in(), review_id))


@blp.post("/reviews/<int:review_id>/notes")
@blp.arguments(NoteInSchema)
@blp.response(201, NoteSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def add_note(body: dict, review_id: int):
    """A coaching note at a moment of the replay; 400 `bad_moment`, `empty_note` or `note_too_long`."""
    user = signed_in()
    note = services.add_note(user, services.writable_review(user, review_id), body["at"], body["text"])
    db.session.commit()
    return _note(note)


@blp.patch("/reviews/<int:review_id>/notes/<int:note_id>")
@blp.arguments(NoteInSchema)
@blp.response(200, NoteSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def update_note(body: dict, review_id: int, note_id: int):
    user = signed_in()
    note = services.get_note(services.writable_review(user, review_id), note_id)
    services.update_note(user, note, body["at"], body["text"])
    db.session.commit()
    return _note(note)


@blp.delete("/reviews/<int:review_id>/notes/<int:note_id>")
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def delete_note(review_id: int, note_id: int):
    user = signed_in()
    services.delete_note(user, services.get_note(services.writable_review(user, review_id), note_id))
    db.session.commit()
    return None


@blp.put("/reviews/<int:review_id>/scores")
@blp.arguments(ScoresInSchema)
@blp.response(200, ReviewSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.doc(security=AUTH)
def score(body: dict, review_id: int):
    """Score rubric lines (null clears one) and set the summary; 400 `bad_score` or `unknown_criterion`."""
    user = signed_in()
    item = services.writable_review(user, review_id)
    services.score_review(user, item, {row["criterion_id"]: row["score"] for row in body["scores"]},
                          body.get("summary"))
    db.session.commit()
    return _detail(item)
