"""The background worker: sends due emails and delivers reports, in a loop.

Each round claims due rows with conditional updates, so several workers can run
side by side. SIGTERM/SIGINT finish the current round and exit.
"""

from __future__ import annotations

import signal
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from civic import ratelimit
from civic.outbox import send_due_emails
from discussions.notifications import send_due_digests
from reports.delivery import deliver_due, fetch_upstream_updates
from reports.guest import purge_expired

# How often the authorities' Open311 systems are asked for status changes.
UPSTREAM_POLL_SECONDS = 300
# How often the rate-limit counters of windows that are over are deleted.
RATE_COUNTER_PURGE_SECONDS = 600


def run_round() -> dict[str, int]:
    """One pass over every kind of due work; returns how much each job did."""
    done = {"deliveries": deliver_due()}
    # cache.add is atomic in the shared cache: one worker polls per period.
    if cache.add("worker:upstream-poll", 1, timeout=UPSTREAM_POLL_SECONDS):
        done["upstream updates"] = fetch_upstream_updates()
    # Followers' digests of new comments and status changes (batched per follower).
    done["digests"] = send_due_digests()
    done["expired guest reports"] = purge_expired()
    if ratelimit.storage() == "database" and cache.add(
        "worker:rate-counter-purge", 1, timeout=RATE_COUNTER_PURGE_SECONDS
    ):
        done["expired rate counters"] = ratelimit.purge_expired()
    # Emails last: every job above may have queued some.
    done["emails"] = send_due_emails()
    return done


class Command(BaseCommand):
    help = "Send due emails and deliver reports to authorities, retrying failures with backoff."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds to sleep when idle."
        )

    def handle(self, *args, once: bool = False, interval: float = 2.0, **options) -> None:
        self.stopping = False

        def stop(signum, frame) -> None:
            self.stopping = True

        if not once:
            # Finish the current round, then exit.
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            self.stdout.write("Worker started; Ctrl-C to stop.")
        while True:
            try:
                done = run_round()
            except Exception as exc:  # noqa: BLE001 - a bad round must not kill the worker
                self.stderr.write(f"Round failed: {type(exc).__name__}: {exc}")
                done = {}
            if any(done.values()):
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in done.items() if v))
            if once or self.stopping:
                break
            # A long-running loop must not keep a broken or stale connection.
            close_old_connections()
            if not any(done.values()):
                slept = 0.0
                while slept < interval and not self.stopping:
                    time.sleep(0.2)
                    slept += 0.2
            if self.stopping:
                break
