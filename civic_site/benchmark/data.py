"""The benchmark's data set, built in the database that settings point at.

It tops the demo city up to N reports over 20 services, gives the newest report a
long thread with replies, and writes what the load runs need (ids, an API key, a
signed-in session) to `bench.json` in the data folder.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models.functions import Mod
from django.test import Client
from django.urls import reverse
from tqdm import tqdm

from accountability import stats
from civic.models import Profile
from discussions.actions import post_comment
from discussions.models import Follow, Thread
from discussions.queries import poll_url
from open311.models import ApiKey
from reports.models import Authority, Contact, Report, Service

EXTRA_SERVICES = [
    ("litter-bin", "Overflowing litter bin", "Streets"),
    ("abandoned-vehicle", "Abandoned vehicle", "Streets"),
    ("dog-fouling", "Dog fouling", "Streets"),
    ("overgrown-hedge", "Overgrown hedge", "Parks"),
    ("damaged-bench", "Damaged bench", "Parks"),
    ("broken-sign", "Broken road sign", "Roads"),
    ("road-marking", "Faded road marking", "Roads"),
    ("icy-path", "Icy path", "Roads"),
    ("dead-animal", "Dead animal", "Streets"),
    ("bus-shelter", "Damaged bus shelter", "Streets"),
    ("flooding", "Flooding", "Drainage"),
    ("tree-hazard", "Dangerous tree", "Parks"),
]


def _extra_services() -> list[Service]:
    councils = list(Authority.objects.exclude(slug="riverside-water"))
    services = []
    for order, (code, name, group) in enumerate(EXTRA_SERVICES, start=100):
        service, _created = Service.objects.get_or_create(
            code=code, defaults={"name": name, "group": group, "order": order}
        )
        for authority in councils:
            Contact.objects.get_or_create(
                authority=authority,
                service=service,
                defaults={"email": f"{code}@{authority.slug}.example.org"},
            )
        services.append(service)
    return services


def _spread_over_services(services: list[Service]) -> None:
    """Move a share of the seeded reports to the extra services (20 in all)."""
    total = Service.objects.count()
    for i, service in enumerate(services):
        # Reports whose id falls in this service's residue class move to it.
        Report.objects.annotate(residue=Mod("id", total)).filter(
            residue=total - len(services) + i
        ).update(service=service)


def _long_thread(report: Report, count: int) -> None:
    users = list(get_user_model().objects.filter(is_staff=False).order_by("pk")[:8])
    existing = report.thread.comments.count()
    parent = None
    for i in tqdm(range(existing, count), desc="Long thread", unit="comment", disable=None):
        # Every fifth comment starts a branch; the others reply in it.
        reply_to = None if i % 5 == 0 or parent is None else parent
        comment = post_comment(
            report.thread, users[i % len(users)], f"Comment {i}: *still* there.", reply_to=reply_to
        )
        parent = comment if i % 5 == 0 else parent


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _fast_writes() -> None:
    """Bench data can be rebuilt, so its writes need not survive a power cut: no fsync,
    and a large page cache for the index inserts (1,000,000 reports in minutes, not hours)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-262144")  # KiB: 256 MB


# Above this size the data set is the seeded one copied in SQL, not seeded further.
SEEDED_AT_MOST = 100_000


def _copy_rows(model, where: str, changes: dict[str, str], *, new_ids: bool = True) -> int:
    """INSERT … SELECT a copy of `model`'s rows matching `where`, with `changes`
    (column → SQL expression over the source row); ids are new unless `changes` sets
    them."""
    quote = connection.ops.quote_name
    columns = [
        f.column
        for f in model._meta.concrete_fields
        if not (f.primary_key and new_ids and f.column not in changes)
    ]
    values = [changes.get(column, quote(column)) for column in columns]
    table = quote(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(map(quote, columns))}) "
            f"SELECT {', '.join(values)} FROM {table} WHERE {where}"
        )
        return cursor.rowcount


def _top_up_by_copies(target: int) -> None:
    """Grow the seeded reports to `target` with copies made in SQL (a minute for
    900,000, where seeding them one by one through the ORM would take most of an hour).
    A copy keeps its source's service, authority, texts, answers, state, history and
    deliveries; it stands up to about 100 m away, its thread has no comments yet, and
    it has a token, an id and a thread of its own."""
    from delivery.models import Delivery
    from reports.models import ReportUpdate

    seeded = list(Report.objects.order_by("pk").values_list("pk", flat=True)[:SEEDED_AT_MOST])
    round_no = 0
    with tqdm(total=target, initial=Report.objects.count(), desc="Copies", unit="report") as bar:
        while (have := Report.objects.count()) < target:
            round_no += 1
            count = min(target - have, len(seeded))
            upto = seeded[count - 1]
            report_shift = Report.objects.order_by("-pk").values_list("pk", flat=True)[0]
            thread_shift = Thread.objects.order_by("-pk").values_list("pk", flat=True)[0]
            sources = f"id <= {upto}"
            jitter = f"(((id * 7919 + {round_no} * 104729) % 201) - 100) * 0.00001"
            with transaction.atomic():
                _copy_rows(
                    Thread,
                    f"id IN (SELECT thread_id FROM {Report._meta.db_table} WHERE {sources})",
                    {
                        "id": f"id + {thread_shift}",
                        "owner_id": f"owner_id + {report_shift}",
                        "lat": f"lat + {jitter}",
                        "lon": f"lon + {jitter}",
                        "comment_count": "0",
                        "support_count": "0",
                        "version": "0",
                    },
                )
                _copy_rows(
                    Report,
                    sources,
                    {
                        "id": f"id + {report_shift}",
                        "thread_id": f"thread_id + {thread_shift}",
                        "lat": f"lat + {jitter}",
                        "lon": f"lon + {jitter}",
                        "duplicate_of_id": "NULL",
                        "token": f"substr(token, 1, 26) || '-{round_no:05d}'",
                    },
                )
                shifted = {"report_id": f"report_id + {report_shift}"}
                report_ids = f"report_id <= {upto}"
                _copy_rows(ReportUpdate, report_ids, shifted)
                _copy_rows(Delivery, report_ids, shifted)
                _copy_rows(
                    Follow,
                    f"thread_id IN (SELECT thread_id FROM {Report._meta.db_table} WHERE {sources})",
                    {"thread_id": f"thread_id + {thread_shift}"},
                )
            bar.update(count)


