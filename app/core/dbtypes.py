"""Column types, clocks, key lookups and row counts shared by every feature's models and services."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, DateTime, Dialect, Result
from sqlalchemy.types import TypeDecorator

from ..extensions import db

KEY_MAX = 2**31 - 1  # primary keys are INTEGER columns on PostgreSQL and SQLite
Row = TypeVar("Row")


def utcnow() -> datetime:
    return datetime.now(UTC)


class TZDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on SQLite (which drops the zone) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None:
            value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def sql_in(column: str, values: tuple[str, ...]) -> str:
    """The text of a CHECK constraint that keeps `column` to a fixed set of string values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def row_by_key(model: type[Row], key: Any) -> Row | None:
    """The row whose primary key a request named (a number or its digits), or None for anything else: a key beyond
    what the column holds is simply not found, never a database error."""
    if isinstance(key, bool):
        return None
    try:
        number = int(key)
    except (TypeError, ValueError):
        return None
    return db.session.get(model, number) if 0 < number <= KEY_MAX else None


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched (the conditional updates check it): Session.execute is typed to
    return a Result, and for these statements it is a CursorResult."""
    return cast("CursorResult[Any]", result).rowcount
