"""Federation with an authority's own Open311 back end, beyond sending it reports.

Each part is switched on per authority (its Open311 settings) and run by the worker:

- categories (`sync_services`): the back end's services.json and each service's
  definition become the authority's categories and their questions. A service the
  back end drops is retired from the form; it is deleted only if no report has it.
- requests made elsewhere (`import_requests`): the back end's requests changed since
  the last run (`updated_after`, paged) that Civic did not send there appear on the
  map and lists, marked as made in the authority's own system, and their later
  status changes follow. What Civic sent is known by the id the back end gave it
  (the delivery's upstream id), so it is never imported back.
- residents' comments (`push_updates`): each public comment on a report the back end
  has goes there as a servicerequestupdate (mySociety's extension), from the moment
  the switch was turned on; reopenings go the same way (`reopen_notices`).

Every run records how it went on its `UpstreamSync` row (staff see them in the
admin); a failing run is retried with backoff and never loses its place.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils import timezone
from django.utils.text import slugify

from civic import privacy, versions
from civic.models import backoff
from delivery.models import Delivery, UpdatePush, UpstreamSync
from delivery.sending import apply_upstream
from discussions.models import Comment, Thread
from open311 import client
from open311.forms import parse_w3c
from reports.actions import bulk_import_reports
from reports.models import Authority, Contact, Report, Service, ServiceAttribute

logger = logging.getLogger(__name__)

# Requests are read this many at a time (GeoReport servers cap pages near 100).
IMPORT_PAGE_SIZE = 100
IMPORT_MAX_PAGES = 50
# Read again from a little before the last run: a request updated while the last page
# was read is not missed (importing is idempotent).
IMPORT_OVERLAP = timedelta(minutes=5)
# The first import reaches back this far.
FIRST_IMPORT = timedelta(days=30)
# A comment is sent once it is this old: one still in its writer's transaction (a
# lower id committed later) is not passed by the cursor.
PUSH_SETTLE = timedelta(seconds=30)


def _federating(flag: str):
    return Authority.objects.filter(
        is_active=True, send_method=Authority.SendMethod.OPEN311, **{flag: True}
    ).exclude(endpoint="")


def _run(authority: Authority, kind: str, work) -> str | None:
    """Run `work(authority, sync)` if the row is due; record the outcome on the row."""
    sync, _created = UpstreamSync.objects.get_or_create(authority=authority, kind=kind)
    now = timezone.now()
    if sync.next_attempt_at > now:
        return None
    try:
        summary = work(authority, sync)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
        attempts = sync.attempts + 1
        UpstreamSync.objects.filter(pk=sync.pk).update(
            attempts=attempts,
            next_attempt_at=now + backoff(attempts),
            last_run_at=now,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        logger.warning("%s failed (attempt %s): %s", sync, attempts, exc)
        return None
    UpstreamSync.objects.filter(pk=sync.pk).update(
        attempts=0,
        next_attempt_at=now,
        last_run_at=now,
        last_success_at=now,
        last_error="",
        summary=summary[:255],
        cursor_at=sync.cursor_at,
        cursor_id=sync.cursor_id,
    )
    return summary


def _each(flag: str, kind: str, work) -> int:
    return sum(_run(authority, kind, work) is not None for authority in _federating(flag))


# Categories


def sync_all_services() -> int:
    """Every federating authority's categories in step with its back end; how many ran."""
    return _each("sync_services", UpstreamSync.Kind.SERVICES, sync_services)


def sync_services(authority: Authority, sync: UpstreamSync) -> str:
    upstream = client.get_services(authority)
    counts: Counter = Counter()
    seen = set()
    for item in upstream:
        code = str(item.get("service_code") or "").strip()
        if not code or code in seen:
            continue
        seen.add(code)
        metadata = str(item.get("metadata", "")).lower() == "true"
        # Read before the transaction: no lock is held while the back end answers.
        attributes = client.get_service_definition(authority, code) if metadata else []
        with transaction.atomic():
            counts[_apply_service(authority, code, item, attributes)] += 1
    with transaction.atomic():
        counts.update(_retire_dropped(authority, seen))
    versions.bump(versions.SERVICES)
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "no services"


