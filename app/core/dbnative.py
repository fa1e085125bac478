"""PostgreSQL's own placeholders: SQLAlchemy renders `$1, $2, ...` and psycopg's RawCursor sends them unchanged.

With its default cursor psycopg turns every `%(name)s` query into `$n` with a Python regex pass, and caches the result
only for statements of at most 50 parameters: the batch writer's multi-row statements (a run's chat lines, holds,
ledger lines, acks; IN lists of its buyers) were parsed again on every batch, a quarter of the batch's CPU on
PostgreSQL. The statements and their parameters are the same either way (server-side binding, as before)."""
from __future__ import annotations

from typing import Any


def engine_options(uri: str, options: dict[str, Any], enabled: bool = True) -> dict[str, Any]:
    """The engine options for `uri`: for postgresql+psycopg, numeric_dollar parameters and psycopg's RawCursor."""
    if not enabled or not uri.startswith("postgresql+psycopg"):
        return dict(options)
    import psycopg

    connect_args = {"cursor_factory": psycopg.RawCursor, **options.get("connect_args", {})}
    return {"paramstyle": "numeric_dollar", **options, "connect_args": connect_args}
