"""Viewers' reports about a live or one of its chat lines, and the moderation queue of the admin and the seller."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...accounts.models import Membership, User
from ...accounts.services import membership
from ...core.dbtypes import utcnow
from ...core.privacy import mask_personal_data
from ...errors import Conflict, Forbidden, InvalidInput, NotFound, NotSignedIn, RateLimited
from ...extensions import db
from ..models import ChatMessage, LiveSession
from ..queries import mask_name
from ..services import require_viewer
from .models import MAX_DETAILS, REPORT_REASONS, REPORT_STATUSES, LiveReport

REPORTS_PER_WINDOW = 5
WINDOW = timedelta(minutes=10)
CONTEXT_LINES = 20
MAX_REPLAY_SECONDS = 48 * 3600
NOTE_ACTIONS = {"resolve": "resolved", "dismiss": "dismissed"}


def reason_labels() -> dict[str, Any]:
    """What the report form and the queue call each reason."""
    return {
        "unsafe_product": _l("Unsafe product or no warning"),
        "false_claim": _l("False or misleading claims"),
        "counterfeit": _l("Counterfeit or banned goods"),
        "offensive": _l("Offensive or abusive"),
        "scam": _l("Scam or asking to pay outside"),
        "personal_data": _l("Shares someone's personal data"),
        "other": _l("Something else"),
    }


def _int_or_none(raw: Any, *, upper: int, field: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise InvalidInput(code="invalid_number", field=field)
    try:
        number = int(float(raw)) if isinstance(raw, (str, float)) else int(raw)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(_l("That position in the video is not a number."), code="invalid_number",
                           field=field) from None
    if not 0 <= number <= upper:
        raise InvalidInput(_l("That position in the video is not a number."), code="invalid_number", field=field)
    return number


def _message_of(live: LiveSession, message_id: Any) -> ChatMessage | None:
    if message_id is None or message_id == "":
        return None
    number = _int_or_none(message_id, upper=2**31 - 1, field="message_id")
    message = db.session.get(ChatMessage, number) if number else None
    if message is None or message.session_id != live.id:
        raise NotFound(_l("We could not find that message in this live."), code="unknown_message")
    return message


def submit_report(actor: User | None, live: LiveSession, *, reason: Any, details: Any = None, message_id: Any = None,
                  replay_seconds: Any = None, now: datetime | None = None) -> LiveReport:
    """A signed-in viewer reports the live (or one chat line); the evidence of that moment is stored with it."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotSignedIn(_l("Please sign in to report a live."))
    require_viewer(actor, live)
    now = now or utcnow()
    if reason not in REPORT_REASONS:
        raise InvalidInput(_l("Please choose what is wrong."), code="invalid_reason", field="reason")
    text = " ".join(details.split()) if isinstance(details, str) else ""
    if len(text) > MAX_DETAILS:
        raise InvalidInput(_l("Please keep the description under 500 characters."), code="invalid_details",
                           field="details")
    message = _message_of(live, message_id)
    replay_at = _int_or_none(replay_seconds, upper=MAX_REPLAY_SECONDS, field="replay_seconds")
    recent = db.session.scalar(select(func.count(LiveReport.id)).where(
        LiveReport.reporter_id == actor.id, LiveReport.created_at > now - WINDOW))
    if (recent or 0) >= REPORTS_PER_WINDOW:
        raise RateLimited(_l("You have sent several reports just now. Please wait a few minutes."),
                          code="too_many_reports")
    same = select(LiveReport.id).where(LiveReport.session_id == live.id, LiveReport.reporter_id == actor.id,
                                       LiveReport.status == "open", LiveReport.reason == reason)
    same = same.where(LiveReport.message_id == message.id) if message else same.where(LiveReport.message_id.is_(None))
    if db.session.scalar(same.limit(1)) is not None:
        raise Conflict(_l("You have already reported this. The team is looking at it."), code="already_reported")
    live_seconds = None
    if live.started_at is not None:
        until = min(now, live.ended_at) if live.ended_at else now
        live_seconds = max(0, int((until - live.started_at).total_seconds()))
    upto = select(ChatMessage.id).where(ChatMessage.session_id == live.id)
    if message is not None:
        upto = upto.where(ChatMessage.id <= message.id)
    context = sorted(db.session.scalars(upto.order_by(ChatMessage.id.desc()).limit(CONTEXT_LINES)))
    report = LiveReport(session_id=live.id, reporter_id=actor.id, message_id=message.id if message else None,
                        message_text=message.text if message else None, reason=reason, details=text or None,
                        live_seconds=live_seconds, replay_seconds=replay_at, context_ids=json.dumps(context),
                        status="open", created_at=now)
    db.session.add(report)
    db.session.flush()
    return report


