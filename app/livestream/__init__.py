"""Livestream sales: live sessions, chat, comment parser, reservations, seller console."""
from flask import Blueprint

bp = Blueprint("livestream", __name__, template_folder="templates")

from . import models  # noqa: E402,F401
from .trust import models as trust_models  # noqa: E402,F401
from . import buyer_news, cli, events, views  # noqa: E402,F401
from . import privacy  # noqa: E402

bp.record(events.register_namespace)
bp.record_once(lambda state: cli.register(state.app))
bp.record_once(lambda state: buyer_news.subscribe(state.app))
bp.record_once(lambda state: privacy.register(state.app))
