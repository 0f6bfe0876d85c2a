"""Data versions: one counter per kind of data, bumped by every change to it.

`bump("reports")` runs inside the writer's transaction (reports/actions.py does it
for every change to a report), so the new number becomes visible exactly when the
change does. `current("reports")` is what a cached response is keyed by: a change
makes a new key, and the old entries are simply never asked for again, in any
process or on any node.

The counter's row in the database is the source of truth. With a shared-memory
cache (Redis, or LocMem in tests) the number is read from the cache and written
there after commit; with the database cache a cache read is itself a query, so the
row is read directly (one primary-key lookup).

`memo()` is a small per-process cache of built responses in front of that: an
entry is found only under the current version, so the shared check keeps it
fresh; a time limit bounds what depends on the clock rather than on data.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import connection, transaction

from civic.models import DataVersion

T = TypeVar("T")

# Bounded, so a cache that missed an update (two writers whose after-commit hooks
# ran out of order) heals by itself.
CACHE_TIMEOUT = 300
REPORTS = "reports"  # reports and everything shown with them
SERVICES = "services"  # services, their questions and the authorities
THREADS = "threads"  # discussions: comments, topics, follows and supports
VOLUNTEERS = "volunteers"  # calls for volunteers and their sign-ups
USERS = "users"  # who is signed in: sign-ins and -outs, accounts, their groups (civic/signed_in.py)
# What the public pages (home, report page, lists) show.
PAGES = (REPORTS, THREADS, VOLUNTEERS)


def _any_thread(name: str) -> str:
    # Bumped by every change to `name` that is not known to touch one thread only.
    return f"{name}:any-thread"


def _one_thread(thread_id: int) -> str:
    return f"thread:{thread_id}"


def thread_page(thread_id: int) -> tuple[str, ...]:
    """The versions a report's page is kept under: its own thread's, and every change
    to PAGES that may touch any thread. A comment or a "me too" there renews that page
    (and the lists, under PAGES), not every report's."""
    return (*(_any_thread(name) for name in PAGES), _one_thread(thread_id))


def _key(name: str) -> str:
    return f"civic:version:{name}"


def _cache_is_shared_memory() -> bool:
    # `cache` is a proxy; the backend behind it is caches["default"].
    return not isinstance(caches["default"], BaseDatabaseCache)


def _read(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {DataVersion._meta.db_table} WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else 0


def current(name: str) -> int:
    """The version of `name` (0 before its first change): one cache read or one query."""
    if _cache_is_shared_memory():
        value = cache.get(_key(name))
        if value is not None:
            return value
        value = _read(name)
        # add, not set: a writer that committed meanwhile has set a newer value.
        cache.add(_key(name), value, CACHE_TIMEOUT)
        return value
    return _read(name)


def current_many(names: tuple[str, ...]) -> tuple[int, ...]:
    """The versions of `names`, in order: one cache read or one query."""
    if _cache_is_shared_memory():
        found = cache.get_many([_key(name) for name in names])
        if len(found) == len(names):
            return tuple(found[_key(name)] for name in names)
    table = DataVersion._meta.db_table
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(names))
        cursor.execute(f"SELECT name, value FROM {table} WHERE name IN ({marks})", list(names))
        values = dict(cursor.fetchall())
    if _cache_is_shared_memory():
        for name in names:
            cache.add(_key(name), values.get(name, 0), CACHE_TIMEOUT)
    return tuple(values.get(name, 0) for name in names)


def bump(name: str, *, thread: int | None = None, new_thread: bool = False) -> None:
    """Count a change to `name`. Call inside the writer's transaction, with the `thread`
    the change shows on when it shows on that thread's page only (see `thread_page`),
    or `new_thread` when it is a thread being written, which no page yet shows but the
    lists: nothing was kept under that thread's number before it existed, so it needs
    none (a row fewer to write for every new report)."""
    names = [name]
    if not new_thread:
        names.append(_any_thread(name) if thread is None else _one_thread(thread))
    # One statement, the same on SQLite and PostgreSQL: a first change creates the row.
    table = DataVersion._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (name, value) VALUES {', '.join(['(%s, 1)'] * len(names))}"
            f" ON CONFLICT (name) DO UPDATE SET value = {table}.value + 1",
            names,
        )
    if _cache_is_shared_memory():
        # Forget the old numbers now (this transaction then reads its own new ones) and
        # publish the committed ones after commit: a reader that re-cached an old number
        # meanwhile is overwritten.
        cache.delete_many([_key(each) for each in names])
        for each in names:
            transaction.on_commit(lambda each=each: _publish(each))


def _publish(name: str) -> None:
    # Read back after commit rather than trusting a number handed out earlier, so a
    # late hook from an older writer cannot move the cache backwards for long.
    cache.set(_key(name), _read(name), CACHE_TIMEOUT)


_memos: list[Memo] = []


class Memo:
    """A thread-safe LRU of key → (version, built at, weight, value), bounded in weight
    (bytes, for responses)."""

    def __init__(self, budget: int) -> None:
        _memos.append(self)
        self.budget = budget
        self.weight = 0
        self.entries: OrderedDict[str, tuple[int, float, int, object]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, version: int, max_age: float):
        """The value under `key` if it was put under `version` at most `max_age` seconds
        ago. One of another version is dropped; one only too old stays until it is put
        again, for `stale` to answer while it is being rebuilt."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if entry[0] != version:
                self._drop(key)
                return None
            if time.monotonic() - entry[1] > max_age:
                return None
            self.entries.move_to_end(key)
            return entry[3]

    def stale(self, key: str, version: int, max_age: float):
        """The value under `key` and `version` however old, up to `max_age` seconds."""
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != version or time.monotonic() - entry[1] > max_age:
                return None
            return entry[3]

    def put(self, key: str, version: int, value: object, weight: int = 1) -> None:
        with self.lock:
            self._drop(key)
            self.entries[key] = (version, time.monotonic(), weight, value)
            self.weight += weight
            while self.weight > self.budget and len(self.entries) > 1:
                self._drop(next(iter(self.entries)))

    def _drop(self, key: str) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.weight -= entry[2]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.weight = 0


# Per process: 3 gunicorn workers keep at most 3 x 32 MB of built responses.
_memo = Memo(budget=32 * 1024 * 1024)


def memo(
    key: str,
    version: int,
    build: Callable[[], T],
    max_age: float = 60.0,
    weight: Callable[[T], int] | None = None,
) -> T:
    """`build()`'s value, kept in this process under `key` while `version` holds
    (and for at most `max_age` seconds, for what depends on the clock)."""
    value = _memo.get(key, version, max_age)
    if value is None:
        value = build()
        _memo.put(key, version, value, weight(value) if weight else 1)
    return value


# The paths of kept answers and pages (civic/kept.py), for the middleware's early answer.
_paths: dict[str, tuple[str, float]] = {}
_page_paths: dict[str, tuple[tuple[str, ...], float]] = {}


def clear_memo() -> None:
    """Forget every built value in this process (tests)."""
    for each in _memos:
        each.clear()
    _paths.clear()
    _page_paths.clear()