# The queue ------------------------------------------------------------------------------------------------------

def _staff_org_ids(actor: User) -> list[int]:
    return list(db.session.scalars(select(Membership.organisation_id).where(Membership.user_id == actor.id)))


@dataclass
class QueueLine:
    """One report as the queue shows it: the reporter and the chat text masked unless the reader is an admin."""

    report: LiveReport
    reporter: str
    message_text: str | None
    details: str | None
    reason_label: Any

    @property
    def context(self) -> list[int]:
        return json.loads(self.report.context_ids or "[]")


def _line(report: LiveReport, admin: bool) -> QueueLine:
    name = report.reporter.name if report.reporter else None
    labels = reason_labels()
    if admin:
        return QueueLine(report, name or "—", report.message_text, report.details, labels[report.reason])
    # The seller never learns who reported them, nor reads a phone or an address someone typed.
    return QueueLine(report, mask_name(None), mask_personal_data(report.message_text or "") or None,
                     mask_personal_data(report.details or "") or None, labels[report.reason])


def report_queue(actor: User | None, status: str = "open", session_id: int | None = None) -> list[QueueLine]:
    """The admin sees every live's reports; a seller those of their organisations' lives, reporter masked."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise NotSignedIn()
    if status not in REPORT_STATUSES:
        status = "open"
    admin = bool(getattr(actor, "is_admin", False))
    query = (select(LiveReport).join(LiveSession, LiveSession.id == LiveReport.session_id)
             .where(LiveReport.status == status).order_by(LiveReport.id.desc()).limit(200)
             .options(selectinload(LiveReport.reporter), selectinload(LiveReport.session)
                      .selectinload(LiveSession.organisation)))
    if not admin:
        orgs = _staff_org_ids(actor)
        if not orgs:
            raise Forbidden()
        query = query.where(LiveSession.organisation_id.in_(orgs))
    if session_id is not None:
        query = query.where(LiveReport.session_id == session_id)
    return [_line(r, admin) for r in db.session.scalars(query)]


def get_report(report_id: Any) -> LiveReport:
    if isinstance(report_id, bool) or not isinstance(report_id, int) or not 0 < report_id < 2**31:
        raise NotFound(code="unknown_report")
    report = db.session.get(LiveReport, report_id)
    if report is None:
        raise NotFound(code="unknown_report")
    return report


def may_handle(actor: User | None, report: LiveReport) -> bool:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return bool(getattr(actor, "is_admin", False)) or membership(actor, report.session.organisation) is not None


def handle_report(actor: User | None, report: LiveReport, action: str, note: Any = None,
                  now: datetime | None = None) -> LiveReport:
    """Resolve or dismiss an open report (the admin, or a member of the live's organisation), with a note."""
    if not may_handle(actor, report):
        raise Forbidden()
    assert actor is not None
    if action not in NOTE_ACTIONS:
        raise InvalidInput(code="invalid_action")
    if report.status != "open":
        raise Conflict(_l("This report has already been handled."), code="already_handled")
    text = " ".join(note.split()) if isinstance(note, str) else ""
    if len(text) > MAX_DETAILS:
        raise InvalidInput(_l("Please keep the note under 500 characters."), code="invalid_note", field="note")
    report.status, report.note = NOTE_ACTIONS[action], text or None
    report.handled_by_id, report.handled_at = actor.id, now or utcnow()
    db.session.flush()
    return report
