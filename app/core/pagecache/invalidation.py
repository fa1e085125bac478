"""Which cached pages a commit invalidates: SQLAlchemy session events turn writes of registered models into tags,
published after the commit through the unit of work's after-commit queue (core.uow).

No write path can forget: flushed objects are seen at flush time, ORM bulk statements (`update(Model)...`, as
`shop.inventory` moves stock) as they execute, and raw SQL that names a registered table invalidates everything.
Tags of a transaction that rolls back are never published; those of a rolled-back savepoint inside a committed
transaction may be (a needless invalidation is harmless, a missed one is not).
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, TextClause

from ..uow import after_commit
from .hooks import EXTENSION_KEY
from .registry import REGISTRY_KEY, Registry, Soft
from .stores import EVERYTHING

_PENDING = "pagecache.pending"  # Session.info: (outermost transaction, its tags not yet published)


def _registry() -> tuple[Flask, Registry] | None:
    if not has_app_context():
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get(REGISTRY_KEY)
    return (app, found) if found is not None and found.watches and EXTENSION_KEY in app.extensions else None


def publish(app: Flask, tags: set[str]) -> None:
    """Invalidate `tags` in the app's store (after the commit); empties `tags`, so the calls queued for one
    transaction publish its tags once."""
    if not tags:
        return
    pending = set(tags)
    tags.clear()
    store = app.extensions.get(EXTENSION_KEY)
    if store is None:
        return
    hard = {tag for tag in pending if not isinstance(tag, Soft)}
    soft = {str(tag) for tag in pending if isinstance(tag, Soft)} - hard
    store.invalidate(hard, soft)


def _note(session: Session, app: Flask, tags: set[str]) -> None:
    """Add tags to this transaction's pending set and queue its publication after the commit."""
    if not tags:
        return
    transaction = session.get_transaction()
    pending = session.info.get(_PENDING)
    if pending is None or pending[0] is not transaction:
        pending = session.info[_PENDING] = (transaction, set[str]())
    pending[1].update(tags)
    after_commit(publish, app, pending[1], session=session)


def note_rows(session: Session, model: type, keys: Any, changed: frozenset[str]) -> None:
    """What `do_orm_execute` notes for one conditional UPDATE per key, for a set-based UPDATE of many rows sent
    on the session's connection (livestream/batch_fast.py): the same tags, once."""
    found = _registry()
    if found is None:
        return
    app, reg = found
    watch = reg.watch_for(model)
    if watch is None:
        return
    tags: set[str] = set()
    for key in keys:
        tags.update(watch.by_key(key, changed) if watch.by_key is not None else {EVERYTHING})
    _note(session, app, tags)


def _changed_columns(obj: Any) -> frozenset[str]:
    state = inspect(obj)
    return frozenset(attr.key for attr in state.mapper.column_attrs if state.attrs[attr.key].history.has_changes())


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    """New, changed and deleted objects (still listed, with their history, in after_flush; new ones have ids)."""
    found = _registry()
    if found is None:
        return
    app, reg = found
    tags: set[str] = set()
    for objects, inserted in ((session.new, True), (session.dirty, False), (session.deleted, True)):
        for obj in objects:
            watch = reg.watch_for(type(obj))
            if watch is None:
                continue
            changed = None if inserted else _changed_columns(obj)
            if changed is not None and not changed:
                continue  # only a relationship collection changed: its members' own rows are seen themselves
            tags.update(watch.tags(obj, changed))
    _note(session, app, tags)


def _key_named(statement: Any, mapper: Any) -> Any:
    """The primary key value a bulk statement's WHERE names with `pk = value` (None when it names no single row)."""
    where = getattr(statement, "whereclause", None)
    if where is None or len(mapper.primary_key) != 1:
        return None
    pk = mapper.primary_key[0]
    for node in visitors.iterate(where):
        if isinstance(node, BinaryExpression) and node.operator is operators.eq:
            left, right = node.left, node.right
            if isinstance(left, BindParameter):
                left, right = right, left
            if getattr(left, "key", None) == pk.key and getattr(left, "table", None) is pk.table \
                    and isinstance(right, BindParameter) and right.value is not None:
                return right.value
    return None


def _set_columns(statement: Any) -> frozenset[str] | None:
    values = getattr(statement, "_values", None)  # an UPDATE's SET clause (SQLAlchemy keeps it there)
    if not values:
        return None
    return frozenset(getattr(column, "key", column) for column in values)


_WORD = re.compile(r"[a-z_][a-z0-9_]*")


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_select:
        return
    found = _registry()
    if found is None:
        return
    app, reg = found
    statement = state.statement
    if isinstance(statement, TextClause):
        if set(_WORD.findall(statement.text.lower())) & set(reg.tables):
            _note(state.session, app, {EVERYTHING})
        return
    mapper = state.bind_mapper
    watch = reg.watch_for(mapper.class_) if mapper is not None else None
    if watch is None:
        return
    by_key = watch.by_key
    key = _key_named(statement, mapper) if (state.is_update or state.is_delete) and by_key else None
    if key is None or by_key is None:
        _note(state.session, app, {EVERYTHING})
    else:
        _note(state.session, app, set(by_key(key, None if state.is_delete else _set_columns(statement))))
