"""Operations that span several models. Every entry point (web form, Open311 POST,
demo seeder) submits reports through `submit_report`."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from civic.outbox import queue_email
from discussions.models import Follow, Thread
from reports import routing
from reports.models import ApiKey, Delivery, Photo, Report, ReportUpdate, Service
from reports.photos import ProcessedPhoto


@transaction.atomic
def submit_report(
    *,
    service: Service,
    lat: float,
    lon: float,
    title: str,
    description: str = "",
    address: str = "",
    attributes: dict | None = None,
    reporter=None,
    contact_name: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    show_name: bool = False,
    photos: Sequence[ProcessedPhoto] = (),
    source: str = Report.Source.WEB,
    api_key: ApiKey | None = None,
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    requested_at=None,
    notify: bool = True,
) -> Report:
    """Create a report with everything it owns, in one transaction.

    The report, its photos, its discussion thread (followed by the reporter),
    one delivery per authority that routing picks, the first timeline entry and
    the confirmation email are all written together: after commit, nothing
    else is needed for the report to be safe.
    """
    now = requested_at or timezone.now()
    if reporter is not None:
        contact_email = contact_email or reporter.email
        contact_name = contact_name or reporter.get_full_name()
    authorities = routing.route(service, lat, lon)
    primary = authorities[0] if authorities else None

    thread = Thread.objects.create(
        kind=Thread.Kind.REPORT,
        title=title,
        author=reporter,
        lat=lat,
        lon=lon,
        address=address,
        official_group_id=primary.staff_group_id if primary else None,
        created_at=now,
        last_activity_at=now,
    )
    report = Report.objects.create(
        service=service,
        title=title,
        description=description,
        lat=lat,
        lon=lon,
        address=address,
        attributes=attributes or {},
        reporter=reporter,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        show_name=show_name,
        authority=primary,
        source=source,
        api_key=api_key,
        device_id=device_id,
        account_id=account_id,
        media_url=media_url,
        requested_at=now,
        updated_at=now,
        thread=thread,
    )
    for order, processed in enumerate(photos):
        photo = Photo(report=report, order=order)
        photo.image.save("photo.jpg", ContentFile(processed.image), save=False)
        photo.thumbnail.save("thumb.jpg", ContentFile(processed.thumbnail), save=False)
        photo.save()
    Delivery.objects.bulk_create(
        Delivery(
            report=report, authority=authority, method=authority.send_method, next_attempt_at=now
        )
        for authority in authorities
        if authority.send_method != authority.SendMethod.NONE
    )
    ReportUpdate.objects.create(
        report=report, author=reporter, state=Report.State.SUBMITTED, created_at=now
    )
    if reporter is not None:
        Follow.objects.create(thread=thread, user=reporter, created_at=now)
    if notify and contact_email:
        queue_email(
            contact_email,
            "report-confirmation",
            {"report": report, "authorities": authorities},
        )
    return report
