"""SQLite's writers' queue (civic.sqlite): every concurrent write lands, a transaction
that ends in any way lets the next one in, a wait past the timeout fails the way
SQLite does instead of hanging, the log is checkpointed outside the queue, and each
statement's placeholders are rewritten once and mean the same every time."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from civic.models import RateCounter, Task
from civic.sqlite import base as queue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own write lock"),
]


def _in_thread(work) -> list[BaseException]:
    """Run `work` on a thread with its own connection; the exceptions it raised."""
    errors: list[BaseException] = []

    def run():
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "a writer never got its turn"
    return errors


def _count() -> int:
    return RateCounter.objects.get(key="queue").count


def _add_one() -> None:
    # Read, then write what was read plus one: two transactions inside each other
    # would lose an increment.
    with transaction.atomic():
        counter = RateCounter.objects.get(key="queue")
        RateCounter.objects.filter(pk=counter.pk).update(count=counter.count + 1)


@pytest.fixture
def counter(db):
    return RateCounter.objects.create(key="queue", count=0, expires_at=timezone.now())


def test_concurrent_writers_in_threads_all_land(counter):
    errors: list[BaseException] = []

    def writer():
        try:
            for _ in range(15):
                _add_one()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert _count() == 90


def test_a_rolled_back_or_closed_transaction_lets_the_next_writer_in(counter, monkeypatch):
    # A queue left held would make the next writer wait for its timeout, then fail.
    monkeypatch.setattr(queue, "TIMEOUT_SECONDS", 1.0)

    def fails():
        with transaction.atomic():
            _add_one()
            raise ValueError("the view failed")

    def closes():
        # A connection closed mid-transaction (a lost client, a worker shutting down).
        with transaction.atomic():
            _add_one()
            connection.close()

    for work in (fails, closes):
        errors = _in_thread(work)
        assert all(isinstance(error, ValueError) for error in errors), errors
        assert _in_thread(_add_one) == []
    # Neither of the interrupted transactions counted.
    assert _count() == 2


def test_a_writer_that_waits_past_the_timeout_fails_like_sqlite(counter, monkeypatch):
    monkeypatch.setattr(queue, "TIMEOUT_SECONDS", 0.3)
    path = f"{connection.settings_dict['NAME']}.writers"
    # Another process in the middle of its transaction holds the file lock.
    other = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(other, fcntl.LOCK_EX)
        errors = _in_thread(_add_one)
        assert len(errors) == 1
        assert isinstance(errors[0], OperationalError)
        assert "database is locked" in str(errors[0])
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    # Nothing was left held: the next writer goes in at once.
    assert _in_thread(_add_one) == []
    assert _count() == 1


def test_a_forked_process_queues_behind_its_parent_not_beside_it(counter, monkeypatch):
    # gunicorn forks its workers: a parent's open transaction holds the queue's file
    # lock, so a child (a process of its own) finds it taken and waits its turn there,
    # not in SQLite's sleeping busy handler; once the parent commits, the child writes.
    monkeypatch.setattr(queue, "TIMEOUT_SECONDS", 0.3)
    path = f"{connection.settings_dict['NAME']}.writers"

    def in_child(work) -> int:
        pid = os.fork()
        if pid == 0:
            os._exit(work())
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    def file_lock_is_free() -> int:
        fd = os.open(path, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 3
        return 0

    def writes() -> int:
        return 0 if not _in_thread(_add_one) else 4

    with transaction.atomic():
        RateCounter.objects.filter(key="queue").update(count=100)
        assert in_child(file_lock_is_free) == 3  # the parent's transaction holds it
    assert in_child(file_lock_is_free) == 0
    assert in_child(writes) == 0
    assert _count() == 101


def test_without_its_file_the_queue_steps_aside_and_writes_still_land(counter, monkeypatch, caplog):
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".writers"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(queue.os, "open", refuse)
    assert _in_thread(_add_one) == []
    assert _count() == 1
    assert "writers' queue unavailable" in caplog.text


def _queue_is_free() -> bool:
    fd = os.open(f"{connection.settings_dict['NAME']}.writers", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_the_log_is_checkpointed_after_commits_outside_the_queue(monkeypatch):
    free_while_checkpointing: list[bool] = []
    checkpoint = queue.DatabaseWrapper._checkpoint

    def spy(self):
        free_while_checkpointing.append(_queue_is_free())
        checkpoint(self)

    monkeypatch.setattr(queue.DatabaseWrapper, "_checkpoint", spy)
    text = "x" * 8000  # about five pages of log per transaction, with the index
    for _ in range(10 * queue.CHECKPOINT_EVERY):
        with transaction.atomic():
            Task.objects.create(name="log", payload={"text": text})
    assert free_while_checkpointing == [True] * 10
    # SQLite's own checkpoints wait for 20,000 pages: without these the log would hold
    # every transaction's pages (about 2,600); it starts again after each one instead.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _busy, pages_in_log, _copied = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint")
        sqlites_own = cursor.fetchone()[0]
    assert pages_in_log < 10 * queue.CHECKPOINT_EVERY
    # A process that only writes outside transactions still has its log checkpointed.
    assert sqlites_own == queue.LOG_PAGES_BEFORE_SQLITE_CHECKPOINTS


def test_statements_keep_their_literal_percent_signs_and_placeholders(counter):
    # Each statement's placeholders are rewritten once and remembered: the same
    # statement run again with other values, a literal "%" (written "%%") and named
    # parameters all still mean what they say.
    RateCounter.objects.create(key="100% full", count=7, expires_at=timezone.now())
    like = "SELECT count FROM civic_ratecounter WHERE key LIKE %s AND count > %s"
    with connection.cursor() as cursor:
        for floor, expected in ((0, [(7,)]), (7, [])):
            cursor.execute(like, ["%full", floor])
            assert cursor.fetchall() == expected
        cursor.execute("SELECT key, '100%%' FROM civic_ratecounter WHERE count = %s", [7])
        assert cursor.fetchall() == [("100% full", "100%")]
        cursor.execute("SELECT count FROM civic_ratecounter WHERE key = %(key)s", {"key": "queue"})
        assert cursor.fetchall() == [(0,)]
    assert queue._qmark(like) == like.replace("%s", "?")
