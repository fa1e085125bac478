"""Compliance: the platform mode, seller verification, the withholding ledger and its exports, the household
revenue tracker and the rules pages. It reads shop, accounts and livestream; only the factory and api import it."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("compliance", __name__, template_folder="templates", static_folder="static",
               static_url_path="/compliance/static")

from . import breach_views, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Register the pages and CLI, the selling check, and the ledger's receivers inside the order's transaction."""
    from ..accounts import selling
    from ..core import rules, signals
    from ..core.jobs import register_job
    from . import ledger, privacy_jobs, retention, settings, verification
    from .cli import compliance_cli, tax_cli

    app.register_blueprint(bp)
    app.cli.add_command(tax_cli)
    app.cli.add_command(compliance_cli)
    register_job("compliance.retention-purge", retention.purge_job, every_seconds=24 * 3600)
    selling.register_check(app, verification.check_may_sell)
    rules.register_reader(app, settings.value)
    register_job("compliance.deidentify-addresses", privacy_jobs.deidentify_addresses, privacy_jobs.EVERY_SECONDS)
    register_job("compliance.expire-certificates", privacy_jobs.expire_certificates, privacy_jobs.EVERY_SECONDS)
    signals.connect_in_transaction(signals.order_paid, ledger.on_order_paid, app)
    signals.connect_in_transaction(signals.order_delivered, ledger.on_order_delivered, app)
    signals.connect_in_transaction(signals.order_cancelled, ledger.on_order_closed, app)
    signals.connect_in_transaction(signals.order_refunded, ledger.on_order_closed, app)
    signals.connect_in_transaction(signals.order_returned, ledger.on_order_closed, app)  # the carrier brought it back
    signals.connect_in_transaction(signals.live_started, verification.record_host, app)
