"""What happens to a report, told to the rooms above that act on it.

Reports sits below the rooms that send a report on (delivery: to the authorities,
by email or Open311, and to their webhooks), so it never imports them. They
subscribe here instead, in their `AppConfig.ready()`, and `reports.actions`
publishes each event inside the transaction of the change: what a handler writes
(a delivery row, a webhook's event) commits or rolls back with the change itself,
as the outbox rule asks. A handler does no network work; the worker does that.

    events.subscribe(events.SUBMITTED, create_deliveries)

The events and what they carry (keyword arguments of the handlers):

- SUBMITTED: `report`, `update` (the first timeline entry), `authorities` (routing's
  choice, primary first): a new report.
- IMPORTED: `routed` (a list of (report, authorities)): history brought in at once; it
  counts as delivered already.
- CHANGED: `report`, `kind` (CREATED, UPDATED or REOPENED: the public name of the
  change), `update` (the timeline entry, if any), `also_tell` (authorities that hear
  of it though it is no longer theirs).
- ROUTED: `report`, `authorities`: now responsible, they must receive it (again).
- RETURNED: `report`, `note`, `at`: reopened, every authority it reached hears it is
  back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

# The public names of a report's changes (webhooks and their receivers know them).
CREATED = "report.created"
UPDATED = "report.updated"
REOPENED = "report.reopened"

SUBMITTED = "submitted"
IMPORTED = "imported"
CHANGED = "changed"
ROUTED = "routed"
RETURNED = "returned"  # reopened: back to the authorities it reached

NAMES = (SUBMITTED, IMPORTED, CHANGED, ROUTED, RETURNED)

_handlers: dict[str, list[Callable[..., None]]] = defaultdict(list)


def subscribe(name: str, handler: Callable[..., None]) -> None:
    """Call `handler(**details)` on each `name` event (once, however often it is asked)."""
    if name not in NAMES:
        raise ValueError(f"No report event is called {name!r}.")
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def publish(name: str, **details) -> None:
    """Tell every subscriber, in the order they subscribed, within the caller's transaction."""
    for handler in _handlers[name]:
        handler(**details)