def _apply_service(authority: Authority, code: str, item: dict, attributes: list[dict]) -> str:
    outcome = "kept"
    service = _service_for(authority, code)
    if service is None:
        # New here: the back end defines it.
        service = Service(code=slugify(code)[:64] or "service", upstream_authority=authority)
        outcome = "added"
    if service.upstream_authority_id == authority.pk:
        was_retired = service.pk is not None and not service.is_active
        service.name = str(item.get("service_name") or code)[:120]
        service.description = str(item.get("description") or "")
        service.group = str(item.get("group") or "")[:120]
        keywords = item.get("keywords") or ""
        if isinstance(keywords, list):
            keywords = ", ".join(str(word) for word in keywords)
        service.keywords = str(keywords)[:255]
        kind = str(item.get("type") or "realtime").lower()
        service.type = kind if kind in Service.Type.values else Service.Type.REALTIME
        service.is_active = True
        service.save()
        _apply_attributes(service, attributes)
        if outcome == "kept":
            outcome = "brought back" if was_retired else "updated"
    # The routing table: this authority takes the service's reports, under the back
    # end's code.
    Contact.objects.update_or_create(
        authority=authority, service=service, defaults={"upstream_service_code": code}
    )
    return outcome


def _apply_attributes(service: Service, attributes: list[dict]) -> None:
    """The service's questions as the back end defines them (by code; others removed:
    a report keeps its answers, which are stored on it)."""
    codes = []
    for position, item in enumerate(attributes):
        code = slugify(str(item.get("code") or ""))[:64]
        datatype = str(item.get("datatype") or "string").lower()
        if not code or code in codes or datatype not in ServiceAttribute.Datatype.values:
            continue
        codes.append(code)
        values = [
            {"key": str(v.get("key", "")), "name": str(v.get("name", v.get("key", "")))}
            for v in item.get("values") or []
            if isinstance(v, dict)
        ]
        ServiceAttribute.objects.update_or_create(
            service=service,
            code=code,
            defaults={
                "datatype": datatype,
                "required": str(item.get("required", "")).lower() == "true",
                "variable": str(item.get("variable", "true")).lower() != "false",
                "order": _int(item.get("order"), position),
                "description": str(item.get("description") or code)[:255],
                "datatype_description": str(item.get("datatype_description") or "")[:255],
                "values": values,
            },
        )
    service.attributes.exclude(code__in=codes).delete()


def _int(value, default: int) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return default


def _retire_dropped(authority: Authority, seen: set[str]) -> Counter:
    """The back end no longer offers them: off the form; deleted only when unused."""
    counts: Counter = Counter()
    dropped = Service.objects.filter(upstream_authority=authority, is_active=True).exclude(
        contacts__authority=authority, contacts__upstream_service_code__in=seen
    )
    for service in dropped:
        if not service.reports.exists():
            try:
                with transaction.atomic():
                    service.delete()
                counts["deleted"] += 1
                continue
            except ProtectedError:  # a guest's report waiting for confirmation, say
                pass
        Service.objects.filter(pk=service.pk).update(is_active=False)
        counts["retired"] += 1
    return counts


# Requests made in the back end


def import_all_requests() -> int:
    return _each("import_requests", UpstreamSync.Kind.REQUESTS, import_requests)


def import_requests(authority: Authority, sync: UpstreamSync) -> str:
    now = timezone.now()
    since = sync.cursor_at - IMPORT_OVERLAP if sync.cursor_at else now - FIRST_IMPORT
    newest = sync.cursor_at
    counts: Counter = Counter()
    for page in range(1, IMPORT_MAX_PAGES + 1):
        items = client.get_requests_updated(authority, since, page=page, page_size=IMPORT_PAGE_SIZE)
        for item in items:
            counts[_import_one(authority, item)] += 1
            updated = _moment(item.get("updated_datetime"))
            if updated is not None and updated <= now and (newest is None or updated > newest):
                newest = updated
        if len(items) < IMPORT_PAGE_SIZE:
            break
    # Never ahead of this run's start: what changes while it reads is read next time.
    sync.cursor_at = newest or now
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing new"


def _moment(value):
    if not value:
        return None
    try:
        return parse_w3c(str(value), naive_ok=True)
    except ValidationError:  # a date the back end wrote badly is no date
        return None


