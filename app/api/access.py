"""Who is calling the API: the signed-in user (session cookie or bearer token), or nobody."""
from __future__ import annotations

from flask_login import current_user

from ..accounts.models import User
from ..errors import NotSignedIn


def signed_in() -> User:
    """The caller, or a 401 `not_signed_in` error."""
    if not current_user.is_authenticated:
        raise NotSignedIn()
    return current_user


def viewer() -> User | None:
    """The caller when signed in; None for an anonymous one."""
    return current_user if current_user.is_authenticated else None
