"""`flask shop reindex`: recompute every product's search text (after an upgrade that changes what is searched)."""
from __future__ import annotations

import click
from sqlalchemy import select

from ..extensions import db
from . import bp
from .models import Product
from .services import refresh_search


@bp.cli.command("reindex")
def reindex_command() -> None:
    """Recompute the folded search text of every product."""
    count = 0
    for product in db.session.scalars(select(Product)):
        refresh_search(product)
        count += 1
    db.session.commit()
    click.echo(f"{count} products reindexed")
