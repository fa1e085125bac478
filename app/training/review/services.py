"""Live reviews (write side) and who may do what: the trainee's consent, the class's trainer, notes and scores.

A trainer reviews a live only when all of these hold: they are the trainer of a class the trainee belongs to, the
trainee agreed to reviews in that class (asked when they join it, or on their next visit), and the live is an
ended real live (not a practice live) of an organisation the trainee belongs to. The trainee always sees their
own reviews; anyone else is told a review does not exist.
"""
from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...accounts.models import Membership, Organisation, User
from ...core.dbtypes import utcnow
from ...errors import Forbidden, InvalidInput, NotFound, NotSignedIn
from ...extensions import db
from ...livestream.models import LiveSession
from ..models import Cohort, CohortMember
from ..services import _add_once
from . import rubric
from .models import MAX_NOTE, MAX_NOTE_SECONDS, LiveReview, ReviewNote, ReviewScore, RubricCriterion

MOMENT = re.compile(r"^(?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)$")


def _key(value: Any) -> int | None:
    """An id someone named (a form, a JSON body): a whole number a table can hold, or None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        return None
    return value


def _signed_in(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn()
    return user


# --- consent --------------------------------------------------------------------------------------

def set_consent(user: User | None, cohort_id: Any, allow: bool) -> CohortMember:
    """The member's own answer; they may change it at any time (a "no" closes the trainer's access at once)."""
    user = _signed_in(user)
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort_id,
                                                          CohortMember.user_id == user.id))
    if member is None:
        raise NotFound(_l("We could not find that class."))
    member.review_consent, member.review_consent_at = bool(allow), utcnow()
    db.session.flush()
    return member


def _consenting_member(cohort: Cohort, trainee_id: int) -> CohortMember:
    member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                          CohortMember.user_id == trainee_id))
    if member is None:
        raise NotFound(_l("This person is not a member of the class."))
    if member.review_consent is not True:
        raise Forbidden(_l("%(name)s has not agreed to have their lives reviewed in this class. They are asked on "
                           "their next visit to the training pages and can agree there.", name=member.user.name),
                        code="no_review_consent")
    return member


# --- the class's trainer --------------------------------------------------------------------------

def class_of_trainer(actor: User | None, cohort_id: Any) -> Cohort:
    """A class the actor trains; a class of another trainer answers as if it did not exist."""
    actor = _signed_in(actor)
    cohort = db.session.get(Cohort, _key(cohort_id)) if _key(cohort_id) else None
    if cohort is None or cohort.trainer_id != actor.id:
        raise NotFound(_l("We could not find that class."))
    return cohort


def reviewable_member(actor: User | None, cohort_id: Any, trainee_id: Any) -> CohortMember:
    cohort = class_of_trainer(actor, cohort_id)
    if _key(trainee_id) is None:
        raise NotFound(_l("This person is not a member of the class."))
    return _consenting_member(cohort, trainee_id)


def lives_of(trainee_id: int) -> list[LiveSession]:
    """Ended real lives of the organisations the trainee belongs to, latest first (practice lives left out)."""
    return list(db.session.scalars(
        select(LiveSession).join(Membership, Membership.organisation_id == LiveSession.organisation_id)
        .join(Organisation, Organisation.id == LiveSession.organisation_id)
        .where(Membership.user_id == trainee_id, LiveSession.state == "ended", LiveSession.is_practice.is_(False),
               Organisation.is_sandbox.is_(False))
        .order_by(LiveSession.ended_at.desc(), LiveSession.id.desc())))


def _live_of(trainee_id: int, live_id: Any) -> LiveSession:
    live = db.session.get(LiveSession, _key(live_id)) if _key(live_id) else None
    if live is None or live not in lives_of(trainee_id):
        raise NotFound(_l("This live is not an ended live of this trainee."), code="unknown_live")
    return live


def open_review(actor: User | None, cohort_id: Any, trainee_id: Any, live_id: Any) -> LiveReview:
    """The class's review of this live: made on first opening (the course's rubric with it), the same one after."""
    actor = _signed_in(actor)
    member = reviewable_member(actor, cohort_id, trainee_id)
    live = _live_of(member.user_id, live_id)
    cohort = member.cohort
    if cohort.course is not None:
        rubric.ensure_rubric(actor, cohort.course)

    def find() -> LiveReview | None:
        return db.session.scalar(select(LiveReview).where(LiveReview.cohort_id == cohort.id,
                                                          LiveReview.trainee_id == member.user_id,
                                                          LiveReview.live_id == live.id))

    existing = find()
    if existing is not None:
        return existing
    review = _add_once(LiveReview(cohort_id=cohort.id, trainee_id=member.user_id, live_id=live.id,
                                  reviewer_id=actor.id, summary=""), find)
    db.session.flush()
    return review


def _get_review(review_id: Any) -> LiveReview:
    review = db.session.get(LiveReview, _key(review_id)) if _key(review_id) else None
    if review is None:
        raise NotFound(_l("We could not find that review."))
    return review


def _cohort_of(review: LiveReview) -> Cohort:
    if review.cohort is None:  # the class is gone: its reviews are nobody's to read or write
        raise NotFound(_l("We could not find that review."))
    return review.cohort


def is_reviewer(actor: User | None, review: LiveReview) -> bool:
    return bool(actor is not None and review.cohort is not None and review.cohort.trainer_id == actor.id)


def readable_review(actor: User | None, review_id: Any) -> LiveReview:
    """For the trainee it is about, and for the class's trainer while the trainee's consent stands."""
    actor = _signed_in(actor)
    review = _get_review(review_id)
    if review.trainee_id == actor.id:
        return review
    if not is_reviewer(actor, review):
        raise NotFound(_l("We could not find that review."))
    _consenting_member(_cohort_of(review), review.trainee_id)
    return review


def writable_review(actor: User | None, review_id: Any) -> LiveReview:
    """Only the class's trainer writes, and only while the trainee's consent stands."""
    actor = _signed_in(actor)
    review = _get_review(review_id)
    if not is_reviewer(actor, review):
        if review.trainee_id == actor.id:
            raise Forbidden(_l("Only your trainer writes in a review."), code="not_reviewer")
        raise NotFound(_l("We could not find that review."))
    _consenting_member(_cohort_of(review), review.trainee_id)
    return review


# --- notes and scores -----------------------------------------------------------------------------

def parse_moment(value: Any) -> int:
    """Seconds into the replay from "12:40", "1:02:03" or a number of seconds."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        seconds = value
    else:
        text = str(value or "").strip()
        match = MOMENT.match(text)
        if text.isdigit():
            seconds = int(text)
        elif match:
            seconds = int(match[1] or 0) * 3600 + int(match[2]) * 60 + int(match[3])
        else:
            raise InvalidInput(_l("Write the moment as minutes:seconds, for example 12:40."), code="bad_moment")
    if not 0 <= seconds <= MAX_NOTE_SECONDS:
        raise InvalidInput(_l("Write the moment as minutes:seconds, for example 12:40."), code="bad_moment")
    return seconds


