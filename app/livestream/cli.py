"""`flask live …` and `flask livestream …` commands, and the periodic jobs of lives (core.jobs: each run is one unit
of work, committed by the runner; the commands commit the same way)."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..core.jobs import register_job
from ..extensions import db
from . import bp, broadcast, recordings, video

live_cli = AppGroup("live", help="Live sales: hold expiry and waitlists.")


def expire_holds_job() -> dict[str, int]:
    """One unit of work: expire live holds past their time and give the freed units to waiting buyers."""
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


@bp.cli.command("video-replays")
def video_replays_command() -> None:
    """Join the recordings of ended lives into replay videos (also run by the job)."""
    print(_("%(n)s replay(s) prepared.", n=recordings.build_pending_replays(limit=50)))


@bp.cli.command("video-grace")
def video_grace_command() -> None:
    """End interrupted lives whose grace period is over (also run by the job)."""
    ended = video.end_lives_past_grace()
    db.session.commit()
    print(_("%(n)s live(s) ended.", n=ended))


def register(app: Flask) -> None:
    """Add `flask live` to the app (the blueprint brings `flask livestream`)."""
    app.cli.add_command(live_cli)


register_job("live.expire_holds", expire_holds_job, every_seconds=60)
# Comments and the console's tick notice ended flash sales too; the job tells a quiet live on time.
register_job("livestream.flash-sales-ended", broadcast.announce_ended_flash_sales, every_seconds=5)
# The jobs below only tidy up sooner: the pages settle an expired grace period lazily anyway.
register_job("livestream.video-grace", video.end_lives_past_grace, every_seconds=15)
register_job("livestream.video-replays", recordings.build_pending_replays, every_seconds=60)
