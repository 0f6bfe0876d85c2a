"""Workers claiming due rows: never the same row twice, and on PostgreSQL without waiting."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from civic.models import OutboundEmail


def make_emails(n: int) -> list[OutboundEmail]:
    return [
        OutboundEmail.objects.create(to=f"r{i}@example.org", subject=f"#{i}", body_text="Hi")
        for i in range(n)
    ]


@pytest.mark.django_db
def test_claiming_takes_each_due_row_once():
    emails = make_emails(3)
    first = list(OutboundEmail.claim_due(limit=10))
    assert sorted(first) == sorted(e.pk for e in emails)
    assert list(OutboundEmail.claim_due(limit=10)) == []  # all claimed already
    assert set(OutboundEmail.objects.values_list("state", flat=True)) == {"sending"}


@pytest.mark.django_db
def test_claiming_stops_at_the_limit():
    make_emails(5)
    assert len(list(OutboundEmail.claim_due(limit=2))) == 2
    assert OutboundEmail.objects.filter(state="pending").count() == 3


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_worker_skips_the_row_another_worker_holds():
    if connection.vendor != "postgresql":
        pytest.skip("SELECT … FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has one writer")
    held, *others = make_emails(3)
    locked, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        # Another worker in the middle of its claim: the oldest due row is locked.
        try:
            with transaction.atomic():
                OutboundEmail.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(30)
        with CaptureQueriesContext(connection) as queries:
            claimed = list(OutboundEmail.claim_due(limit=10))
    finally:
        release.set()
        thread.join()
    # The locked row is skipped at once rather than waited for, and nothing is taken twice.
    assert sorted(claimed) == sorted(e.pk for e in others)
    assert any("FOR UPDATE SKIP LOCKED" in q["sql"] for q in queries.captured_queries)
    held.refresh_from_db()
    assert held.state == "pending"
