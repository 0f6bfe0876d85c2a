"""Delivery's background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from civic.jobs import Job
from delivery.reopen_notices import send_reopen_notices
from delivery.sending import deliver_due, fetch_upstream_updates
from delivery.webhooks import send_due_webhooks

# How often the authorities' Open311 systems are asked for status changes.
UPSTREAM_POLL_SECONDS = 300

JOBS = [
    Job("deliveries", deliver_due, order=10),
    # One worker polls per period, however many run.
    Job("upstream updates", fetch_upstream_updates, order=20, every=UPSTREAM_POLL_SECONDS),
    # Reopened reports sent back to the authorities they reached.
    Job("reopen notices", send_reopen_notices, order=31),
    # The authorities' webhooks: report events (the jobs above make some), signed, retried.
    Job("webhooks", send_due_webhooks, order=35),
]
