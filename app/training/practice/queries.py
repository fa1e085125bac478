"""Read-side practice live: the trainee's runs and products to choose from, trainers' overview, tip texts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...accounts.models import User
from ...extensions import db
from .models import PracticeRun

TIPS = {
    "wrong_lines": _l("Some lines stayed in the queue that nobody should get: when a buyer backs out without a "
                      "code (\"thôi em không lấy nữa\"), cancel their lines yourself in the held queue."),
    "missed_orders": _l("Some buyers did not end up with what they ordered. Check the held queue before ending, "
                        "and do not cancel a line unless the buyer asked."),
    "extra_lines": _l("Some lines in the queue are more than the buyers asked for. Compare the held queue with "
                      "the chat before ending."),
    "missed_lines": _l("Some buyers did not end up with what they ordered. Compare the held queue with the chat "
                       "before ending."),
    "unanswered": _l("Some questions got no answer. Answer each question in the chat, even briefly: a buyer who "
                     "waits leaves."),
    "slow_answers": _l("Answers took more than half a minute. Prepare short replies for price, stock and shipping "
                       "before the live."),
    "ended_early": _l("You ended before every buyer had spoken. Stay on air until the comments stop."),
    "well_done": _l("Well done: every order was right and every question answered. Try a faster pace next."),
}


def tip_texts(keys: list[str]) -> list[str]:
    return [str(TIPS[k]) for k in keys if k in TIPS]


def recent_runs(limit: int = 50) -> list[PracticeRun]:
    """Trainers' overview: the latest practice lives of every trainee."""
    return list(db.session.scalars(select(PracticeRun).order_by(PracticeRun.id.desc()).limit(limit)
                                   .options(selectinload(PracticeRun.user))))


def runs_of(user: User, limit: int = 20) -> list[PracticeRun]:
    return list(db.session.scalars(select(PracticeRun).where(PracticeRun.user_id == user.id)
                                   .order_by(PracticeRun.id.desc()).limit(limit)))
