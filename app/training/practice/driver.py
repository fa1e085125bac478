"""Drives a practice live: delivers the scripted comments when their time comes, commits, then broadcasts."""
from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask, current_app

from ...extensions import db, socketio
from ...livestream.broadcast import broadcast_comment
from . import services
from .models import PracticeRun

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5
MAX_TICKS = 3600  # half an hour of ticks: a forgotten practice live stops being fed by itself


def _broadcast(delivered: list[services.Delivered]) -> None:
    for item in delivered:
        if item.payload is not None:
            broadcast_comment(item.session_id, item.payload, item.ack)


def tick(run_id: int, now: datetime | None = None) -> bool:
    """One unit of work: deliver what is due, commit once, broadcast after the commit. False when the run is over."""
    run = db.session.get(PracticeRun, run_id)
    if run is None:
        return False
    delivered = services.deliver_due(run, now)
    done = services.is_done(run)
    db.session.commit()
    _broadcast(delivered)
    return not done


def step(run_id: int, now: datetime | None = None) -> services.Delivered | None:
    """Deliver the next scripted comment now, whatever its planned time (tests drive a run comment by comment)."""
    run = db.session.get(PracticeRun, run_id)
    item = services.deliver_next(run, now) if run is not None else None
    db.session.commit()
    if item is not None:
        _broadcast([item])
    return item


# Runs this process is driving: opening the run page after a restart starts a driver again, never a second one.
_driving: set[int] = set()


def _drive(app: Flask, run_id: int) -> None:
    try:
        _drive_ticks(app, run_id)
    finally:
        _driving.discard(run_id)


def _drive_ticks(app: Flask, run_id: int) -> None:
    with app.app_context():
        for _ in range(MAX_TICKS):
            try:
                going = tick(run_id)
            except Exception:  # a failed tick must not kill the live; the next tick tries again
                db.session.rollback()
                log.exception("practice live %s: tick failed", run_id)
                going = True
            finally:
                db.session.remove()
            if not going:
                return
            socketio.sleep(TICK_SECONDS)


def start_driver(run_id: int) -> bool:
    """Start the background driver unless the app drives practice lives by hand (tests: PRACTICE_DRIVER=manual)."""
    app = current_app._get_current_object()
    mode = app.config.get("PRACTICE_DRIVER", "manual" if app.testing else "thread")
    if mode != "thread" or run_id in _driving:
        return False
    _driving.add(run_id)
    socketio.start_background_task(_drive, app, run_id)
    return True
