"""Accountability's background work, run by `manage.py work` (see civic/jobs.py)."""

from __future__ import annotations

from accountability.stats import REFRESH_SECONDS, refresh
from civic.jobs import Job

JOBS = [
    # The stats and authority pages' figures, so that no visitor ever computes them.
    Job("stats", refresh, order=80, every=REFRESH_SECONDS),
]
