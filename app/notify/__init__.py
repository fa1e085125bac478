"""Notifications as one pipeline: outbox, templates, channels (Zalo ZNS, SMS, web push, in-app), the sender job.

Nothing imports this package but the factory (and the API): it hears the other features through domain signals
(app.core.signals) and the bell's router (accounts.notifications.set_router).
"""
from flask import Blueprint, Flask

bp = Blueprint("notify", __name__, template_folder="templates")


def init_app(app: Flask) -> None:
    """Called by create_app: the outbox writers, the sender job and the pages."""
    from ..core.jobs import register_job
    from . import models  # noqa: F401
    from . import views  # noqa: F401
    from .outbox import send_due
    from .privacy import register as register_privacy
    from .subscribers import connect

    connect(app)
    register_privacy(app)
    register_job("notify.send-outbox", send_due, int(app.config.get("NOTIFY_SEND_EVERY_SECONDS") or 15))
    app.register_blueprint(bp)
