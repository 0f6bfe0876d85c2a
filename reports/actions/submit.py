"""A new report, from every entry point (web form, Open311 POST, guest confirmation,
demo seeder), and history imported at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from civic import privacy, rows, tasks, versions
from civic.outbox import queue_email
from discussions.models import Follow, Thread
from reports import events, routing
from reports.actions.common import _put_files
from reports.deadlines import target_for
from reports.models import Authority, Photo, Report, ReportUpdate, Service
from reports.photos import ProcessedPhoto

SUBMITTED_TASK = "reports.submitted"


def submit_report(**arguments) -> Report:
    """Create a report with everything it owns, in one transaction (`prepare_report`
    tells what it is given and written)."""
    return prepare_report(**arguments).create()


@dataclass(frozen=True)
class NewReport:
    """A report read, routed and built, to be written by `create` (see `prepare_report`)."""

    thread: Thread
    report: Report  # its thread set when both are written
    masked: dict
    photos: Sequence[ProcessedPhoto]
    authorities: list[Authority]
    notify: bool

    def create(self) -> Report:
        """Write it: in the caller's transaction when there is one, which may count
        the report against a rate limit first (one write, not two)."""
        with transaction.atomic(savepoint=False):
            return _create(self)


def prepare_report(
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
    api_key=None,  # the open311.ApiKey it came through
    device_id: str = "",
    account_id: str = "",
    media_url: str = "",
    requested_at=None,
    notify: bool = True,
) -> NewReport:
    """What it takes to create a report with everything it owns, in one transaction.

    The report, its photos, its discussion thread (followed by the reporter), the
    first timeline entry and the task that announces it (one delivery per authority
    that routing picked, its webhooks' events, the confirmation email: the worker
    writes them, `announce_submitted`) are all written together: after commit,
    nothing else is needed for the report to be safe. Masking, routing and building
    the rows happen here, before the transaction, which then holds the write lock
    only for the writes.
    """
    now = requested_at or timezone.now()
    # Personal data typed into the public text is hidden there and kept for staff (the
    # web forms warned the author first; the Open311 API cannot ask).
    masked = {"title": privacy.mask(title), "description": privacy.mask(description)}
    title, description = masked["title"].text, masked["description"].text
    if reporter is not None:
        contact_email = contact_email or reporter.email
        contact_name = contact_name or reporter.get_full_name()
    authorities = routing.route(service, lat, lon)
    primary = authorities[0] if authorities else None
    thread = _new_thread(
        title=title, reporter=reporter, lat=lat, lon=lon, address=address, authority=primary, at=now
    )
    thread.author_is_anonymous = not show_name
    report = Report(
        **_plain_fields(locals()),
        attributes=attributes or {},
        authority=primary,
        requested_at=now,
        updated_at=now,
        target_at=target_for(service, now),
    )
    return NewReport(
        thread, report, masked, photos, authorities, notify=bool(notify and contact_email)
    )


def _create(new: NewReport) -> Report:
    thread, report = new.thread, new.report
    reporter, now = report.reporter, report.requested_at
    rows.insert(thread)
    report.thread = thread
    rows.insert(report)
    privacy.keep(report, new.masked, new=True)
    # Cached lists, maps and API answers; no other report's page shows it, and its own
    # page was never kept before it existed.
    versions.bump(versions.REPORTS, new_thread=True)
    # The thread's page is derived from its owner (discussions knows no reports).
    thread.owner_id = report.pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Thread._meta.db_table} SET owner_id = %s WHERE id = %s",
            [report.pk, thread.pk],
        )
    _save_photos(report, new.photos)
    first = rows.insert(
        ReportUpdate(report=report, author=reporter, state=Report.State.SUBMITTED, created_at=now)
    )
    if reporter is not None:
        rows.insert(Follow(thread=thread, user=reporter, created_at=now))
    tasks.defer(
        SUBMITTED_TASK,
        report_id=report.pk,
        update_id=first.pk,
        authority_ids=[authority.pk for authority in new.authorities],
        notify=new.notify,
    )
    return report


def announce_submitted(
    *, report_id: int, update_id: int, authority_ids: list[int], notify: bool
) -> None:
    """The task of a new report: its deliveries to the authorities routing picked and
    its webhooks' events (delivery/, through `events`), and its confirmation email."""
    report = Report.objects.select_related("service", "authority").filter(pk=report_id).first()
    if report is None:
        return  # deleted meanwhile (a guest report that expired, say)
    found = Authority.objects.in_bulk(authority_ids)
    authorities = [found[pk] for pk in authority_ids if pk in found]
    update = ReportUpdate.objects.get(pk=update_id)
    events.publish(events.SUBMITTED, report=report, update=update, authorities=authorities)
    if notify and report.contact_email:
        queue_email(
            report.contact_email,
            "report-confirmation",
            {"report": report, "authorities": authorities},
        )


