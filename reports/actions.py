"""Operations that span several models. Every entry point (web form, Open311 POST,
demo seeder) submits reports through `submit_report`."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.outbox import queue_email
from discussions.models import Follow, Thread
from reports import routing
from reports.models import ApiKey, Delivery, Photo, Report, ReportUpdate, Service
from reports.photos import ProcessedPhoto


@transaction.atomic
def submit_report(
    *,
    service: Service,
    lat: float | None,
    lon: float | None,
    title: str,
    description: str = "",
    address: str = "",
    address_id: str = "",
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
    thread = _new_thread(
        title=title, reporter=reporter, lat=lat, lon=lon, address=address, authority=primary, at=now
    )
    thread.save()
    report = Report(
        service=service,
        title=title,
        description=description,
        lat=lat,
        lon=lon,
        address=address,
        address_id=address_id,
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
    report.save()
    # The thread links back to its report's page (discussions knows no reports).
    thread.url = report.get_absolute_url()
    thread.save(update_fields=["url"])
    for order, processed in enumerate(photos):
        photo = Photo(report=report, order=order, width=processed.width, height=processed.height)
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


def _new_thread(*, title, reporter, lat, lon, address, authority, at) -> Thread:
    return Thread(
        kind=Thread.Kind.REPORT,
        title=title,
        author=reporter,
        lat=lat,
        lon=lon,
        address=address,
        official_group_id=authority.staff_group_id if authority else None,
        created_at=at,
        last_activity_at=at,
    )


def _new_deliveries(report: Report, authorities, at, sent: bool = False) -> list[Delivery]:
    return [
        Delivery(
            report=report,
            authority=authority,
            method=authority.send_method,
            next_attempt_at=at,
            state=Delivery.State.SENT if sent else Delivery.State.PENDING,
            sent_at=at if sent else None,
        )
        for authority in authorities
        if authority.send_method != authority.SendMethod.NONE
    ]


def bulk_import_reports(rows: Sequence[dict], *, source: str = Report.Source.IMPORT) -> int:
    """Import many historical reports at once (demo data, migrations from another system).

    Each row holds `service`, `lat`, `lon`, `title`, `requested_at` and optionally
    `description`, `address`, `attributes`, `reporter`, `state`, `updated_at`.
    The rows get what `submit_report` gives a report (thread, routing, timeline,
    the reporter's follow) with bulk inserts; their deliveries count as already
    sent and no email is queued, since they are history, not news.
    """
    candidates: dict[int, list] = {}
    threads, reports = [], []
    for row in rows:
        service = row["service"]
        if service.pk not in candidates:
            candidates[service.pk] = routing.candidates(service)
        authorities = routing.route(service, row["lat"], row["lon"], candidates[service.pk])
        primary = authorities[0] if authorities else None
        at = row["requested_at"]
        threads.append(
            _new_thread(
                title=row["title"],
                reporter=row.get("reporter"),
                lat=row["lat"],
                lon=row["lon"],
                address=row.get("address", ""),
                authority=primary,
                at=at,
            )
        )
        state = row.get("state", Report.State.SUBMITTED)
        updated = row.get("updated_at", at)
        reports.append(
            (
                Report(
                    service=service,
                    title=row["title"],
                    description=row.get("description", ""),
                    lat=row["lat"],
                    lon=row["lon"],
                    address=row.get("address", ""),
                    attributes=row.get("attributes", {}),
                    reporter=row.get("reporter"),
                    contact_email=row["reporter"].email if row.get("reporter") else "",
                    show_name=row.get("show_name", False),
                    state=state,
                    authority=primary,
                    source=source,
                    requested_at=at,
                    updated_at=updated,
                    acknowledged_at=updated if state != Report.State.SUBMITTED else None,
                    closed_at=updated if state in Report.CLOSED_STATES else None,
                ),
                authorities,
            )
        )
    Thread.objects.bulk_create(threads)
    for thread, (report, _authorities) in zip(threads, reports, strict=True):
        report.thread = thread
    Report.objects.bulk_create([report for report, _a in reports])
    # One UPDATE sets every thread's link to its report's page.
    before, after = reverse("reports:detail", args=[987654321]).split("987654321")
    report_pk = Report.objects.filter(thread=OuterRef("pk")).values("pk")[:1]
    Thread.objects.filter(pk__in=[t.pk for t in threads]).update(
        url=Concat(Value(before), Cast(Subquery(report_pk), CharField()), Value(after))
    )
    updates, deliveries, follows = [], [], []
    for report, authorities in reports:
        updates.append(
            ReportUpdate(
                report=report,
                author=report.reporter,
                state=Report.State.SUBMITTED,
                created_at=report.requested_at,
            )
        )
        if report.state != Report.State.SUBMITTED:
            updates.append(
                ReportUpdate(
                    report=report,
                    state=report.state,
                    is_official=True,
                    created_at=report.updated_at,
                )
            )
        deliveries.extend(_new_deliveries(report, authorities, report.requested_at, sent=True))
        if report.reporter_id:
            follows.append(Follow(thread_id=report.thread_id, user_id=report.reporter_id))
    ReportUpdate.objects.bulk_create(updates)
    Delivery.objects.bulk_create(deliveries)
    Follow.objects.bulk_create(follows, ignore_conflicts=True)
    return len(reports)


@transaction.atomic
def place_report(report: Report, *, lat: float, lon: float, by=None) -> Report:
    """Give a report whose location was to be confirmed its point (staff, from its page).

    The report and its thread get the point, and the timeline says who placed it.
    """
    report = Report.objects.select_for_update().get(pk=report.pk)
    now = timezone.now()
    report.lat, report.lon, report.updated_at = lat, lon, now
    report.save(update_fields=["lat", "lon", "updated_at"])
    if report.thread_id:
        Thread.objects.filter(pk=report.thread_id).update(lat=lat, lon=lon)
    ReportUpdate.objects.create(
        report=report,
        author=by,
        note=str(_("The location is confirmed: the report is on the map now.")),
        is_official=bool(by and report.authority and report.authority.has_staff(by)),
        created_at=now,
    )
    return report
