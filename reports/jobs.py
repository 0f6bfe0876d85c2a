"""The reports app's background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from civic.jobs import Job
from reports.alerts import run_alerts, send_due_alerts
from reports.delivery import deliver_due, fetch_upstream_updates
from reports.guest import purge_expired
from reports.reopening import send_questionnaires, send_reopen_notices
from reports.stats import REFRESH_SECONDS, refresh
from reports.webhooks import send_due_webhooks

# How often the authorities' Open311 systems are asked for status changes.
UPSTREAM_POLL_SECONDS = 300

JOBS = [
    Job("deliveries", deliver_due, order=10),
    # One worker polls per period, however many run.
    Job("upstream updates", fetch_upstream_updates, order=20, every=UPSTREAM_POLL_SECONDS),
    # The authorities' webhooks: report events (the jobs above make some), signed, retried.
    Job("webhooks", send_due_webhooks, order=35),
    # "Has this been fixed?" asked of reporters, and reopened reports sent back.
    Job("questionnaires", send_questionnaires, order=30),
    Job("reopen notices", send_reopen_notices, order=31),
    # Area alerts: match new reports (one query per batch), then send what is due.
    Job("alert matches", run_alerts, order=60),
    Job("alert emails", send_due_alerts, order=61),
    # Reports without an account that were never confirmed, with their photos.
    Job("expired guest reports", purge_expired, order=70),
    # The stats and authority pages' figures, so that no visitor ever computes them.
    Job("stats", refresh, order=80, every=REFRESH_SECONDS),
]
