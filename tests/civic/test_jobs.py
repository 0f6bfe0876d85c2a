"""The worker collects its jobs from the apps' jobs.py modules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from civic import jobs
from civic.management.commands.work import run_round


def test_jobs_are_collected_from_every_app_with_emails_last():
    names = [job.name for job in jobs.collect()]
    # What requests handed on first: it makes the rows the others send. Then the
    # authorities' categories, before the requests made in their back ends that use them.
    assert names[:6] == [
        "tasks",
        "upstream categories",
        "upstream requests",
        "deliveries",
        "upstream updates",
        "digests",
    ]
    assert names.index("reopen notices") < names.index("comments upstream")
    # Every job before may queue emails: the outbox goes last.
    assert names[-1] == "emails"


@pytest.mark.django_db
def test_a_round_runs_each_job_and_polls_upstream_once_per_period():
    first = run_round()
    assert {"tasks", "deliveries", "upstream updates", "digests", "emails"} <= set(first)
    # The upstream poll claimed its period in the shared cache: the next round skips it.
    second = run_round()
    assert "upstream updates" not in second
    assert {"deliveries", "digests", "emails"} <= set(second)


def test_an_app_jobs_module_without_jobs_is_an_error(monkeypatch):
    import reports.jobs

    monkeypatch.delattr(reports.jobs, "JOBS")
    with pytest.raises(ImproperlyConfigured, match=r"reports/jobs\.py must declare JOBS"):
        jobs.collect()
