"""Periodic jobs: a registry features fill at start-up, APScheduler to run them, a Redis lock for clusters.

A feature registers its job once, at import or blueprint-registration time:

    register_job("shop.expire-orders", expire_unpaid, every_seconds=60)

`func` takes no arguments and runs inside an application context; like a view, it leaves the commit
to its caller: each run is one unit of work, committed when the function returns and rolled back
when it raises. Correctness never depends on a job running on time (expiry is also enforced lazily
through `expires_at`); jobs only tidy up sooner.

The scheduler (APScheduler's BackgroundScheduler) starts in the process that serves the app, at its
first request, when JOBS_ENABLED is true. Starting there rather than in create_app itself keeps jobs
out of CLI commands (`flask db upgrade` builds the app too), out of the watcher process of Flask's
reloader (it serves nothing) and out of a pre-forking master (its threads would not survive the fork).
With REDIS_URL set, every tick first takes a short lock (`SET key token NX EX`), so in a cluster only
one process runs a given job at a time; the others skip that tick.

`flask jobs list` shows the registry, `flask jobs run NAME` runs one job now (under the same lock).
This module is core: it knows no feature.
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..extensions import db

log = logging.getLogger(__name__)

EXTENSION_KEY = "cholive.jobs"
# Compare-and-delete: a lock is released only by the run that took it, never after it expired and
# another process took it over.
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]
    every_seconds: int


@dataclass(frozen=True)
class JobRun:
    """What one tick did: `ran` is False when another process held the job's lock."""

    name: str
    ran: bool
    result: Any = None


_registry: dict[str, Job] = {}
_registry_lock = threading.Lock()


def register_job(name: str, func: Callable[[], Any], every_seconds: int) -> Job:
    """Add (or replace, by name) a job that runs every `every_seconds` seconds."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a job needs a name")
    if not callable(func):
        raise TypeError(f"job {name!r}: func must be callable")
    if isinstance(every_seconds, bool) or not isinstance(every_seconds, int) or every_seconds < 1:
        raise ValueError(f"job {name!r}: every_seconds must be a whole number of seconds, at least 1")
    job = Job(name.strip(), func, every_seconds)
    with _registry_lock:
        _registry[job.name] = job
    return job


def registered_jobs() -> list[Job]:
    with _registry_lock:
        return sorted(_registry.values(), key=lambda job: job.name)


def get_job(name: str) -> Job | None:
    with _registry_lock:
        return _registry.get(name)


# Locks ---------------------------------------------------------------------------------------------

def _redis(app: Flask) -> Any:
    """The app's Redis client for job locks, or None when REDIS_URL is not set."""
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    state = app.extensions.setdefault(EXTENSION_KEY, {})
    client = state.get("redis")
    if client is None or state.get("redis_url") != url:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        state.update(redis=client, redis_url=url)
    return client


def lock_key(app: Flask, name: str) -> str:
    prefix = app.config.get("JOBS_LOCK_PREFIX") or app.config.get("RATELIMIT_KEY_PREFIX") or "cholive"
    return f"{prefix}:job:{name}"


def _acquire(app: Flask, job: Job) -> tuple[bool, str | None]:
    """(may run, token to release with). Without Redis a process only ever competes with itself."""
    client = _redis(app)
    if client is None:
        return True, None
    token = secrets.token_hex(8)
    # The expiry only matters if this process dies mid-run; a run normally releases the lock itself.
    ttl = max(1, int(app.config.get("JOBS_LOCK_SECONDS") or job.every_seconds))
    try:
        taken = client.set(lock_key(app, job.name), token, nx=True, ex=ttl)
    except Exception:  # Redis down: better to skip a tick than to run beside another process
        log.warning("job %s: could not reach Redis for the lock; skipping this tick", job.name, exc_info=True)
        return False, None
    return bool(taken), token if taken else None


def _release(app: Flask, job: Job, token: str | None) -> None:
    client = _redis(app)
    if client is None or token is None:
        return
    try:
        client.eval(_RELEASE, 1, lock_key(app, job.name), token)
    except Exception:
        log.warning("job %s: could not release its lock; it expires by itself", job.name, exc_info=True)


