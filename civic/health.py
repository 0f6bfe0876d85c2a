"""Health for load balancers and operators: /health/ answers JSON, 503 when unhealthy.

Healthy means the database answers and a worker has finished a round recently
(the worker writes a heartbeat in the shared cache every round). The backlog of
every kind of retried work (the outbox, deliveries, …) is reported alongside:
how many rows are due and how long the oldest has waited.
"""

from __future__ import annotations

import time

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from civic.models import RetriedWork

HEARTBEAT_KEY = "worker:heartbeat"
# Rewritten at most this often: on SQLite with the database cache a write takes the lock.
HEARTBEAT_EVERY = 10


def beat() -> None:
    """Record that a worker is alive; called by the worker at each round."""
    now = time.time()
    last = cache.get(HEARTBEAT_KEY)
    if last is None or not 0 <= now - last < HEARTBEAT_EVERY:
        cache.set(HEARTBEAT_KEY, now, timeout=None)


def worker_stale_after() -> int:
    return getattr(settings, "HEALTH_WORKER_STALE_SECONDS", 120)


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure to answer is "down"
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True}


def _worker() -> dict:
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception as exc:  # noqa: BLE001 - an unreachable cache hides the heartbeat
        return {"ok": False, "error": type(exc).__name__}
    if last is None:
        return {"ok": False, "last_round_seconds_ago": None}
    age = max(0, round(time.time() - last))
    return {"ok": age <= worker_stale_after(), "last_round_seconds_ago": age}


def _backlog() -> dict:
    now = timezone.now()
    backlog = {}
    for model in apps.get_models():
        if not issubclass(model, RetriedWork):
            continue
        due = model.objects.filter(model.due_filter(now)).aggregate(
            due=Count("pk"), oldest=Min("next_attempt_at")
        )
        oldest = due["oldest"]
        backlog[model._meta.label_lower] = {
            "due": due["due"],
            "oldest_due_seconds": round((now - oldest).total_seconds()) if oldest else 0,
        }
    return backlog


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    database = _database()
    worker = _worker()
    body = {
        "status": "ok" if database["ok"] and worker["ok"] else "unhealthy",
        "database": database,
        "worker": worker,
        "backlog": _backlog() if database["ok"] else None,
    }
    return JsonResponse(body, status=200 if body["status"] == "ok" else 503)
