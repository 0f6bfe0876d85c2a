"""Live comments: the per-thread version number that the poll compares.

Every change to a thread's comments bumps `Thread.version` in the database, in
the writer's transaction, and stamps the changed comment with it. The poll asks
"anything newer than version N?": the answer comes from the shared cache when it
is a real cache (Redis), or from one indexed primary-key query otherwise. With
the database cache a cache read is itself a query, so we read the thread row
directly and the empty poll costs exactly one query either way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.db import connection, transaction
from django.http import HttpRequest

from civic import versions
from discussions.models import Thread

# Bounded, so a cache that missed an update (two writers whose after-commit
# hooks ran out of order) heals by itself.
VERSION_TIMEOUT = 300


def _key(thread_id: int) -> str:
    # The value is (version, is_hidden): a hidden thread's poll must not answer 204.
    return f"discussions:thread-state:{thread_id}"


def _cache_is_shared_memory() -> bool:
    # `cache` is a proxy; the backend behind it is caches["default"].
    return not isinstance(caches["default"], BaseDatabaseCache)


def current_state(thread_id: int) -> tuple[int, bool] | None:
    """The thread's (version, is_hidden), or None if there is no such thread."""
    use_cache = _cache_is_shared_memory()
    if use_cache:
        state = cache.get(_key(thread_id))
        if state is not None:
            return tuple(state)
    row = _read_state(thread_id)
    if row is not None and use_cache:
        # add, not set: a writer that committed meanwhile has set a newer value.
        cache.add(_key(thread_id), row, VERSION_TIMEOUT)
    return row


def _read_state(thread_id: int) -> tuple[int, bool] | None:
    # Plain SQL: the empty poll is the commonest request of all, and building the
    # query through the ORM would cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT version, is_hidden FROM {Thread._meta.db_table} WHERE id = %s", [thread_id]
        )
        row = cursor.fetchone()
    return None if row is None else (row[0], bool(row[1]))


def current_version(thread_id: int) -> int | None:
    """The thread's version, or None if there is no such thread."""
    state = current_state(thread_id)
    return None if state is None else state[0]


def bump_version(thread_id: int, *, comments: int = 0, **changes) -> int:
    """Increment the thread's version, add `comments` to its comment count, set any
    other field `changes` (plain values), and return the new version.

    Call inside the writer's transaction: the row stays locked until commit,
    so versions are handed out in commit order. One plain UPDATE … RETURNING (every
    comment makes one: the ORM's update cost more to build than to run).
    """
    quote = connection.ops.quote_name
    sets, params = ["version = version + 1"], []
    if comments:
        sets.append("comment_count = comment_count + %s")
        params.append(comments)
    for name, value in changes.items():
        field = Thread._meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(Thread._meta.db_table)} SET {', '.join(sets)}"
            " WHERE id = %s RETURNING version",
            [*params, thread_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Thread.DoesNotExist(f"No thread {thread_id}.")
    # Cached lists show every thread, a report's page its own (civic/versions.py); after
    # the thread's own row, so writers take the two locks in the same order.
    versions.bump(versions.THREADS, thread=thread_id)
    version = row[0]
    if _cache_is_shared_memory():
        transaction.on_commit(lambda: _publish(thread_id))
    return version


def _publish(thread_id: int) -> None:
    # Read back after commit rather than trusting the number we handed out, so
    # a late hook from an older writer cannot move the cache backwards for long.
    state = _read_state(thread_id)
    if state is not None:
        cache.set(_key(thread_id), state, VERSION_TIMEOUT)


# What else an owned thread's page shows that changes with the thread's version (a
# report's status and timeline): the owning app registers a function that returns
# out-of-band fragments for the poll's answer. discussions knows no reports.
_owner_fragments: dict[str, Callable[[HttpRequest, Thread], str]] = {}


def register_owner_fragments(kind: str, render: Callable[[HttpRequest, Thread], str]) -> None:
    _owner_fragments[kind] = render


def owner_fragments(request: HttpRequest, thread: Thread) -> str:
    """The owner's out-of-band fragments for a poll answer ("" for a topic)."""
    render = _owner_fragments.get(thread.kind)
    if render is None or thread.owner_id is None:
        return ""
    return render(request, thread)
