"""The reports app's background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from civic.jobs import Job
from reports.delivery import deliver_due, fetch_upstream_updates

# How often the authorities' Open311 systems are asked for status changes.
UPSTREAM_POLL_SECONDS = 300

JOBS = [
    Job("deliveries", deliver_due, order=10),
    # One worker polls per period, however many run.
    Job("upstream updates", fetch_upstream_updates, order=20, every=UPSTREAM_POLL_SECONDS),
]