# Running -------------------------------------------------------------------------------------------

def run_job(app: Flask, name: str) -> JobRun:
    """Run one job now, in its own app context and unit of work, if its lock can be taken.

    Raises KeyError for an unknown name and re-raises whatever the job raised (after rolling back).
    """
    job = get_job(name)
    if job is None:
        raise KeyError(name)
    may_run, token = _acquire(app, job)
    if not may_run:
        log.debug("job %s: another process holds the lock; skipped", name)
        return JobRun(name, ran=False)
    try:
        with app.app_context():
            try:
                result = job.func()
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
    finally:
        _release(app, job, token)
    if result:
        log.info("job %s: %s", name, result)
    return JobRun(name, ran=True, result=result)


def _tick(app: Flask, name: str) -> None:
    """What the scheduler calls: a failing run is logged and the next tick tries again."""
    try:
        run_job(app, name)
    except Exception:
        log.exception("job %s failed", name)


def start_scheduler(app: Flask) -> Any:
    """Start a BackgroundScheduler running every registered job for this app, once per process.

    Returns the scheduler (None when JOBS_ENABLED is off). A second call in the same process returns
    the running one; a forked child starts its own.
    """
    if not app.config.get("JOBS_ENABLED"):
        return None
    state = app.extensions.setdefault(EXTENSION_KEY, {})
    with _registry_lock:
        scheduler = state.get("scheduler")
        if scheduler is not None and state.get("pid") == os.getpid():
            return scheduler
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(daemon=True, timezone="UTC")
        for job in _registry.values():
            scheduler.add_job(_tick, "interval", seconds=job.every_seconds, args=(app, job.name), id=job.name,
                              name=job.name, max_instances=1, coalesce=True, misfire_grace_time=job.every_seconds)
        scheduler.start()
        state.update(scheduler=scheduler, pid=os.getpid())
    log.info("jobs scheduler started in process %s: %s", os.getpid(),
             ", ".join(f"{job.name} every {job.every_seconds}s" for job in registered_jobs()) or "no jobs")
    return scheduler


def stop_scheduler(app: Flask) -> None:
    state = app.extensions.get(EXTENSION_KEY) or {}
    with _registry_lock:
        scheduler, pid = state.pop("scheduler", None), state.pop("pid", None)
    if scheduler is not None and pid == os.getpid():
        scheduler.shutdown(wait=False)


def init_jobs(app: Flask) -> None:
    """Called by create_app: the `flask jobs` commands, and the scheduler at the first request served."""
    app.cli.add_command(jobs_cli)
    if not app.config.get("JOBS_ENABLED"):
        return

    @app.before_request
    def _start_jobs_once() -> None:
        state = app.extensions.get(EXTENSION_KEY) or {}
        if state.get("pid") != os.getpid():
            start_scheduler(app)


# CLI -----------------------------------------------------------------------------------------------

jobs_cli = AppGroup("jobs", help="Periodic jobs: list them, or run one now.")


@jobs_cli.command("list")
def list_jobs_command() -> None:
    """List the registered jobs and how often they run."""
    jobs = registered_jobs()
    if not jobs:
        click.echo("no jobs registered")
    for job in jobs:
        click.echo(f"{job.name:<32} every {job.every_seconds} s")
    state = "on" if current_app.config.get("JOBS_ENABLED") else "off (JOBS_ENABLED)"
    lock = "Redis lock" if current_app.config.get("REDIS_URL") else "no lock (single process)"
    click.echo(f"scheduler: {state}; {lock}")


@jobs_cli.command("run")
@click.argument("name")
def run_job_command(name: str) -> None:
    """Run one job now, as the scheduler would."""
    if get_job(name) is None:
        known = ", ".join(job.name for job in registered_jobs()) or "none"
        raise click.BadParameter(f"unknown job {name!r}; registered: {known}", param_hint="NAME")
    outcome = run_job(current_app._get_current_object(), name)  # type: ignore[attr-defined]  # the proxy's app
    if outcome.ran:
        click.echo(f"{name}: {outcome.result}")
    else:
        click.echo(f"{name}: skipped, another process is running it")
