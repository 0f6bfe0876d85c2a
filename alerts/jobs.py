"""Alerts' background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from alerts.matching import run_alerts, send_due_alerts
from civic.jobs import Job

JOBS = [
    # Match new reports (one query per batch), then send what is due.
    Job("alert matches", run_alerts, order=60),
    Job("alert emails", send_due_alerts, order=61),
]
