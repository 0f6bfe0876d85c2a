"""`rows.insert` writes a new row as `save()` would: the fields' defaults and
pre_save values, its primary key, its signals; each value prepared for the database
as Django prepares it, for every model's fields; a conflict it is told to ignore
writes nothing; a model with its own save() still goes through it."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.signals import post_save, pre_save
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from civic import rows
from civic.models import Task
from discussions.models import Follow, Thread
from reports.models import Authority, Report
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


def test_a_row_read_with_annotations_carries_them_with_their_parameters_first():
    task = rows.insert(Task(name="reports.submitted", payload={"ids": [1]}))
    annotations = (("named_so", "t.name = %s"), ("doubled", "t.id * %s"))

    found = rows.select_one(
        Task,
        "t.id = %s",
        ["reports.submitted", 2, task.pk],
        using="default",
        annotations=annotations,
    )
    assert found.pk == task.pk and found.payload == {"ids": [1]}
    assert bool(found.named_so) is True and found.doubled == 2 * task.pk
    other = rows.select_one(
        Task, "t.id = %s", ["x", 3, task.pk], using="default", annotations=annotations
    )
    assert bool(other.named_so) is False and other.doubled == 3 * task.pk
    # The same condition without annotations is its own statement.
    assert not hasattr(rows.select_one(Task, "t.id = %s", [task.pk], using="default"), "doubled")


class Colour(models.TextChoices):
    RED = "red"


# Values of every kind a model's field is given: the plain ones a shortcut may take
# as they are, and the ones it must leave to Django (a choice, a lazy text, a naive
# datetime, a number as text, an integer where a float goes).
SAMPLES = [
    None,
    "",
    "text",
    Colour.RED,
    True,
    False,
    0,
    7,
    2.5,
    "12",
    timezone.now(),
    datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    datetime.datetime(2026, 1, 2, 3, 4, 5),
]


@pytest.mark.filterwarnings("ignore:DateTimeField .* received a naive datetime")
def test_every_models_values_are_prepared_as_django_prepares_them():
    checked = set()
    for model in apps.get_models():
        if model._meta.parents or model._meta.auto_field is None:
            continue
        # With the key, as a row written under a key taken first (`next_pk`) is.
        _, preparations = rows._statement(model, connection, False, True)
        for field, attname, kind, _ in preparations:
            if kind == rows.GENERIC:
                continue
            for value in SAMPLES:
                obj = model()
                setattr(obj, attname, value)
                try:
                    expected = field.get_db_prep_save(field.pre_save(obj, True), connection)
                except (TypeError, ValueError, AttributeError, ValidationError):
                    continue  # a value this field refuses: it takes Django's path anyway
                assert rows._params(obj, [(field, attname, kind, _)], connection) == [expected], (
                    model._meta.label,
                    field.name,
                    value,
                )
                checked.add((kind, type(value)))
    # Each shortcut was tried with the values it takes and with the ones it must not.
    assert {(rows.TEXT, str), (rows.TEXT, Colour), (rows.AWARE, datetime.datetime)} <= checked
    assert (rows.EXACT, bool) in checked and (rows.EXACT, float) in checked


def test_a_report_writes_the_values_it_was_given():
    report = make_report(title="Pothole on Elm Street", lat=51.5, lon=-0.12)
    fresh = Report(
        service=report.service,
        thread=Thread.objects.create(title="Loose paving slab"),
        title="Loose paving slab",
        description="",
        lat=51.25,
        lon=-0.5,
        show_name=True,
        contact_email="ana@example.org",
        requested_at=report.requested_at,
        updated_at=report.requested_at,
        state=Report.State.ACKNOWLEDGED,
        attributes={"depth": "5 cm"},
    )
    rows.insert(fresh)
    stored = Report.objects.get(pk=fresh.pk)
    assert (stored.title, stored.description, stored.lat, stored.lon) == (
        "Loose paving slab",
        "",
        51.25,
        -0.5,
    )
    assert stored.show_name is True and stored.is_hidden is False
    assert stored.state == Report.State.ACKNOWLEDGED and stored.reopen_count == 0
    assert stored.requested_at == report.requested_at and stored.closed_at is None
    assert stored.service_id == report.service_id and stored.thread_id == fresh.thread_id
    assert stored.attributes == {"depth": "5 cm"} and stored.contact_email == "ana@example.org"


def test_the_next_key_is_the_one_the_next_row_gets_and_is_never_given_again():
    first = rows.insert(Task(name="reports.submitted", payload={}))
    last = rows.insert(Task(name="reports.submitted", payload={}))
    Task.objects.filter(pk=last.pk).delete()  # a key once given is not given again
    with transaction.atomic():
        taken = rows.next_pk(Task)
        written = rows.insert(Task(pk=taken, name="reports.submitted", payload={}))
    assert taken > last.pk > first.pk
    assert written.pk == taken and Task.objects.filter(pk=taken).exists()
    # The database's own numbering goes on after it.
    assert Task.objects.create(name="reports.submitted", payload={}).pk > taken


@pytest.mark.django_db(transaction=True)
def test_a_key_is_taken_only_inside_the_transaction_that_uses_it():
    with pytest.raises(TransactionManagementError):
        rows.next_pk(Task)
