"""Delivery's background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from civic.jobs import Job
from delivery.federation import import_all_requests, push_all_updates, sync_all_services
from delivery.reopen_notices import send_reopen_notices
from delivery.sending import deliver_due, fetch_upstream_updates
from delivery.webhooks import send_due_webhooks

# How often the authorities' Open311 systems are asked for status changes, and for
# the requests made there; how often for their categories.
UPSTREAM_POLL_SECONDS = 300
UPSTREAM_SERVICES_SECONDS = 3600

JOBS = [
    # Federation (delivery/federation.py): categories first, so requests made in the
    # back end find theirs.
    Job("upstream categories", sync_all_services, order=8, every=UPSTREAM_SERVICES_SECONDS),
    Job("upstream requests", import_all_requests, order=9, every=UPSTREAM_POLL_SECONDS),
    Job("deliveries", deliver_due, order=10),
    # One worker polls per period, however many run.
    Job("upstream updates", fetch_upstream_updates, order=20, every=UPSTREAM_POLL_SECONDS),
    # Reopened reports sent back to the authorities they reached.
    Job("reopen notices", send_reopen_notices, order=31),
    # Residents' public comments to the back ends that have their reports.
    Job("comments upstream", push_all_updates, order=32),
    # The authorities' webhooks: report events (the jobs above make some), signed, retried.
    Job("webhooks", send_due_webhooks, order=35),
]
