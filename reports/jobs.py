"""The reports app's background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from civic.jobs import Job
from reports.guest import purge_expired
from reports.reopening import send_questionnaires

JOBS = [
    # "Has this been fixed?" asked of reporters.
    Job("questionnaires", send_questionnaires, order=30),
    # Reports without an account that were never confirmed, with their photos.
    Job("expired guest reports", purge_expired, order=70),
]
