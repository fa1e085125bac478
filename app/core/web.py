"""Helpers for thin HTML views: run a unit of work, commit once, or show the domain error."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from flask import flash

from ..errors import DomainError
from ..extensions import db


@dataclass
class Outcome:
    ok: bool = False
    error: DomainError | None = None


@contextmanager
def unit_of_work(flash_errors: bool = True) -> Iterator[Outcome]:
    """Commit once if the block succeeds; on a DomainError roll back and flash its message."""
    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
        outcome.ok = True
    except DomainError as exc:
        db.session.rollback()
        outcome.error = exc
        if flash_errors:
            flash(str(exc.message), "error")
