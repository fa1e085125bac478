"""Where cached pages live, with the tags they show: an LRU in this process, or Redis shared by every process.

Both stores keep the same state and answer the same questions, atomically (a lock; Lua scripts in Redis):
- a sequence number, incremented by every invalidation; a request reads it before its view reads the database
  (`get`), and an entry is stored only if none of its tags was invalidated since (`set`), so a page rendered
  from data older than a commit is never stored after that commit's invalidation;
- per tag, the entries that show it, so an invalidation ends exactly those: at once for a hard tag, within
  `soft_seconds` for a soft one (stock counts: every order moves them, and a page re-rendered at most once per
  window is what keeps the cache useful during a sale);
- an epoch, moved by invalidating everything (`EVERYTHING`); an entry of an older epoch is never served.
A store that cannot be reached answers as a miss that must not be stored (state None).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, TypeGuard

log = logging.getLogger(__name__)

EVERYTHING = "*"
UNTAGGED = "*untagged"  # the tag of a page that declared none: every invalidation ends it
State = tuple[int, int]  # (sequence, epoch) read when a request began
Entry = dict[str, Any]  # a stored page: body, headers, status, tags, epoch, expires_at


def _with_untagged(hard: Iterable[str], soft: Iterable[str], soft_seconds: float) -> tuple[set[str], set[str]]:
    """The tags to invalidate hard and soft: soft ones are hard when there is no grace, and pages that declared
    no tags go with any invalidation, in its kind."""
    hard, soft = set(hard), set(soft) - set(hard)
    if soft_seconds <= 0:
        hard, soft = hard | soft, set()
    if hard:
        hard.add(UNTAGGED)
    elif soft:
        soft.add(UNTAGGED)
    return hard, soft


def fresh(entry: Entry | None, state: State | None) -> TypeGuard[Entry]:
    """The entry may be served: it exists and belongs to the current epoch."""
    return entry is not None and state is not None and entry.get("epoch") == state[1]


class LocalStore:
    """An LRU of entries in this process, with its own sequence, tags and epoch."""

    def __init__(self, size: int, soft_seconds: float = 2.0):
        self.size = max(1, size)
        self.soft_seconds = soft_seconds
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._index: dict[str, set[str]] = {}
        self._hard: dict[str, int] = {}  # tag → sequence of its last hard invalidation
        self._soft: dict[str, int] = {}  # tag → sequence of its last soft invalidation
        self._seq = self._epoch = 0
        self._marks: list[tuple[float, int]] = []  # (when, sequence): to forget invalidations no render can need
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Entry | None, State | None]:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if entry["expires_at"] <= time.time():
                    self._drop(key)
                    entry = None
                else:
                    self._entries.move_to_end(key)
            return entry, (self._seq, self._epoch)

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        for tag in (entry or {}).get("tags", ()):
            keys = self._index.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._index[tag]

    def set(self, key: str, entry: Entry, ttl: int, tags: Iterable[str], state: State) -> bool:
        tags = sorted(set(tags))
        started, epoch = state
        with self._lock:
            if epoch != self._epoch or any(self._hard.get(tag, 0) > started for tag in tags):
                return False
            life = float(ttl)
            if any(self._soft.get(tag, 0) > started for tag in tags):
                life = min(life, self.soft_seconds)
            if life <= 0:
                return False
            self._drop(key)
            self._entries[key] = {**entry, "tags": tags, "expires_at": time.time() + life}
            for tag in tags:
                self._index.setdefault(tag, set()).add(key)
            while len(self._entries) > self.size:
                self._drop(next(iter(self._entries)))
            return True

    def invalidate(self, hard: Iterable[str], soft: Iterable[str] = ()) -> None:
        hard, soft = _with_untagged(hard, soft, self.soft_seconds)
        with self._lock:
            self._seq += 1
            self._forget_old()
            if EVERYTHING in hard:
                self._epoch = self._seq
                self._entries.clear()  # every entry is now of an older epoch: free the memory
                self._index.clear()
            for tag in hard:
                self._hard[tag] = self._seq
                for key in list(self._index.get(tag, ())):
                    self._drop(key)
            until = time.time() + self.soft_seconds
            for tag in soft:
                self._soft[tag] = self._seq
                for key in self._index.get(tag, ()):
                    entry = self._entries.get(key)
                    if entry is not None:
                        entry["expires_at"] = min(entry["expires_at"], until)

    def _forget_old(self, keep_seconds: float = 120) -> None:
        """Tag marks only matter to renders that began before them: forget those older than any render."""
        now = time.time()
        if not self._marks or now - self._marks[-1][0] > 10:
            self._marks.append((now, self._seq))
        while self._marks and now - self._marks[0][0] > keep_seconds:
            _, old = self._marks.pop(0)
            for marks in (self._hard, self._soft):
                for tag in [tag for tag, seq in marks.items() if seq <= old]:
                    del marks[tag]

    def bump(self) -> None:
        """Invalidate every entry."""
        self.invalidate({EVERYTHING})

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._index.clear()


# Redis: every key under the store's prefix. seq, epoch; e:<key> an entry (JSON, with its TTL); i:<tag> the keys of
# the entries showing a tag; h:<tag> / s:<tag> the sequence of the tag's last hard / soft invalidation.
_STORE = """
local p, key, ttl, started, epoch = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local soft = tonumber(ARGV[7])
if tonumber(redis.call('GET', p .. 'epoch') or '0') ~= epoch then return 0 end
local life = ttl * 1000
for i = 8, #ARGV do
  if tonumber(redis.call('GET', p .. 'h:' .. ARGV[i]) or '0') > started then return 0 end
  if tonumber(redis.call('GET', p .. 's:' .. ARGV[i]) or '0') > started and soft * 1000 < life then
    life = soft * 1000
  end