tasks.register(SUBMITTED_TASK, announce_submitted)


# The arguments of `submit_report` stored on the report as they are given.
PLAIN_FIELDS = (
    "service",
    "title",
    "description",
    "lat",
    "lon",
    "address",
    "address_id",
    "reporter",
    "contact_name",
    "contact_email",
    "contact_phone",
    "show_name",
    "source",
    "api_key",
    "device_id",
    "account_id",
    "media_url",
)


def _plain_fields(arguments: dict) -> dict:
    return {name: arguments[name] for name in PLAIN_FIELDS}


def _save_photos(report: Report, photos: Sequence[ProcessedPhoto]) -> None:
    for order, processed in enumerate(photos):
        photo = Photo(report=report, order=order)
        _put_files(photo, processed)
        photo.save()


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


def bulk_import_reports(
    rows: Sequence[dict], *, source: str = Report.Source.IMPORT
) -> list[Report]:
    """Import many reports made elsewhere at once (demo data, migrations from another
    system, requests made in an authority's own Open311 system); the new reports.

    Each row holds `service`, `lat`, `lon`, `title`, `requested_at` and optionally
    `description`, `address`, `attributes`, `reporter`, `state`, `updated_at`,
    `media_url`, and `authorities` (who has it already: routing is not asked).
    The rows get what `submit_report` gives a report (thread, routing, timeline,
    the reporter's follow) with bulk inserts; their deliveries count as already
    sent and no email is queued, since they are history, not news.
    """
    candidates: dict[int, list] = {}
    threads, reports = [], []
    for row in rows:
        service = row["service"]
        authorities = row.get("authorities")
        if authorities is None:
            if service.pk not in candidates:
                candidates[service.pk] = routing.candidates(service)
            authorities = routing.route(service, row["lat"], row["lon"], candidates[service.pk])
        primary = authorities[0] if authorities else None
        at = row["requested_at"]
        thread = _new_thread(
            title=row["title"],
            reporter=row.get("reporter"),
            lat=row["lat"],
            lon=row["lon"],
            address=row.get("address", ""),
            authority=primary,
            at=at,
        )
        thread.author_is_anonymous = not row.get("show_name", False)
        threads.append(thread)
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
                    media_url=row.get("media_url", ""),
                    attributes=row.get("attributes", {}),
                    reporter=row.get("reporter"),
                    contact_email=row["reporter"].email if row.get("reporter") else "",
                    show_name=row.get("show_name", False),
                    state=state,
                    authority=primary,
                    source=source,
                    requested_at=at,
                    updated_at=updated,
                    target_at=target_for(service, at),
                    acknowledged_at=updated if state != Report.State.SUBMITTED else None,
                    closed_at=updated if state in Report.CLOSED_STATES else None,
                ),
                authorities,
            )
        )
    Thread.objects.bulk_create(threads)
    _link_imported(threads, reports)
    events.publish(events.IMPORTED, routed=reports)
    return [report for report, _authorities in reports]


def _link_imported(threads: list[Thread], reports: list[tuple[Report, list]]) -> None:
    """The imported reports with their threads, timelines and reporters' follows."""
    for thread, (report, _authorities) in zip(threads, reports, strict=True):
        report.thread = thread
    Report.objects.bulk_create([report for report, _a in reports])
    versions.bump(versions.REPORTS)
    # One UPDATE links every thread to its owner, the report.
    report_pk = Report.objects.filter(thread=OuterRef("pk")).values("pk")[:1]
    Thread.objects.filter(pk__in=[t.pk for t in threads]).update(owner_id=Subquery(report_pk))
    updates, follows = [], []
    for report, _authorities in reports:
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
        if report.reporter_id:
            follows.append(Follow(thread_id=report.thread_id, user_id=report.reporter_id))
    ReportUpdate.objects.bulk_create(updates)
    Follow.objects.bulk_create(follows, ignore_conflicts=True)


@transaction.atomic
def give_to_reporter(report: Report, user) -> bool:
    """A guest's confirmed report becomes their account's (made from the link): theirs on
    their page, and its discussion followed. False when it already has a reporter."""
    if not Report.objects.filter(pk=report.pk, reporter=None).update(reporter=user):
        return False
    report.reporter = user
    if report.thread_id:
        Follow.objects.get_or_create(thread_id=report.thread_id, user=user)
    versions.bump(versions.REPORTS, thread=report.thread_id)
    return True