def format_moment(seconds: float) -> str:
    """12:40, or 1:02:03 past the first hour: how a moment of the replay is written everywhere."""
    whole = max(int(seconds), 0)
    hours, minutes, rest = whole // 3600, whole % 3600 // 60, whole % 60
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes:02d}:{rest:02d}"


def _note_text(text: Any) -> str:
    note = str(text or "").strip() if isinstance(text, (str, int, float)) else ""
    if not note:
        raise InvalidInput(_l("Write the note first."), code="empty_note")
    if len(note) > MAX_NOTE:
        raise InvalidInput(_l("The note is too long (at most %(n)s characters).", n=MAX_NOTE), code="note_too_long")
    return note


def add_note(actor: User | None, review: LiveReview, at: Any, text: Any) -> ReviewNote:
    actor = _signed_in(actor)
    writable_review(actor, review.id)
    note = ReviewNote(review_id=review.id, at_seconds=parse_moment(at), text=_note_text(text), author_id=actor.id)
    db.session.add(note)
    db.session.flush()
    db.session.expire(review, ["notes"])
    return note


def get_note(review: LiveReview, note_id: Any) -> ReviewNote:
    note = db.session.get(ReviewNote, _key(note_id)) if _key(note_id) else None
    if note is None or note.review_id != review.id:
        raise NotFound(_l("We could not find that note."))
    return note


def update_note(actor: User | None, note: ReviewNote, at: Any, text: Any) -> ReviewNote:
    writable_review(actor, note.review_id)
    note.at_seconds, note.text = parse_moment(at), _note_text(text)
    db.session.flush()
    return note


def delete_note(actor: User | None, note: ReviewNote) -> None:
    review = writable_review(actor, note.review_id)
    db.session.delete(note)
    db.session.flush()
    db.session.expire(review, ["notes"])


def criteria_for(review: LiveReview) -> list[RubricCriterion]:
    """The course's rubric lines, and archived ones this review scored (a past review keeps what it said)."""
    course = review.cohort.course if review.cohort is not None else None
    if course is None:
        return []
    scored = {s.criterion_id for s in review.scores}
    return rubric.criteria_of(course) + [c for c in rubric.criteria_of(course, archived=True) if c.id in scored]


def score_review(actor: User | None, review: LiveReview, scores: dict[Any, Any],
                 summary: Any = None) -> LiveReview:
    """Scores by criterion id (None or "" clears one); every named criterion must be a line of the course's rubric."""
    writable_review(actor, review.id)
    criteria = {c.id: c for c in criteria_for(review)}
    existing = {s.criterion_id: s for s in review.scores}
    wanted: dict[int, int | None] = {}
    for raw_id, raw_score in scores.items():
        try:
            criterion_id = int(raw_id)
        except (TypeError, ValueError):
            criterion_id = -1
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise InvalidInput(_l("This line is not in the course's rubric."), code="unknown_criterion")
        if raw_score is None or raw_score == "":
            wanted[criterion_id] = None
            continue
        try:
            value = int(raw_score)
        except (TypeError, ValueError):
            value = 0
        if isinstance(raw_score, bool) or not 1 <= value <= criterion.max_score:
            raise InvalidInput(_l("A score for “%(title)s” goes from 1 to %(n)s.", title=criterion.title,
                                  n=criterion.max_score), code="bad_score")
        wanted[criterion_id] = value
    for criterion_id, score in wanted.items():
        row = existing.get(criterion_id)
        if score is None:
            if row is not None:
                review.scores.remove(row)
        elif row is None:
            review.scores.append(ReviewScore(criterion_id=criterion_id, score=score))
        else:
            row.score = score
    if summary is not None:
        text = str(summary).strip()
        if len(text) > 4000:
            raise InvalidInput(_l("The summary is too long."), code="summary_too_long")
        review.summary = text
    review.updated_at = utcnow()
    db.session.flush()
    return review
