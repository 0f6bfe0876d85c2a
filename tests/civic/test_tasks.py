"""Tasks: work a request hands to the worker in its own transaction (civic/tasks.py).
Done once, retried with backoff when it fails, its state and error visible, and run in
the language the request was answered in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone, translation

from civic import tasks
from civic.models import OutboundEmail, Task
from tests.factories import make_report, worker_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(monkeypatch):
    """A handler that records its calls and fails while `failures` says so."""
    calls: list[dict] = []
    state = {"failures": 0}

    def handler(**payload) -> None:
        calls.append({**payload, "language": translation.get_language()})
        if state["failures"]:
            state["failures"] -= 1
            raise ConnectionError("upstream down")

    monkeypatch.setitem(tasks._handlers, "tests.recorded", handler)
    return calls, state


def test_a_task_is_written_with_the_change_and_done_once(recorded):
    calls, _state = recorded
    with transaction.atomic():
        tasks.defer("tests.recorded", thread_id=7)
    assert Task.objects.get().state == Task.State.PENDING

    assert worker_round() == 1
    assert worker_round() == 0  # a second round, or a second worker, finds nothing due
    assert [call["thread_id"] for call in calls] == [7]
    assert Task.objects.get().state == Task.State.SENT


def test_a_change_that_rolls_back_leaves_no_task(recorded):
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.defer("tests.recorded", thread_id=7)
        raise RuntimeError("the change failed")
    assert not Task.objects.exists()


def test_a_failing_task_is_retried_with_backoff_and_its_error_shown(recorded):
    calls, state = recorded
    state["failures"] = 1
    tasks.defer("tests.recorded", thread_id=7)

    assert worker_round() == 0
    task = Task.objects.get()
    assert (task.state, task.attempts) == (Task.State.PENDING, 1)
    assert "ConnectionError: upstream down" in task.last_error
    assert task.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert worker_round() == 0  # not due yet

    Task.objects.update(next_attempt_at=timezone.now())
    assert worker_round() == 1
    assert len(calls) == 2
    assert Task.objects.get().state == Task.State.SENT


def test_what_a_failed_try_wrote_is_rolled_back_with_it(service, authority, monkeypatch):
    from delivery.models import Delivery
    from reports.actions.submit import SUBMITTED_TASK

    report = make_report(service=service)  # announced: one delivery
    original = tasks._handlers[SUBMITTED_TASK]

    def fails_after_writing(**payload) -> None:
        original(**payload)
        raise ConnectionError("worker lost mid-task")

    with monkeypatch.context() as patched:
        patched.setitem(tasks._handlers, SUBMITTED_TASK, fails_after_writing)
        second = make_report(service=service)
    # Its deliveries were written, then rolled back with the failed try: none yet.
    assert not Delivery.objects.filter(report=second).exists()
    Task.objects.filter(state=Task.State.PENDING).update(next_attempt_at=timezone.now())
    worker_round()
    assert Delivery.objects.filter(report=second).count() == 1
    assert Delivery.objects.filter(report=report).count() == 1


def test_the_task_runs_in_the_language_of_the_request(recorded, service, authority):
    calls, _state = recorded
    with translation.override("es"):
        tasks.defer("tests.recorded", thread_id=7)
    worker_round()
    assert calls[0]["language"] == "es"

    # A report made in Spanish gets its confirmation in Spanish, written by the worker.
    with translation.override("es"):
        make_report(service=service, contact_email="ana@example.org", notify=True)
    email = OutboundEmail.objects.get(to="ana@example.org")
    assert "aviso" in email.subject.lower()


def test_a_task_nobody_handles_is_refused_when_deferred():
    with pytest.raises(ValueError, match="No handler"):
        tasks.defer("tests.nobody", thread_id=1)
