"""Read-side account queries."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import Membership, Organisation, User


def organisations_of(user) -> list[tuple[Organisation, str]]:
    """The organisations a user belongs to, with their role, by name."""
    if user is None or not getattr(user, "id", None):
        return []
    rows = db.session.execute(
        select(Organisation, Membership.role)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id)
        .order_by(Organisation.name)
    ).all()
    return [(org, role) for org, role in rows]


def members_of(org: Organisation) -> list[tuple[User, str]]:
    rows = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == org.id)
        .order_by(Membership.role.desc(), User.name)
    ).all()
    return [(user, role) for user, role in rows]


def search_users(term: str | None, limit: int = 50) -> list[User]:
    stmt = select(User).order_by(User.created_at.desc()).limit(limit)
    if term:
        like = f"%{term.strip()}%"
        stmt = stmt.where((User.name.ilike(like)) | (User.phone.ilike(like)) | (User.email.ilike(like)))
    return list(db.session.scalars(stmt))
