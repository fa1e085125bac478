"""Accounts: users (phone or email), sign-in, organisations, memberships and platform roles."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates")

from . import mydata, views  # noqa: E402,F401
