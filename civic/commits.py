"""Group commit: the writes of several requests that arrive together, in one transaction.

SQLite lets one writer in at a time, and each commit has a fixed cost inside that
one lock: opening the transaction, the pages every write touches alike (the end
of each index, the data versions' row) written to the log again, the commit
itself, and a page cache the connection must reread because another wrote since.
Under many writers most of a POST's time in the lock is that fixed part.

`together(write)` runs `write` in a transaction, and on SQLite shares that
transaction with the writes other threads of the process hand in meanwhile. The
first thread in leads: it takes whatever is waiting, runs each write in its own
savepoint (one that fails is rolled back alone and its error goes to its own
caller), commits once and wakes the others, each with its own result. Writes that
came in while it was committing are led by the first of them, so no thread waits
for more than the batch ahead of it. A thread alone, the usual case when few
write, leads a batch of one: the transaction it would have had anyway.

A write handed in must hold its transaction's work only (read and build before
it, answer after it): it may run in another thread, on that thread's connection,
in the caller's language. On PostgreSQL, which lets writers in side by side, and
inside a transaction already open, it is an ordinary transaction.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import connection, transaction
from django.utils import translation

T = TypeVar("T")

# A batch's writes hold the lock for their sum: bounded, so a burst cannot make one
# transaction (and every other process's wait for the lock) long.
MOST_IN_A_BATCH = 16

logger = logging.getLogger(__name__)


class _Write:
    __slots__ = ("done", "error", "language", "leads", "result", "write")

    def __init__(self, write: Callable[[], object]):
        self.write = write
        self.language = translation.get_language()
        # Held until it is written, or until it is to lead: a bare lock is the cheapest
        # way to wake one thread (an Event is a condition and a lock in Python).
        self.done = threading.Lock()
        self.done.acquire()
        self.leads = False
        self.result: object = None
        self.error: BaseException | None = None

    def outcome(self):
        if self.error is not None:
            raise self.error
        return self.result


class _Queue:
    def __init__(self):
        self.mutex = threading.Lock()
        self.waiting: list[_Write] = []
        self.led = False  # a thread is leading batches


_queue = _Queue()


def _fresh_queue() -> None:
    # A forked child leads its own batches: never waits for a thread of the parent's.
    global _queue
    _queue = _Queue()


os.register_at_fork(after_in_child=_fresh_queue)


def _groups() -> bool:
    return (
        connection.vendor == "sqlite"
        and not connection.in_atomic_block
        and not connection.is_in_memory_db()
    )


def together(write: Callable[[], T]) -> T:
    """`write()`'s result, once it is committed (see the module's docstring)."""
    if not _groups():
        with transaction.atomic():
            return write()
    queue, mine = _queue, _Write(write)
    with queue.mutex:
        queue.waiting.append(mine)
        leads = mine.leads = not queue.led
        queue.led = True
    if not leads:
        mine.done.acquire()
        if not mine.leads:
            return mine.outcome()
    _lead(queue, mine)
    return mine.outcome()


def _lead(queue: _Queue, mine: _Write) -> None:
    # Let the process's other threads run first: one about to hand in a write joins this
    # batch rather than wait for the next (no wait when none is ready to run).
    time.sleep(0)
    with queue.mutex:
        batch = queue.waiting[:MOST_IN_A_BATCH]
        del queue.waiting[:MOST_IN_A_BATCH]
    try:
        _commit(batch)
    except BaseException as error:  # the leader's thread stopped: none is known written
        for each in batch:
            each.error, each.result = each.error or error, None
        raise
    finally:
        with queue.mutex:
            following = queue.waiting[0] if queue.waiting else None
            if following is None:
                queue.led = False
            else:
                following.leads = True
        for each in batch:
            if each is not mine:
                each.done.release()
        if following is not None:
            following.done.release()


def _commit(batch: list[_Write]) -> None:
    committed = []
    try:
        with transaction.atomic():
            # The first hook after commit: a later one's failure cannot make the
            # writes, already committed, look lost to their callers.
            transaction.on_commit(lambda: committed.append(True))
            if len(batch) == 1:  # alone: its failure rolls the transaction back
                batch[0].result = _in_language(batch[0])
                return
            for each in batch:
                try:
                    with transaction.atomic():
                        each.result = _in_language(each)
                except Exception as error:  # noqa: BLE001 - it is its caller's to handle
                    each.error = error
    except Exception as error:
        if not committed:
            for each in batch:
                each.error, each.result = each.error or error, None
            return
        logger.exception("An after-commit hook of a batch of writes failed")


def _in_language(write: _Write):
    if write.language == translation.get_language():
        return write.write()
    with translation.override(write.language):
        return write.write()
