"""Where cached pages live: an LRU in this process, or Redis shared by every process."""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict

log = logging.getLogger(__name__)


class LocalStore:
    """An LRU of entries in this process, with its own generation counter."""

    def __init__(self, size: int):
        self.size = max(1, size)
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    def generation(self) -> int:
        return self._generation

    def get(self, key: str) -> tuple[dict | None, int]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry, self._generation

    def set(self, key: str, entry: dict, ttl: int) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def bump(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()  # every entry is now from an older generation: free the memory

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def invalidate(self, hard: set[str], soft: set[str]) -> None:
        self.bump()


class RedisStore:
    """Entries and the generation counter in Redis, shared by every process; errors count as misses."""

    def __init__(self, url: str, prefix: str):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.generation_key = prefix + "generation"

    def generation(self) -> int:
        try:
            return int(self.redis.get(self.generation_key) or 0)
        except Exception:  # Redis down: treat as a miss that must not be stored (generation -1 never matches)
            log.warning("page cache: Redis unreachable", exc_info=True)
            return -1

    def get(self, key: str) -> tuple[dict | None, int]:
        try:
            generation, raw = self.redis.mget(self.generation_key, self.prefix + key)
        except Exception:
            log.warning("page cache: Redis unreachable", exc_info=True)
            return None, -1
        return (json.loads(raw) if raw else None), int(generation or 0)

    def set(self, key: str, entry: dict, ttl: int) -> None:
        try:
            self.redis.set(self.prefix + key, json.dumps(entry, ensure_ascii=False), ex=max(1, ttl))
        except Exception:
            log.warning("page cache: could not store a page", exc_info=True)

    def bump(self) -> None:
        try:
            self.redis.incr(self.generation_key)
        except Exception:  # entries then live out their TTL: the documented bound
            log.warning("page cache: could not bump the generation", exc_info=True)

    def clear(self) -> None:
        self.bump()

    def invalidate(self, hard: set[str], soft: set[str]) -> None:
        self.bump()
