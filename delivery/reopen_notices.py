"""A reopened report going back to the authorities it was delivered to: by email,
or to their Open311 system (a servicerequestupdate with status OPEN, `open311.client.post_update`). The notices are written by
`delivery.handlers.on_returned` when a report is reopened; the worker sends them."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from civic.outbox import queue_email
from delivery.models import Delivery, ReopenNotice
from delivery.sending import DeliveryError
from open311 import client
from reports.models import Authority, Contact


def _send_by_email(notice: ReopenNotice) -> str:
    report = notice.report
    contact = Contact.objects.filter(authority=notice.authority, service=report.service_id).first()
    to = (contact.email if contact else "") or notice.authority.email
    if not to:
        raise DeliveryError(f"{notice.authority} has no email address for {report.service}.")
    queue_email(
        to,
        "report-reopened",
        {"report": report, "authority": notice.authority, "note": notice.note},
    )
    return ""


def _send_by_open311(notice: ReopenNotice) -> str:
    """POST the reopening as a servicerequestupdate with status OPEN (mySociety's
    extension; another Civic takes it from the submitting client as a reopening)."""
    authority = notice.authority
    delivery = Delivery.objects.filter(report=notice.report_id, authority=authority).first()
    if not authority.endpoint or delivery is None or not delivery.external_id:
        raise DeliveryError(f"{authority} has no upstream request to reopen.")
    return client.post_update(
        authority,
        delivery.external_id,
        update_id=f"civic-reopen-{notice.pk}",
        description=notice.note,
        status="OPEN",
        at=notice.created_at,
    )


SENDERS = {
    Authority.SendMethod.EMAIL: _send_by_email,
    Authority.SendMethod.OPEN311: _send_by_open311,
}


def send_reopen_notices(limit: int = 50) -> int:
    """Send every due reopen notice; returns how many went."""
    now = timezone.now()
    done = 0
    for pk in ReopenNotice.due_ids(now, limit):
        if not ReopenNotice.claim(pk):
            continue
        notice = ReopenNotice.objects.select_related("report__service", "authority").get(pk=pk)
        sender = SENDERS.get(notice.method)
        try:
            if sender is None:
                raise DeliveryError(f"No way to send by {notice.method!r}.")
            if notice.method == Authority.SendMethod.EMAIL:
                # Only while this claim holds the (locked) row: never sent twice.
                with transaction.atomic():
                    if not notice.still_claimed(lock=True):
                        continue
                    sender(notice)
                    notice.mark_sent(now)
            else:
                if not notice.still_claimed():
                    continue
                sender(notice)
                notice.mark_sent(now)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            notice.mark_failed(exc, now)
            continue
        done += 1
    return done