def prepare(reports: int, comments: int, alerts: int = 0) -> dict:
    """Build the data set (idempotent) and return what the load runs need."""
    call_command("migrate", interactive=False, verbosity=0)
    _fast_writes()
    seeded = min(reports, SEEDED_AT_MOST)
    call_command("seed_demo", reports=seeded, stdout=open(os.devnull, "w"))  # noqa: SIM115
    if reports > seeded:
        _top_up_by_copies(reports)
    with transaction.atomic():
        extra = _extra_services()
        if not Report.objects.filter(service__in=extra).exists():
            _spread_over_services(extra)
    report = Report.objects.select_related("thread").order_by("-requested_at", "-pk").first()
    _long_thread(report, comments)
    # The stats page reads what the worker computes; no worker runs during the bench.
    stats.refresh()
    key = ApiKey.objects.filter(name="Benchmark").first()
    if key:
        key.delete()
    _key, raw_key = ApiKey.create_key("Benchmark", can_post=True)
    resident = get_user_model().objects.filter(is_staff=False).order_by("pk").first()
    # Comments are signed with a display name; the resident posts in the comment run.
    Profile.objects.update_or_create(user=resident, defaults={"display_name": "Bench Resident"})
    # Another report's thread takes the comment run, so the long thread stays as it is.
    commented = Report.objects.exclude(pk=report.pk).order_by("-requested_at", "-pk").first()
    # A service with no required questions, for the POST runs.
    plain = Service.objects.filter(code__in=[c for c, _n, _g in EXTRA_SERVICES]).first()
    return {
        "reports": Report.objects.count(),
        "services": Service.objects.count(),
        "report_id": report.pk,
        "report_path": report.get_absolute_url(),
        "thread_id": report.thread_id,
        "poll_path": poll_url(Thread.objects.get(pk=report.thread_id)),
        "comment_path": reverse("discussions:comments", args=[commented.thread_id]),
        "comments": report.thread.comments.count(),
        "api_key": raw_key,
        "session_cookie": _session_cookie(resident),
        "session_cookie_name": settings.SESSION_COOKIE_NAME,
        "post_service": plain.code,
        "alert_run": alert_run(alerts) if alerts else None,
    }


def write(info: dict, folder: Path) -> Path:
    path = folder / "bench.json"
    path.write_text(json.dumps(info, indent=2))
    return path


def alert_run(count: int, batch: int = 500) -> dict:
    """A morning's alert run: `count` point alerts against a batch of new reports.

    The matching costs one query per batch of reports, whatever the number of alerts;
    the figures say so. The benchmark's alerts are removed afterwards."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from alerts.matching import run_alerts
    from alerts.models import Alert, AlertCursor, AlertNotice
    from places.geo import radius_bbox

    Alert.objects.filter(email__endswith="@bench.invalid").delete()
    west, south, east, north = settings.SERVICE_AREA
    rows = []
    for n in range(count):
        lat = south + (north - south) * ((n * 7919) % 1000) / 1000
        lon = west + (east - west) * ((n * 104729) % 1000) / 1000
        alert = Alert(
            email=f"a{n}@bench.invalid",
            kind=Alert.Kind.RADIUS,
            lat=lat,
            lon=lon,
            radius=500,
            frequency=Alert.Frequency.INSTANT,
            confirmed_at=timezone.now(),
        )
        alert.west, alert.south, alert.east, alert.north = radius_bbox(lat, lon, 500)
        rows.append(alert)
    Alert.objects.bulk_create(rows, batch_size=1000)
    newest = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    AlertCursor.objects.update_or_create(
        name="alerts", defaults={"last_report_id": max(newest - batch, 0), "last_update_id": 0}
    )
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        matched = run_alerts(batch=batch)
        elapsed = time.perf_counter() - started
    AlertNotice.objects.filter(alert__email__endswith="@bench.invalid").delete()
    Alert.objects.filter(email__endswith="@bench.invalid").delete()
    return {
        "alerts": count,
        "reports": batch,
        "seconds": round(elapsed, 3),
        "queries": len(queries),
        "matches": matched,
    }
