"""Reports without an account, confirmed by email.

A guest's report is held as a PendingReport: nowhere public, reaching nobody. The
emailed link (valid CONFIRM_DAYS) publishes it through `submit_report`, exactly as a
signed-in resident's report; an unconfirmed one is deleted with its photos by the
worker once it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from civic.outbox import queue_email
from reports.actions import give_to_reporter, submit_report
from reports.models import PendingPhoto, PendingReport, Report
from reports.photos import ProcessedPhoto

CONFIRM_DAYS = 7


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def hold_report(*, email: str, photos=(), **fields) -> PendingReport:
    """Keep a guest's report until the email is confirmed, and send the link (outbox)."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    pending = PendingReport.objects.create(
        token_hash=_hash(token),
        email=email,
        created_at=now,
        expires_at=now + timedelta(days=CONFIRM_DAYS),
        **fields,
    )
    for order, processed in enumerate(photos):
        photo = PendingPhoto(
            pending=pending, order=order, width=processed.width, height=processed.height
        )
        photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        photo.save()
    queue_email(
        email,
        "report-confirm-email",
        {
            "pending": pending,
            "confirm_path": reverse("reports:guest-confirm", args=[token]),
            "days": CONFIRM_DAYS,
        },
    )
    return pending


def find(token: str) -> PendingReport | None:
    """The pending report a link names (confirmed or expired ones too), or None."""
    if not token or len(token) > 100:
        return None
    pending = (
        PendingReport.objects.select_related("service", "report")
        .filter(token_hash=_hash(token))
        .first()
    )
    return pending


@transaction.atomic
def confirm(pending: PendingReport) -> Report:
    """Publish the report: routed, delivered and confirmed like a signed-in one.

    Confirming twice (a double click, a second tab) returns the same report.
    """
    pending = PendingReport.objects.select_for_update().get(pk=pending.pk)
    if pending.report_id:
        return pending.report
    photos = list(pending.photos.all())
    processed = []
    for photo in photos:
        with photo.image.open("rb") as image, photo.thumbnail.open("rb") as thumb:
            processed.append(
                ProcessedPhoto(
                    image=image.read(),
                    thumbnail=thumb.read(),
                    width=photo.width,
                    height=photo.height,
                    gps=None,
                )
            )
    report = submit_report(
        service=pending.service,
        lat=pending.lat,
        lon=pending.lon,
        title=pending.title,
        description=pending.description,
        address=pending.address,
        attributes=pending.attributes,
        contact_name=pending.name,
        contact_email=pending.email,
        contact_phone=pending.phone,
        show_name=pending.show_name,
        photos=processed,
    )
    pending.report = report
    pending.confirmed_at = timezone.now()
    pending.save(update_fields=["report", "confirmed_at"])
    # The report holds its own copies now.
    transaction.on_commit(lambda: _delete_files(photos))
    for photo in photos:
        photo.delete()
    return report


def account_exists(email: str) -> bool:
    return EmailAddress.objects.filter(email__iexact=email).exists() or (
        get_user_model().objects.filter(email__iexact=email).exists()
    )


@transaction.atomic
def create_account(pending: PendingReport, password: str):
    """An account for the confirmed email (verified by the link itself), owning the report."""
    from allauth.account.utils import user_email, user_username
    from allauth.utils import generate_unique_username

    User = get_user_model()
    user = User()
    user_email(user, pending.email)
    user_username(user, generate_unique_username([pending.email, pending.name, "resident"]))
    first, _space, last = pending.name.partition(" ")
    user.first_name, user.last_name = first[:150], last[:150]
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=pending.email, verified=True, primary=True)
    report = pending.report
    if report is not None:
        give_to_reporter(report, user)
    return user


def _delete_files(photos) -> None:
    for photo in photos:
        for file in (photo.image, photo.thumbnail):
            if file.name:
                file.storage.delete(file.name)


def purge_expired(now=None) -> int:
    """Delete expired pending reports: unconfirmed ones with their photos, and the
    private details of confirmed ones (their report has everything). Worker job."""
    now = now or timezone.now()
    expired = PendingReport.objects.filter(expires_at__lte=now)
    photos = list(PendingPhoto.objects.filter(pending__in=expired))
    _delete_files(photos)
    count, _by_model = expired.delete()
    return count - len(photos)
