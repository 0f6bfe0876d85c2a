"""Getting reports to the authorities responsible, with retries.

Email deliveries are handed to the outbox (which retries on its own); Open311
deliveries are POSTed to the authority's GeoReport v2 endpoint. Either way a
failure is recorded on the row and retried later with backoff: a report is
never dropped.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civic.outbox import queue_email
from delivery.models import Delivery, UpdatePush
from open311 import client
from reports.actions import change_state
from reports.models import Authority, Contact, Report

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


def _contact(delivery: Delivery) -> Contact | None:
    return Contact.objects.filter(
        authority=delivery.authority_id, service=delivery.report.service_id
    ).first()


def send_by_email(delivery: Delivery) -> str:
    report = delivery.report
    contact = _contact(delivery)
    to = (contact.email if contact else "") or delivery.authority.email
    if not to:
        raise DeliveryError(f"{delivery.authority} has no email address for {report.service}.")
    queue_email(
        to,
        "report-to-authority",
        {
            "report": report,
            "authority": delivery.authority,
            "photos": list(report.photos.all()),
            # (question, answer) pairs: the template never reads `report.attributes`.
            "answers": report.answers(),
        },
        headers={"Reply-To": report.contact_email} if report.contact_email else None,
    )
    return ""


def send_by_open311(delivery: Delivery) -> str:
    return client.post_request(delivery.report, delivery.authority, _contact(delivery))


SENDERS = {
    Authority.SendMethod.EMAIL: send_by_email,
    Authority.SendMethod.OPEN311: send_by_open311,
}


def deliver(delivery: Delivery) -> bool:
    now = timezone.now()
    sender = SENDERS.get(delivery.method)
    try:
        if sender is None:
            raise DeliveryError(f"No way to send by {delivery.method!r}.")
        if delivery.method == Authority.SendMethod.EMAIL:
            # Queueing the email and marking the row sent happen together or not at all,
            # and only while this claim holds the (locked) row.
            with transaction.atomic():
                if not delivery.still_claimed(lock=True):
                    return False
                delivery.mark_sent(now, external_id=sender(delivery))
        else:
            # No transaction around a network call: it would hold database locks
            # for as long as the upstream takes to answer. Checked right before it.
            if not delivery.still_claimed():
                return False
            delivery.mark_sent(now, external_id=sender(delivery))
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        delivery.mark_failed(exc, now)
        notify_if_stuck(delivery, attempts=delivery.attempts + 1, error=exc)
        return False
    return True


def stuck_recipients(authority: Authority) -> list[str]:
    """Who hears of a stuck delivery: the authority's staff and the site's administrators
    (superusers and settings.ADMINS), each address once."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    staff = users.filter(groups=authority.staff_group_id) if authority.staff_group_id else []
    addresses = [u.email for u in staff]
    addresses += [u.email for u in users.filter(is_superuser=True)]
    addresses += [email for _name, email in settings.ADMINS]
    seen: dict[str, str] = {}
    for address in addresses:
        seen.setdefault(address.lower(), address)
    return sorted(seen.values(), key=str.lower)


def notify_if_stuck(delivery: Delivery, attempts: int, error: Exception) -> bool:
    """After settings.DELIVERY_STUCK_AFTER failed tries, tell the authority's staff and the
    administrators, once per delivery (retries go on). Returns True if they were told."""
    if attempts < settings.DELIVERY_STUCK_AFTER:
        return False
    with transaction.atomic():
        # Whichever worker gets here first tells them; nobody is told twice.
        told = Delivery.objects.filter(pk=delivery.pk, stuck_notified_at=None).update(
            stuck_notified_at=timezone.now()
        )
        if not told:
            return False
        context = {
            "delivery": delivery,
            "report": delivery.report,
            "authority": delivery.authority,
            "attempts": attempts,
            "error": f"{type(error).__name__}: {error}"[:500],
            "admin_path": reverse("admin:delivery_delivery_change", args=[delivery.pk]),
        }
        for address in stuck_recipients(delivery.authority):
            queue_email(address, "delivery-stuck", context)
    logger.warning("Delivery %s is stuck after %s attempts: %s", delivery.pk, attempts, error)
    return True


def deliver_due(limit: int = 50) -> int:
    """Send every due delivery (up to `limit`); returns how many succeeded."""
    done = 0
    for pk in Delivery.claim_due(limit):
        delivery = Delivery.objects.select_related("report__service", "authority").get(pk=pk)
        done += deliver(delivery)
    return done


def fetch_upstream_updates(batch: int = 50) -> int:
    """Bring status changes made in the authorities' own Open311 systems into our timelines.

    Asks each Open311 authority for the requests we sent it that are still open
    here; a closed status there closes the report here, and new status notes
    become official timeline entries. Returns the number of entries added.
    """
    added = 0
    authorities = Authority.objects.filter(
        is_active=True, send_method=Authority.SendMethod.OPEN311
    ).exclude(endpoint="")
    for authority in authorities:
        sent = dict(
            Delivery.objects.filter(
                authority=authority,
                state=Delivery.State.SENT,
                report__state__in=Report.OPEN_STATES,
            )
            .exclude(external_id="")
            .values_list("external_id", "report_id")
        )
        ids = list(sent)
        for start in range(0, len(ids), batch):
            try:
                items = client.get_requests(authority, ids[start : start + batch])
            except client.UpstreamError as exc:
                logger.warning("fetching updates from %s failed: %s", authority, exc)
                break
            for item in items:
                if str(item.get("service_request_id")) in sent:
                    added += apply_upstream(sent[str(item["service_request_id"])], item)
    return added


def apply_upstream(report_id: int, item: dict) -> int:
    """One request as the back end has it now, onto its report here: closed there closes
    it, open there reopens it, a new note becomes the authority's official entry.
    1 if the timeline gained an entry."""
    status = item.get("status")
    notes = (item.get("status_notes") or "").strip()
    digest = hashlib.sha1(notes.encode()).hexdigest()[:12]
    marker = f"upstream:{status}:{item.get('updated_datetime') or ''}:{digest}"[:120]
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("authority")
            .get(pk=report_id)
        )
        if report.updates.filter(external_id=marker).exists():
            return 0
        if status == "closed" and report.is_open:
            state = Report.State.FIXED
        elif status == "open" and not report.is_open:
            state = Report.State.SUBMITTED
        elif (
            notes
            and notes != report.updates.exclude(note="").values_list("note", flat=True).last()
            and notes not in _pushed_notes(report_id)
        ):
            state = report.state
        else:
            return 0
        # The authority's own system speaks for the authority: official, by no one here.
        change_state(report, state, note=notes, is_official=True, external_id=marker)
    return 1


def _pushed_notes(report_id: int) -> set[str]:
    """What this site sent as updates on the report (residents' comments): the back end
    shows them as its latest notes, and they must not come back as the authority's word."""
    sent = UpdatePush.objects.filter(report_id=report_id, state=UpdatePush.State.SENT)
    return {body.strip() for body in sent.values_list("comment__body", flat=True)}