def _float(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if -180 <= number <= 180 else None


def _import_one(authority: Authority, item: dict) -> str:
    external_id = str(item.get("service_request_id") or "").strip()[:120]
    if not external_id:
        return "skipped (no id)"
    known = (
        Delivery.objects.filter(authority=authority, external_id=external_id)
        .select_related("report")
        .first()
    )
    if known is not None:
        if known.report.source != Report.Source.UPSTREAM:
            return "sent from here"  # its status comes back with the deliveries' poll
        return "updated" if apply_upstream(known.report_id, item) else "unchanged"
    service = _service_for(authority, str(item.get("service_code") or ""))
    if service is None:
        return "skipped (unknown category)"
    with transaction.atomic():
        report = _create_imported(authority, service, external_id, item)
    apply_upstream(report.pk, item)
    return "imported"


def _service_for(authority: Authority, code: str) -> Service | None:
    """This site's category for the back end's service `code`: the one its contact maps
    to that code, else the one of the same code."""
    contact = (
        Contact.objects.select_related("service")
        .filter(authority=authority, upstream_service_code=code)
        .first()
    )
    if contact is not None:
        return contact.service
    return Service.objects.filter(code=slugify(code)[:64]).first() if code else None


def _create_imported(authority: Authority, service: Service, external_id: str, item: dict):
    lat, lon = _float(item.get("lat")), _float(item.get("long"))
    if lat is None or lon is None or not -90 <= lat <= 90:
        lat = lon = None
    described = privacy.mask(str(item.get("description") or "").strip())
    first_line = described.text.split("\n", 1)[0].strip()
    title = (first_line[:117] + "…") if len(first_line) > 120 else first_line
    at = _moment(item.get("requested_datetime")) or timezone.now()
    extended = item.get("extended_attributes")
    state = extended.get("state") if isinstance(extended, dict) else None
    if state not in Report.State.values:
        state = Report.State.SUBMITTED
    if (item.get("status") == "closed") != (state in Report.CLOSED_STATES):
        state = Report.State.FIXED if item.get("status") == "closed" else Report.State.SUBMITTED
    media = str(item.get("media_url") or "")
    (report,) = bulk_import_reports(
        [
            {
                "service": service,
                "lat": lat,
                "lon": lon,
                "title": title or service.name,
                "description": described.text,
                "address": str(item.get("address") or "")[:255],
                "media_url": media[:500] if media.startswith(("https://", "http://")) else "",
                "requested_at": at,
                "updated_at": _moment(item.get("updated_datetime")) or at,
                "state": state,
                "authorities": [authority],
            }
        ],
        source=Report.Source.UPSTREAM,
    )
    if described.kinds:
        privacy.keep(report, {"description": described}, new=True)
    # Known by the back end's id from now on: its changes follow, it is never imported twice.
    Delivery.objects.filter(report=report, authority=authority).update(external_id=external_id)
    return report


# Residents' comments to the back end


def push_all_updates() -> int:
    """Queue the new public comments of each federating authority's reports, then send
    every due one; how many went."""
    _each("push_updates", UpstreamSync.Kind.UPDATES, queue_update_pushes)
    return send_update_pushes()


def queue_update_pushes(authority: Authority, sync: UpstreamSync) -> str:
    settled = Comment.objects.filter(created_at__lte=timezone.now() - PUSH_SETTLE)
    upto = settled.aggregate(last=Max("pk"))["last"] or 0
    if not sync.cursor_id and not sync.last_success_at:
        # Switched on now: from here on, not the whole history.
        sync.cursor_id = upto
        return f"from comment {upto} on"
    if upto <= sync.cursor_id:
        return "nothing new"
    comments = (
        Comment.objects.filter(
            pk__gt=sync.cursor_id,
            pk__lte=upto,
            thread__kind=Thread.Kind.REPORT,
            is_hidden=False,
            is_deleted=False,
            is_official=False,
            thread__report__deliveries__authority=authority,
            thread__report__deliveries__state=Delivery.State.SENT,
            thread__report__deliveries__method=Authority.SendMethod.OPEN311,
        )
        .exclude(thread__report__deliveries__external_id="")
        .values_list("pk", "thread__report", "created_at")
    )
    pushes = [
        UpdatePush(
            comment_id=pk,
            report_id=report_id,
            authority=authority,
            next_attempt_at=created,
            created_at=created,
        )
        for pk, report_id, created in comments
    ]
    with transaction.atomic():
        UpdatePush.objects.bulk_create(pushes, ignore_conflicts=True)
        sync.cursor_id = upto
    return f"{len(pushes)} queued"


def send_update_pushes(limit: int = 50) -> int:
    done = 0
    for pk in UpdatePush.claim_due(limit):
        push = UpdatePush.objects.select_related("comment", "report", "authority").get(pk=pk)
        now = timezone.now()
        try:
            if not push.still_claimed():
                continue
            comment, report = push.comment, push.report
            if comment.is_hidden or comment.is_deleted:
                # Taken down before it went: it never leaves.
                UpdatePush.objects.filter(pk=push.pk).update(
                    state=UpdatePush.State.DROPPED, claimed_at=None, claim_token=""
                )
                continue
            delivery = (
                Delivery.objects.filter(
                    report=report, authority=push.authority, state=Delivery.State.SENT
                )
                .exclude(external_id="")
                .first()
            )
            if delivery is None:
                raise client.UpstreamError(f"{push.authority} has no request for {report}.")
            external = client.post_update(
                push.authority,
                delivery.external_id,
                update_id=f"civic-comment-{comment.pk}",
                description=comment.body,
                status="OPEN" if report.is_open else "CLOSED",
                at=comment.created_at,
            )
            push.mark_sent(now, external_id=external)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            push.mark_failed(exc, now)
            continue
        done += 1
    return done
