"""Work a request hands on to the worker.

A request that changes something does the least it must: validate, write the change
in one transaction, bump the data version. What follows from the change (telling
every follower of a thread, a new report's deliveries, webhooks and confirmation
email) costs as much as it has recipients, so the request writes one Task row for it
in the same transaction instead: if the change commits, so does its task, and if it
rolls back there is nothing left to do. The worker's "tasks" job, first in every
round, runs each due task's handler in a transaction that also marks the task done,
so its writes land once; a handler that fails is retried with backoff, its error on
the row (admin: Civic → tasks).

Rooms register their handlers by name when they load (`AppConfig.ready()`):

    tasks.register("discussions.followers", tell_followers)

and hand work on with `tasks.defer("discussions.followers", thread_id=…, …)`. The
payload is JSON; the language the request was answered in goes with it, and the
handler runs in it (an email queued by a handler reads as it would have in the
request).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone, translation

from civic import rows
from civic.models import Task

logger = logging.getLogger(__name__)

_handlers: dict[str, Callable[..., object]] = {}
LANGUAGE = "_language"


def register(name: str, handler: Callable[..., object]) -> None:
    """Run `handler(**payload)` for each task called `name` (once, however often asked)."""
    known = _handlers.get(name)
    if known is not None and known is not handler:
        raise ValueError(f"Two handlers for the task {name!r}.")
    _handlers[name] = handler


def defer(name: str, **payload) -> Task:
    """Hand `name` to the worker, inside the caller's transaction."""
    if name not in _handlers:
        raise ValueError(f"No handler is registered for the task {name!r}.")
    payload[LANGUAGE] = translation.get_language()
    return rows.insert(Task(name=name, payload=payload))


def run(task: Task) -> bool:
    """Run one claimed task; True when it is done (now or by another worker meanwhile)."""
    payload = dict(task.payload)
    language = payload.pop(LANGUAGE, None)
    handler = _handlers.get(task.name)
    try:
        if handler is None:
            raise LookupError(f"No handler is registered for the task {task.name!r}.")
        with transaction.atomic():
            if not task.still_claimed(lock=True):
                return False
            with translation.override(language):
                handler(**payload)
            task.mark_sent(timezone.now())
    except Exception as exc:
        logger.exception("Task %s (%s) failed", task.pk, task.name)
        task.mark_failed(exc, timezone.now())
        return False
    return True


def run_due(limit: int = 500) -> int:
    """Run every due task (up to `limit`), oldest first; returns how many were done."""
    done = 0
    for pk in Task.claim_due(limit):
        done += run(Task.objects.get(pk=pk))
    return done