end
if life <= 0 then return 0 end
redis.call('SET', p .. 'e:' .. key, ARGV[3], 'PX', math.floor(life))
for i = 8, #ARGV do
  redis.call('SADD', p .. 'i:' .. ARGV[i], key)
  redis.call('PEXPIRE', p .. 'i:' .. ARGV[i], ttl * 1000)
end
return 1
"""
_INVALIDATE = """
local p, soft, keep, nhard = ARGV[1], tonumber(ARGV[2]) * 1000, tonumber(ARGV[3]), tonumber(ARGV[4])
local seq = redis.call('INCR', p .. 'seq')
for i = 5, 4 + nhard do
  local tag = ARGV[i]
  if tag == '*' then redis.call('SET', p .. 'epoch', seq) end
  redis.call('SET', p .. 'h:' .. tag, seq, 'EX', keep)
  for _, k in ipairs(redis.call('SMEMBERS', p .. 'i:' .. tag)) do redis.call('DEL', p .. 'e:' .. k) end
  redis.call('DEL', p .. 'i:' .. tag)
end
for i = 5 + nhard, #ARGV do
  local tag = ARGV[i]
  redis.call('SET', p .. 's:' .. tag, seq, 'EX', keep)
  for _, k in ipairs(redis.call('SMEMBERS', p .. 'i:' .. tag)) do
    if redis.call('PTTL', p .. 'e:' .. k) > soft then redis.call('PEXPIRE', p .. 'e:' .. k, soft) end
  end
end
return seq
"""


class RedisStore:
    """The same, in Redis, shared by every process; errors count as misses that must not be stored."""

    def __init__(self, url: str, prefix: str, soft_seconds: float = 2.0, ttl_hint: int = 300):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.prefix = prefix
        self.soft_seconds = soft_seconds
        # How long a tag's last invalidation is remembered: longer than any render (which it guards) and any TTL.
        self.keep_seconds = max(60, int(ttl_hint)) + 60
        self._store = self.redis.register_script(_STORE)
        self._invalidate = self.redis.register_script(_INVALIDATE)

    def get(self, key: str) -> tuple[Entry | None, State | None]:
        try:
            seq, epoch, raw = self.redis.mget(self.prefix + "seq", self.prefix + "epoch", self.prefix + "e:" + key)
        except Exception:
            log.warning("page cache: Redis unreachable", exc_info=True)
            return None, None
        return (json.loads(raw) if raw else None), (int(seq or 0), int(epoch or 0))

    def set(self, key: str, entry: Entry, ttl: int, tags: Iterable[str], state: State) -> bool:
        tags = sorted(set(tags))
        try:
            return bool(self._store(args=[self.prefix, key, json.dumps({**entry, "tags": tags}, ensure_ascii=False),
                                          max(1, int(ttl)), state[0], state[1], self.soft_seconds, *tags]))
        except Exception:
            log.warning("page cache: could not store a page", exc_info=True)
            return False

    def invalidate(self, hard: Iterable[str], soft: Iterable[str] = ()) -> None:
        hard, soft = map(sorted, _with_untagged(hard, soft, self.soft_seconds))
        try:
            self._invalidate(args=[self.prefix, self.soft_seconds, self.keep_seconds, len(hard), *hard, *soft])
        except Exception:  # entries then live out their TTL: the documented bound
            log.warning("page cache: could not invalidate %s", ", ".join([*hard, *soft])[:200], exc_info=True)

    def bump(self) -> None:
        self.invalidate({EVERYTHING})

    def clear(self) -> None:
        self.bump()


Store = LocalStore | RedisStore  # what the app keeps in app.extensions[pagecache.EXTENSION_KEY]
