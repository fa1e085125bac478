"""Live reviews (read side): one timeline of chat, claims and notes, the figures, the change since the last review."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...accounts.models import User
from ...extensions import db
from ...livestream import recordings, video
from ...livestream.models import LiveSession
from ..models import Cohort, CohortMember
from .figures import LiveFigures, live_figures
from .models import LiveReview, RubricCriterion
from .services import criteria_for, lives_of

MAX_TIMELINE = 3000  # a long busy live: the page keeps the first lines; the video still plays to the end


@dataclass
class TimelineItem:
    at: float
    kind: str  # chat, question, order (an order comment), claim (an order line taken), note
    who: str
    text: str
    note_id: int | None = None
    seller: bool = False


@dataclass
class Change:
    label: Any
    before: Any
    now: Any
    better: bool | None  # None: no better or worse (or nothing to compare)
    unit: str = ""


@dataclass
class ReviewPage:
    review: LiveReview
    live: LiveSession
    has_video: bool
    duration: float
    timeline: list[TimelineItem]
    figures: LiveFigures
    criteria: list[RubricCriterion]
    scores: dict[int, int]
    percent: int | None
    previous: LiveReview | None = None
    changes: list[Change] = field(default_factory=list)


def has_replay(live: LiveSession) -> bool:
    stream = video.stream_of(live)
    return live.state == "ended" and stream is not None and stream.replay_file is not None


def timeline(review: LiveReview, with_video: bool) -> tuple[float, list[TimelineItem]]:
    """Chat lines (the public copy, as the live showed them), claims and the review's notes, by replay time."""
    data = recordings.replay_timeline(review.live, live_clock=not with_video)
    items = [TimelineItem(line["at"], line["kind"], line["user"], line["text"], seller=bool(line.get("seller")))
             for line in data["chat"]]
    items += [TimelineItem(t["at"], "claim", t["user"], f"{t['quantity']} × {t['code']} · {t['name']}")
              for t in data["ticker"]]
    items.sort(key=lambda item: item.at)
    items = items[:MAX_TIMELINE]
    items += [TimelineItem(float(n.at_seconds), "note", "", n.text, note_id=n.id) for n in review.notes]
    # Notes first among lines of the same second: the coaching reads before what it is about.
    items.sort(key=lambda item: (item.at, item.kind != "note"))
    return data["duration"], items


def _target(criteria: list[RubricCriterion]) -> int | None:
    return next((c.target_seconds for c in criteria if c.target_seconds), None)


def rubric_percent(review: LiveReview, criteria: list[RubricCriterion]) -> int | None:
    """The scored lines' points over their highest, in percent (lines not scored yet do not count)."""
    by_id = {c.id: c for c in criteria}
    scored = [(s.score, by_id[s.criterion_id].max_score) for s in review.scores if s.criterion_id in by_id]
    if not scored:
        return None
    return round(100 * sum(s for s, _ in scored) / sum(m for _, m in scored))


def previous_review(review: LiveReview) -> LiveReview | None:
    """The trainee's review of the live before this one (any class), to show what changed."""
    return db.session.scalar(
        select(LiveReview).join(LiveSession, LiveSession.id == LiveReview.live_id)
        .where(LiveReview.trainee_id == review.trainee_id, LiveReview.id != review.id,
               LiveSession.ended_at < review.live.ended_at)
        .order_by(LiveSession.ended_at.desc(), LiveReview.id.desc()).limit(1))


def _change(label, before, now, *, unit: str = "", higher_is_better: bool = True) -> Change:
    if before is None or now is None or before == now:
        return Change(label, before, now, None, unit)
    return Change(label, before, now, (now > before) == higher_is_better, unit)


def changes(now: LiveFigures, before: LiveFigures, now_pct: int | None, before_pct: int | None) -> list[Change]:
    return [
        _change(_l("Rubric score"), before_pct, now_pct, unit="%"),
        _change(_l("Questions answered"), before.answered_percent, now.answered_percent, unit="%"),
        _change(_l("Median answer time"), before.median_answer_seconds, now.median_answer_seconds, unit=" s",
                higher_is_better=False),
        _change(_l("Order lines confirmed"), before.confirmed_percent, now.confirmed_percent, unit="%"),
        _change(_l("Holds expired"), before.expired, now.expired, higher_is_better=False),
        _change(_l("Comments per minute"), before.comments_per_minute, now.comments_per_minute),
        _change(_l("Peak viewers"), before.peak_viewers, now.peak_viewers),
    ]


def review_page(review: LiveReview) -> ReviewPage:
    criteria = criteria_for(review)
    with_video = has_replay(review.live)
    duration, items = timeline(review, with_video)
    figures = live_figures(review.live, target_seconds=_target(criteria))
    page = ReviewPage(review, review.live, with_video, duration, items, figures, criteria,
                      {s.criterion_id: s.score for s in review.scores}, rubric_percent(review, criteria))
    previous = previous_review(review)
    if previous is not None:
        before_criteria = criteria_for(previous)
        page.previous = previous
        page.changes = changes(figures, live_figures(previous.live, target_seconds=_target(before_criteria)),
                               page.percent, rubric_percent(previous, before_criteria))
    return page


def reviews_of(trainee_id: int) -> list[LiveReview]:
    return list(db.session.scalars(
        select(LiveReview).join(LiveSession, LiveSession.id == LiveReview.live_id)
        .where(LiveReview.trainee_id == trainee_id).order_by(LiveSession.ended_at.desc(), LiveReview.id.desc())))


def pending_consents(user: User | None) -> list[CohortMember]:
    """Classes whose trainer has not heard yet whether this member agrees to live reviews."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(CohortMember).join(Cohort, Cohort.id == CohortMember.cohort_id)
                                   .where(CohortMember.user_id == user.id, CohortMember.review_consent.is_(None),
                                          Cohort.trainer_id.is_not(None))))


def memberships_of(user: User) -> list[CohortMember]:
    return list(db.session.scalars(select(CohortMember).where(CohortMember.user_id == user.id)
                                   .order_by(CohortMember.id)))


@dataclass
class MemberReviews:
    member: CohortMember
    lives: int
    reviews: int


def class_review_rows(cohort: Cohort) -> list[MemberReviews]:
    """Each member's consent, their ended lives and how many of them this class reviewed."""
    counts = dict(db.session.execute(select(LiveReview.trainee_id, func.count(LiveReview.id))
                                     .where(LiveReview.cohort_id == cohort.id).group_by(LiveReview.trainee_id)).all())
    return [MemberReviews(m, len(lives_of(m.user_id)) if m.review_consent else 0, counts.get(m.user_id, 0))
            for m in cohort.members]


def reviews_by_live(cohort_id: int, trainee_id: int) -> dict[int, LiveReview]:
    return {r.live_id: r for r in db.session.scalars(select(LiveReview).where(LiveReview.cohort_id == cohort_id,
                                                                             LiveReview.trainee_id == trainee_id))}
