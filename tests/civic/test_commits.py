"""Group commit (civic.commits): writes handed in together share one transaction,
each still gets its own result or error, one that fails is rolled back alone, each
runs in its caller's language, and a write in a transaction already open is part of
that transaction."""

from __future__ import annotations

import logging
import threading

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone, translation

from civic import commits
from civic.models import RateCounter
from civic.sqlite import base as sqlite_base

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one writer at a time"),
]

WAIT = 10


def _row(key: str) -> RateCounter:
    return RateCounter.objects.create(key=key, count=1, expires_at=timezone.now())


def _keys() -> set[str]:
    return set(RateCounter.objects.values_list("key", flat=True))


class Caller(threading.Thread):
    """A request's thread: hands `write` in and keeps what it got back."""

    def __init__(self, write, language="en"):
        super().__init__()
        self.write, self.language = write, language
        self.result = self.error = None

    def run(self):
        try:
            with translation.override(self.language):
                self.result = commits.together(self.write)
        except Exception as error:  # noqa: BLE001 - the test looks at it
            self.error = error
        finally:
            connections.close_all()


@pytest.fixture
def commits_made(monkeypatch):
    """How many transactions were committed, on any thread's connection."""
    made = []
    commit = sqlite_base.DatabaseWrapper._commit

    def counted(self):
        made.append(threading.get_ident())
        return commit(self)

    monkeypatch.setattr(sqlite_base.DatabaseWrapper, "_commit", counted)
    return made


def _waiting(count: int) -> None:
    for _ in range(WAIT * 100):
        with commits._queue.mutex:
            if len(commits._queue.waiting) >= count:
                return
        threading.Event().wait(0.01)
    raise AssertionError(f"{count} writes never queued")


def test_writes_handed_in_meanwhile_share_one_commit_and_each_gets_its_own_outcome(
    commits_made,
):
    ran_on: dict[str, int] = {}
    languages: dict[str, str] = {}
    first_in = threading.Event()

    def first():
        first_in.set()
        _waiting(3)  # the three below come in while this one's batch is written
        return _row("first").key

    def named(key, fails=False):
        def write():
            ran_on[key] = threading.get_ident()
            languages[key] = translation.get_language()
            _row(key)
            if fails:
                raise ValueError(f"{key} is refused")
            return key

        return write

    leader = Caller(first)
    leader.start()
    assert first_in.wait(WAIT)
    others = [
        Caller(named("second")),
        Caller(named("refused", fails=True)),
        Caller(named("spanish"), language="es"),
    ]
    for caller in others:
        caller.start()
    for caller in [leader, *others]:
        caller.join(WAIT)
        assert not caller.is_alive(), "a write never came back"

    assert leader.result == "first"
    second, refused, spanish = others
    assert (second.result, spanish.result) == ("second", "spanish")
    assert isinstance(refused.error, ValueError) and refused.result is None
    # The refused write is rolled back alone; the others are committed.
    assert _keys() == {"first", "second", "spanish"}
    # The three that came in together: one thread wrote them, in one commit.
    assert len(set(ran_on.values())) == 1
    assert ran_on["second"] in {caller.ident for caller in others}
    assert len(commits_made) == 2
    # Each in its caller's language, whoever wrote it.
    assert languages == {"second": "en", "refused": "en", "spanish": "es"}
    assert not commits._queue.led and not commits._queue.waiting


def test_a_write_alone_that_fails_leaves_nothing_and_the_next_one_leads():
    def refused():
        _row("refused")
        raise ValueError("refused")

    caller = Caller(refused)
    caller.start()
    caller.join(WAIT)
    assert isinstance(caller.error, ValueError)
    assert _keys() == set()

    after = Caller(lambda: _row("after").key)
    after.start()
    after.join(WAIT)
    assert after.result == "after" and _keys() == {"after"}


def test_a_failing_after_commit_hook_does_not_make_a_written_write_look_lost(caplog):
    def write():
        _row("kept")
        transaction.on_commit(lambda: 1 / 0)
        return "kept"

    caller = Caller(write)
    with caplog.at_level(logging.ERROR, logger="civic.commits"):
        caller.start()
        caller.join(WAIT)
    assert (caller.result, caller.error) == ("kept", None)
    assert _keys() == {"kept"}
    assert "after-commit hook" in caplog.text


def test_inside_an_open_transaction_the_write_is_part_of_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert commits.together(lambda: _row("inner").key) == "inner"
        raise RuntimeError("the outer transaction rolls back")
    assert _keys() == set()
