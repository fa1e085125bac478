"""Buyers follow organisations; when one goes live, every follower gets an in-app notification."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from ..accounts import notifications
from ..accounts.models import Organisation, User
from ..core.dbtypes import rows_changed
from ..errors import NotSignedIn
from ..extensions import db
from .models import LiveSession, OrganisationFollow


def _signed_in(user: User | None) -> User:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotSignedIn(_l("Please sign in to follow a shop."))
    return user


def follow(user: User | None, org: Organisation) -> OrganisationFollow:
    """Follow an organisation; following twice is the same as once."""
    user = _signed_in(user)
    existing = _row(user, org)
    if existing is not None:
        return existing
    row = OrganisationFollow(user_id=user.id, organisation_id=org.id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # the same follow raced in from another request
        return _row(user, org)
    return row


def unfollow(user: User | None, org: Organisation) -> bool:
    user = _signed_in(user)
    result = db.session.execute(delete(OrganisationFollow).where(OrganisationFollow.user_id == user.id,
                                                                 OrganisationFollow.organisation_id == org.id))
    return rows_changed(result) > 0


def _row(user: User, org: Organisation) -> OrganisationFollow | None:
    return db.session.scalar(select(OrganisationFollow).where(OrganisationFollow.user_id == user.id,
                                                              OrganisationFollow.organisation_id == org.id))


def is_following(user: User | None, org: Organisation) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _row(user, org) is not None


def follower_count(org: Organisation) -> int:
    return int(db.session.scalar(select(func.count(OrganisationFollow.id))
                                 .where(OrganisationFollow.organisation_id == org.id)) or 0)


def follower_ids(org_id: int) -> list[int]:
    return list(db.session.scalars(select(OrganisationFollow.user_id)
                                   .where(OrganisationFollow.organisation_id == org_id)
                                   .order_by(OrganisationFollow.id)))


def notify_followers(live: LiveSession) -> int:
    """A 'live now' notification for each follower, in the unit of work that puts the live on air.

    A private practice live (training) tells nobody."""
    if live.is_practice:
        return 0  # a private rehearsal is nobody's business
    # A plain path, not url_for: the job and the CLI have no request to build URLs from.
    link = f"/live/{live.id}"
    return notifications.notify_many(follower_ids(live.organisation_id), "live_started",
                                     {"session_id": live.id, "title": live.title, "org": live.organisation.name},
                                     link)


def follow_state(user: User | None, org: Organisation) -> dict:
    """What the follow button shows: following or not, and how many follow."""
    return {"following": is_following(user, org), "followers": follower_count(org)}
