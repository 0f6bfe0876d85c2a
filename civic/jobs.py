"""The worker's jobs, collected from the apps.

Each app that has background work declares it in its own `jobs.py`:

    from civic.jobs import Job
    from delivery.sending import deliver_due

    JOBS = [Job("deliveries", deliver_due, order=10)]

`manage.py work` runs every collected job once per round, in `order` (lower
first), so the worker never imports the apps one by one and an app adds a job
without touching civic. A job returns how much it did (a count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import module_has_submodule

from civic import ratelimit
from civic.outbox import send_due_emails
from civic.tasks import run_due as run_due_tasks


@dataclass(frozen=True)
class Job:
    """One kind of background work.

    `every`: run at most once per that many seconds across all workers (the
    claim is an atomic `cache.add` in the shared cache); None: every round.
    """

    name: str
    run: Callable[[], int]
    order: int = 50
    every: int | None = None

    def is_due(self) -> bool:
        if self.every is None:
            return True
        return cache.add(f"worker:job:{self.name.replace(' ', '-')}", 1, timeout=self.every)


# How often the rate-limit counters of windows that are over are deleted.
RATE_COUNTER_PURGE_SECONDS = 600


def purge_rate_counters() -> int:
    # Only the database storage keeps counters of windows that are over; caches expire them.
    return ratelimit.purge_expired() if ratelimit.storage() == "database" else 0


JOBS = [
    # First: what requests handed on (followers' notifications, a new report's
    # deliveries and emails) becomes the rows the later jobs send.
    Job("tasks", run_due_tasks, order=0),
    Job("expired rate counters", purge_rate_counters, order=900, every=RATE_COUNTER_PURGE_SECONDS),
    # Emails last: every job before them may have queued some.
    Job("emails", send_due_emails, order=1000),
]


def collect() -> list[Job]:
    """Every installed app's `JOBS`, sorted by order (then name)."""
    jobs: list[Job] = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "jobs"):
            continue
        module = import_module(f"{config.name}.jobs")
        declared = getattr(module, "JOBS", None)
        if declared is None:
            raise ImproperlyConfigured(
                f"{config.name}/jobs.py must declare JOBS = [Job(...), ...]."
            )
        jobs.extend(declared)
    names = [job.name for job in jobs]
    if len(names) != len(set(names)):
        raise ImproperlyConfigured(f"Two worker jobs share a name: {sorted(names)}")
    return sorted(jobs, key=lambda job: (job.order, job.name))
