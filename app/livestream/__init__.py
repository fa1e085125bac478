"""Livestream sales: live sessions, chat, comment parser, reservations, seller console."""
from flask import Blueprint

bp = Blueprint("livestream", __name__, template_folder="templates")

from . import models  # noqa: E402,F401
from . import buyer_news, events, views  # noqa: E402,F401
from . import afterlive_views  # noqa: E402,F401  (live cart, waitlist, follow, schedule, report)
from . import video_views  # noqa: E402,F401  (RTMP callbacks, HLS, stream keys, replays)

bp.record(events.register_namespace)
bp.record_once(lambda state: buyer_news.subscribe(state.app))
