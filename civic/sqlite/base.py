"""SQLite with a writers' queue: transactions wait their turn without sleeping.

SQLite lets one writer in at a time. A transaction that finds the write lock taken
waits in SQLite's busy handler, which sleeps 1, 2, 5, 10 … up to 100 ms between tries:
under many concurrent writers the lock sits free while the next writer still sleeps,
and some writers wait far longer than the queue ahead of them (the p99 of every POST).

Here a transaction first queues for the lock in the process (a thread lock: a waiting
thread is woken the moment the one ahead commits) and then across processes (an
advisory lock on a file beside the database, tried every fraction of a millisecond:
at most one thread per process polls it). It then opens with BEGIN IMMEDIATE as before
and finds SQLite's lock free, unless a writer outside the queue holds it (a command,
an autocommit write): that case is still SQLite's busy handler's, so the queue is an
optimisation and never the only guard. A wait longer than busy_timeout fails the way
SQLite does, with "database is locked".

Checkpoints, too, happen after a commit has left the queue (CHECKPOINT_EVERY below).
"""

from __future__ import annotations

import fcntl
import functools
import itertools
import logging
import os
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX, Database, SQLiteCursorWrapper

# SQLite copies its write-ahead log back into the database (a checkpoint) inside the
# commit that takes the log past 1,000 pages: half of an average commit's time, all of
# it inside the one write lock. Here a connection checkpoints after every
# CHECKPOINT_EVERY commits in the process instead, once its commit has left the queue.
CHECKPOINT_EVERY = 50
LOG_PAGES_BEFORE_SQLITE_CHECKPOINTS = 20_000  # 80 MB of 4 KB pages; SQLite's default 1,000
_commits = itertools.count()

# Between tries of the file lock: short, because the lock is held for a transaction's
# length (a millisecond or two) and at most one thread per process polls.
POLL_SECONDS = 0.0002
TIMEOUT_SECONDS = 10.0

logger = logging.getLogger(__name__)

_process_locks: dict[str, threading.Lock] = {}
_registry = threading.Lock()


def _forget_process_locks() -> None:
    # A forked child starts with no writer of its own: never with a lock taken in the parent.
    global _registry
    _process_locks.clear()
    _registry = threading.Lock()


os.register_at_fork(after_in_child=_forget_process_locks)


def _process_lock(path: str) -> threading.Lock:
    with _registry:
        return _process_locks.setdefault(path, threading.Lock())


@functools.lru_cache(maxsize=2048)
def _qmark(query: str) -> str:
    return FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(SQLiteCursorWrapper):
    """Django's cursor, with its "%s" to "?" rewrite of each statement done once per
    distinct statement (a regular expression over the SQL on every execute otherwise:
    a few percent of a write's time, and of every page's)."""

    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _queued: threading.Lock | None = None  # the process's lock, while this one holds it
    _lock_fd: int | None = None
    _lock_pid: int | None = None
    _no_queue = False

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def _writers_queue(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return f"{name}.writers"

    def _queue_file(self, path: str) -> int | None:
        """This connection's own descriptor of the queue's file (a lock on a file is held
        per open file: each connection opens its own, and again in a forked child)."""
        if self._lock_fd is not None and self._lock_pid == os.getpid():
            return self._lock_fd
        if self._no_queue:
            return None
        try:
            self._lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o660)
        except OSError as error:
            # Another account's file, a read-only folder: SQLite's own lock still guards.
            logger.warning("SQLite writers' queue unavailable (%s): %s", path, error)
            self._lock_fd, self._no_queue = None, True
            return None
        self._lock_pid = os.getpid()
        return self._lock_fd

    def _join_queue(self) -> None:
        path = self._writers_queue()
        if path is None:
            return
        fd = self._queue_file(path)
        if fd is None:
            return
        deadline = time.monotonic() + TIMEOUT_SECONDS
        in_process = _process_lock(path)
        if not in_process.acquire(timeout=TIMEOUT_SECONDS):
            raise OperationalError("database is locked")
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OperationalError("database is locked") from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            in_process.release()
            raise
        self._queued = in_process

    def _leave_queue(self) -> None:
        in_process, self._queued = self._queued, None
        if in_process is None:
            return
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        finally:
            in_process.release()

    def _start_transaction_under_autocommit(self):
        self._join_queue()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # Checkpoints are this wrapper's to run, after commits (`_commit`); SQLite's own
        # only past LOG_PAGES_BEFORE_SQLITE_CHECKPOINTS, for a process whose writes are
        # all autocommit statements (they never reach `_commit`).
        connection.execute(f"PRAGMA wal_autocheckpoint={LOG_PAGES_BEFORE_SQLITE_CHECKPOINTS}")
        return connection

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_queue()
            if next(_commits) % CHECKPOINT_EVERY == CHECKPOINT_EVERY - 1:
                self._checkpoint()

    def _checkpoint(self) -> None:
        """Copy what the write-ahead log holds back into the database, as far as no
        reader still needs it (PASSIVE: it waits for nobody, and writers go on)."""
        try:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        except Database.Error as error:
            logger.debug("SQLite checkpoint skipped: %s", error)

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()
            if self._lock_fd is not None and self._lock_pid == os.getpid():
                os.close(self._lock_fd)
            self._lock_fd = None
