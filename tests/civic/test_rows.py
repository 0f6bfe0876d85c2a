"""`rows.insert` writes a new row as `save()` would: the fields' defaults and
pre_save values, its primary key, its signals; a conflict it is told to ignore writes
nothing; a model with its own save() still goes through it."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_save, pre_save

from civic import rows
from civic.models import Task
from discussions.models import Follow
from reports.models import Authority
from tests.factories import make_report, make_user

pytestmark = pytest.mark.django_db


def test_a_new_row_reads_back_as_save_would_have_written_it():
    seen = []

    def record(sender, instance, **kwargs):
        seen.append((kwargs.get("created"), instance.pk))

    pre_save.connect(record, sender=Task)
    post_save.connect(record, sender=Task)
    try:
        task = rows.insert(Task(name="reports.submitted", payload={"ids": [1, 2], "é": "ü"}))
    finally:
        pre_save.disconnect(record, sender=Task)
        post_save.disconnect(record, sender=Task)
    assert task.pk and not task._state.adding
    assert seen == [(None, None), (True, task.pk)]
    stored = Task.objects.get(pk=task.pk)
    assert stored.payload == {"ids": [1, 2], "é": "ü"}
    assert (stored.state, stored.attempts) == (Task.State.PENDING, 0)  # the defaults
    assert stored.created_at == task.created_at
    assert stored.next_attempt_at is not None


def test_a_conflict_it_is_told_to_ignore_writes_nothing():
    report = make_report()
    person = make_user()
    first = rows.insert(Follow(thread_id=report.thread_id, user=person), ignore_conflicts=True)
    again = rows.insert(Follow(thread_id=report.thread_id, user=person), ignore_conflicts=True)
    assert first is not None and first.pk
    assert again is None
    assert Follow.objects.filter(thread_id=report.thread_id, user=person).count() == 1


def test_a_model_with_its_own_save_goes_through_it(monkeypatch):
    calls = []
    original = Authority.save

    def save(self, *args, **kwargs):
        calls.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Authority, "save", save)
    authority = rows.insert(Authority(name="Harbour Board", slug="harbour-board"))
    assert calls == ["Harbour Board"]
    assert Authority.objects.filter(pk=authority.pk).exists()


def test_a_conflict_on_a_model_with_its_own_save_writes_nothing_either():
    authority = rows.insert(Authority(name="Harbour Board", slug="harbour-board"))
    again = rows.insert(
        Authority(name="Harbour Board", slug="harbour-board"), ignore_conflicts=True
    )
    assert authority.pk and again is None
    assert Authority.objects.filter(slug="harbour-board").count() == 1


def test_a_row_read_by_a_fixed_condition_is_the_one_the_orm_reads():
    first = rows.insert(Task(name="reports.submitted", payload={"ids": [1], "é": "ü"}))
    second = rows.insert(Task(name="alerts.match", payload={"ids": [2]}))

    for task in (first, second):
        found = rows.select_one(Task, "name = %s", [task.name], using="default")
        expected = Task.objects.get(pk=task.pk)
        assert found.pk == task.pk
        assert found.payload == expected.payload  # JSON decoded, as the ORM decodes it
        assert found.created_at == expected.created_at and found.created_at.tzinfo is not None
    assert rows.select_one(Task, "name = %s", ["nothing.such"], using="default") is None
