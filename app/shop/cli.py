"""`flask shop reindex`: recompute every product's search text (after an upgrade that changes what is searched);
`flask shop resize-photos`: the srcset copies of photos stored before they were made at upload."""
from __future__ import annotations

import click
from sqlalchemy import select

from ..extensions import db
from . import bp
from .models import Photo, Product
from .photos import backfill_photo
from .search import refresh_search


@bp.cli.command("reindex")
def reindex_command() -> None:
    """Recompute the folded search text of every product."""
    count = 0
    for product in db.session.scalars(select(Product)):
        refresh_search(product)
        count += 1
    db.session.commit()
    click.echo(f"{count} products reindexed")


@bp.cli.command("resize-photos")
@click.option("--batch", default=50, show_default=True, help="Photos per commit.")
def resize_photos_command(batch: int) -> None:
    """Give every product photo its 320/640/1024 px WebP copies and a thumbnail under 25 KB (idempotent)."""
    from ..core.storage import get_storage

    storage, done = get_storage(), 0
    ids = list(db.session.scalars(select(Photo.id).order_by(Photo.id)))
    for start in range(0, len(ids), batch):
        replaced: list[str] = []
        for photo in db.session.scalars(select(Photo).where(Photo.id.in_(ids[start:start + batch]))):
            old_keys = backfill_photo(photo, storage)
            if old_keys is not None:
                done += 1
                replaced += old_keys
        db.session.commit()
        for key in replaced:  # only once the rows point at the new thumbnails
            storage.delete(key)
    click.echo(f"{done} photos resized")
