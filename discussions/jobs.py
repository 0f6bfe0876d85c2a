"""The discussions app's background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from civic.jobs import Job
from discussions.notifications import send_due_digests

# Followers' digests of new comments and status changes (batched per follower).
JOBS = [Job("digests", send_due_digests, order=30)]
