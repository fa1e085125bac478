"""`flask live …` commands and the periodic job that expires unpaid live holds and serves the waitlists."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..extensions import db

live_cli = AppGroup("live", help="Live sales: hold expiry and waitlists.")


def expire_holds_job() -> dict[str, int]:
    """One unit of work: expire live holds past their time and give the freed units to waiting buyers.

    Like a view, it leaves the commit to its caller (the job runner or the command below)."""
    from . import afterlive, services

    hours = float(current_app.config.get("LIVE_HOLD_HOURS", services.DEFAULT_HOLD_HOURS))
    remind = float(current_app.config.get("LIVE_HOLD_REMIND_MINUTES", afterlive.REMIND_MINUTES))
    return afterlive.run_hold_expiry(hold_hours=hours, remind_minutes=remind)


@live_cli.command("expire-holds")
def expire_holds_command() -> None:
    """Expire unpaid live holds (LIVE_HOLD_HOURS, 24 by default) and serve the waitlists (for cron)."""
    try:
        counts = expire_holds_job()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"{counts['expired']} expired, {counts['served']} waitlist places served, "
               f"{counts.get('reminded', 0)} reminders")


def register(app: Flask) -> None:
    """Add `flask live` and, when the app has the shared job runner (app.core.jobs), the every-minute job."""
    app.cli.add_command(live_cli)
    try:
        from ..core.jobs import register_job
    except ImportError:  # no job runner in this build: cron runs `flask live expire-holds` instead
        return
    register_job("live.expire_holds", expire_holds_job, every_seconds=60)
