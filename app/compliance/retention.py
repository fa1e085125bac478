"""Retention: how long lives and removed product listings are kept (dated settings, docs/compliance.md §8), the job
that purges what has expired, and the purge log admins read.

A live past `retention_live_days` after it ended is deleted with everything that hangs on it (chat, claims, warnings,
reports, recordings and its replay file); the shop orders made from it stay, as accounting requires
(`retention_order_years`, never purged here). An archived product past `retention_listing_days` since it was last
changed is deleted, unless orders still name it (the order's retention governs then). Files go after the commit."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from ..core.dbtypes import utcnow
from ..core.storage import get_storage
from ..core.uow import after_commit
from ..extensions import db
from ..livestream import video
from ..livestream.models import LiveRecording, LiveSession, LiveStream
from ..shop.models import Photo, Product
from . import settings
from .models import RetentionPurge

log = logging.getLogger(__name__)

LIVE_KEY = "retention_live_days"
LISTING_KEY = "retention_listing_days"
ORDER_KEY = "retention_order_years"
BATCH = 200


@dataclass
class PurgeRun:
    lives: list[int] = field(default_factory=list)
    listings: list[int] = field(default_factory=list)
    kept_listings: list[int] = field(default_factory=list)  # archived long ago, but orders still name them


def _remove_files(paths: list[Path], keys: list[str]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.warning("retention: could not remove %s", path)
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # a missing file or a storage error: the row is gone, the log says so
            log.warning("retention: could not remove stored file %s", key)


def _live_files(live: LiveSession) -> tuple[list[Path], list[str]]:
    paths = [video.video_dir("rec") / name for name in db.session.scalars(
        select(LiveRecording.file_name).where(LiveRecording.session_id == live.id))]
    replay = db.session.scalar(select(LiveStream.replay_file).where(LiveStream.session_id == live.id))
    if replay:
        paths.append(video.video_dir("replay") / replay)
    keys = [k for k in (live.cover_key, live.cover_thumb_key) if k]
    return paths, keys


def purge_expired(now: datetime | None = None) -> PurgeRun:
    """Delete the lives and listings whose retention period has run out and log each one; the caller commits."""
    now = now or utcnow()
    run = PurgeRun()
    live_days = settings.int_value(LIVE_KEY, now)
    live_cutoff = now - timedelta(days=live_days)
    lives = db.session.scalars(select(LiveSession).where(
        LiveSession.state == "ended", LiveSession.ended_at.is_not(None), LiveSession.ended_at < live_cutoff,
        LiveSession.is_practice.is_(False)).order_by(LiveSession.id).limit(BATCH)).all()
    paths: list[Path] = []
    keys: list[str] = []
    for live in lives:
        more_paths, more_keys = _live_files(live)
        paths += more_paths
        keys += more_keys
        db.session.add(RetentionPurge(kind="live", object_id=live.id, label=live.title[:200], rule_key=LIVE_KEY,
                                      period_days=live_days, cutoff=live_cutoff, purged_at=now,
                                      details=f"ended {live.ended_at.isoformat() if live.ended_at else '?'}"))
        run.lives.append(live.id)
    if run.lives:
        db.session.execute(delete(LiveSession).where(LiveSession.id.in_(run.lives)))
    listing_days = settings.int_value(LISTING_KEY, now)
    listing_cutoff = now - timedelta(days=listing_days)
    products = db.session.scalars(select(Product).where(Product.status == "archived",
                                                        Product.updated_at < listing_cutoff)
                                  .order_by(Product.id).limit(BATCH)).all()
    for product in products:
        photo_keys = [k for photo in db.session.scalars(select(Photo).where(Photo.product_id == product.id))
                      for k in (photo.key, photo.thumb_key, *((photo.sizes or {}).values()))]
        label, product_id = product.name[:200], product.id
        try:
            with db.session.begin_nested():
                db.session.execute(delete(Product).where(Product.id == product_id))
        except Exception:  # an order line still names a variant of it (RESTRICT): kept with the order
            run.kept_listings.append(product_id)
            continue
        db.session.add(RetentionPurge(kind="listing", object_id=product_id, label=label, rule_key=LISTING_KEY,
                                      period_days=listing_days, cutoff=listing_cutoff, purged_at=now))
        keys += photo_keys
        run.listings.append(product_id)
    db.session.flush()
    if paths or keys:
        after_commit(_remove_files, paths, keys)
    return run


def purge_job() -> None:
    """The daily job (`flask compliance purge` runs it now)."""
    run = purge_expired()
    if run.lives or run.listings:
        log.info("retention: purged %d live(s), %d listing(s)", len(run.lives), len(run.listings))


def purge_log(limit: int = 200) -> list[RetentionPurge]:
    return list(db.session.scalars(select(RetentionPurge).order_by(RetentionPurge.id.desc()).limit(limit)))
