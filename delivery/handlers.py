"""What delivery does when a report changes (subscribed to `reports.events`).

Each handler runs inside the transaction of the change and only writes rows: a
`Delivery` per authority to reach, a `ReopenNotice` per authority to tell again, a
`WebhookDelivery` per webhook that wants the event. The worker sends them.
"""

from __future__ import annotations

from delivery import webhooks
from delivery.models import Delivery, ReopenNotice
from reports import events
from reports.models import Authority, Report


def _sends(authority: Authority) -> bool:
    return authority.send_method != Authority.SendMethod.NONE


def _new_delivery(report: Report, authority: Authority, at, sent: bool = False) -> Delivery:
    return Delivery(
        report=report,
        authority=authority,
        method=authority.send_method,
        next_attempt_at=at,
        state=Delivery.State.SENT if sent else Delivery.State.PENDING,
        sent_at=at if sent else None,
    )


def on_submitted(*, report: Report, update, authorities) -> None:
    Delivery.objects.bulk_create(
        _new_delivery(report, authority, report.requested_at)
        for authority in authorities
        if _sends(authority)
    )
    webhooks.emit(report, events.CREATED, update)


def on_imported(*, routed) -> None:
    """History: its deliveries count as sent, and no webhook hears of it."""
    Delivery.objects.bulk_create(
        _new_delivery(report, authority, report.requested_at, sent=True)
        for report, authorities in routed
        for authority in authorities
        if _sends(authority)
    )


def on_routed(*, report: Report, authorities) -> None:
    """Passed on: each newly responsible authority receives it; one that had it
    before gets it again."""
    for authority in authorities:
        if not _sends(authority):
            continue
        delivery, created = Delivery.objects.get_or_create(
            report=report,
            authority=authority,
            defaults={"method": authority.send_method, "next_attempt_at": report.updated_at},
        )
        if not created:
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.PENDING,
                method=authority.send_method,
                attempts=0,
                next_attempt_at=report.updated_at,
                claimed_at=None,
                last_error="",
            )


def on_changed(*, report: Report, kind: str, update=None, also_tell=()) -> None:
    webhooks.emit(report, kind, update, authorities=also_tell)


def on_returned(*, report: Report, note: str, at) -> None:
    """Reopened: a notice back to each authority it was delivered to."""
    sent = Delivery.objects.filter(report=report, state=Delivery.State.SENT).select_related(
        "authority"
    )
    ReopenNotice.objects.bulk_create(
        ReopenNotice(
            report=report,
            authority=delivery.authority,
            method=delivery.method,
            note=note,
            next_attempt_at=at,
            created_at=at,
        )
        for delivery in sent
        if delivery.method != Authority.SendMethod.NONE
    )


def subscribe() -> None:
    events.subscribe(events.SUBMITTED, on_submitted)
    events.subscribe(events.IMPORTED, on_imported)
    events.subscribe(events.ROUTED, on_routed)
    events.subscribe(events.CHANGED, on_changed)
    events.subscribe(events.RETURNED, on_returned)
