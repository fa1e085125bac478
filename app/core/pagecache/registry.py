"""What a feature tells the page cache: its cacheable endpoints, the cookies of visitors who are not anonymous,
and the models whose writes invalidate pages. The cache itself knows no feature.

A feature registers once per app, when its blueprint is registered (before `pagecache.init_app`):

    bp.record_once(lambda state: register_page_cache(state.app))

    def register_page_cache(app):
        pagecache.cache_endpoints(app, "shop.index", "shop.product")
        pagecache.private_cookies(app, CART_COOKIE)
        pagecache.watch(app, Product, product_tags)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

REGISTRY_KEY = "pagecache.registry"

# tags(obj, changed) → the tags a write of `obj` invalidates; `changed` names the columns an UPDATE changed
# (None for an INSERT or DELETE). See `watch`.
TagsOf = Callable[[Any, "frozenset[str] | None"], Iterable[str]]
# tags(primary key, columns set) for a bulk UPDATE or DELETE that names one row by its primary key.
TagsOfKey = Callable[[Any, "frozenset[str] | None"], Iterable[str]]


class Soft(str):
    """A tag whose change lets the pages that show it live on for at most PAGE_CACHE_SOFT_SECONDS (stock counts
    that change with every order), instead of ending them at once."""

    __slots__ = ()


@dataclass(frozen=True)
class Watch:
    model: type
    tags: TagsOf
    by_key: TagsOfKey | None = None


@dataclass
class Registry:
    endpoints: set[str] = field(default_factory=set)
    private_cookies: set[str] = field(default_factory=set)
    watches: dict[type, Watch] = field(default_factory=dict)

    def watch_for(self, cls: type) -> Watch | None:
        for klass in cls.__mro__:
            found = self.watches.get(klass)
            if found is not None:
                return found
        return None

    @property
    def tables(self) -> dict[str, Watch]:
        """Watched table names (for raw SQL that names them)."""
        return {_table_name(model): w for model, w in self.watches.items()}


def _table_name(model: Any) -> str:
    return str(getattr(model, "__tablename__", "") or model.__table__.name)


def registry(app: Flask) -> Registry:
    """The app's registry, made on first use (features register before `pagecache.init_app` runs)."""
    found = app.extensions.get(REGISTRY_KEY)
    if found is None:
        found = app.extensions[REGISTRY_KEY] = Registry()
    return found


def cache_endpoints(app: Flask, *endpoints: str) -> None:
    """Anonymous GETs of these endpoints may be served from the cache (their views tag what they show)."""
    for endpoint in endpoints:
        if not isinstance(endpoint, str) or not endpoint:
            raise ValueError("an endpoint name is a non-empty string")
    registry(app).endpoints.update(endpoints)


def private_cookies(app: Flask, *names: str) -> None:
    """A visitor carrying any of these cookies is not anonymous (a guest cart): never served nor stored."""
    registry(app).private_cookies.update(names)


def watch(app: Flask, model: type, tags: TagsOf, *, by_key: TagsOfKey | None = None) -> None:
    """Writes of `model` invalidate the cached pages tagged with what `tags(obj, changed)` returns.

    `tags` gets each inserted, updated or deleted object at flush time (`changed`: the names of the columns an
    UPDATE changes, None for an INSERT or DELETE) and returns tags such as "product:12"; a `Soft` tag only
    shortens the pages' life (see Soft). A bulk UPDATE or DELETE of the model (an ORM `update(Model)`) that names
    one row by its primary key calls `by_key(key, changed)`; any other bulk statement, or raw SQL naming the
    model's table, invalidates every cached page of the app."""
    if not callable(tags) or (by_key is not None and not callable(by_key)):
        raise TypeError("tags and by_key must be callables")
    registry(app).watches[model] = Watch(model, tags, by_key)
