"""Every hot query reads through an index on PostgreSQL, as EXPLAIN shows it.

A city of a few thousand reports (with threads, comments, follows, supports, pending
notifications, deliveries, an outbox and alerts) is built once for the module and
ANALYZEd. Each case then does what a visitor, a resident or the worker does (a page, an
API call, a poll, a claim), every SELECT, UPDATE and DELETE it ran is EXPLAINed with
sequential scans priced out, and no plan may still read a big table (1,000 rows or more
here) from end to end: each has an index to read through. The few queries
that mean to read most of a table (the home page's counts, clusters over the whole
map) are named in ALLOWED_SCANS with the reason.

PostgreSQL only: SQLite's planner is another one (its own tests pin query counts).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.matching import run_alerts, send_due_alerts
from alerts.models import Alert, AlertCursor, AlertNotice
from civic.models import OutboundEmail, RetriedWork
from delivery.models import Delivery
from discussions.actions import create_topic
from discussions.models import Follow, Notification, Support, Thread
from discussions.notifications import send_due_digests
from reports.actions.submit import bulk_import_reports
from reports.models import Report, ReportUpdate
from tests.factories import SQUARE, add_comments, make_authority, make_service, make_user

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's"),
    pytest.mark.django_db,
]

REPORTS = 4000
USERS = 40
COMMENTED_THREADS = 300
COMMENTS_EACH = 10
# A table with at least this many rows after ANALYZE must not be read end to end.
BIG = 1000
(WEST, SOUTH), (EAST, NORTH) = SQUARE["coordinates"][0][0], SQUARE["coordinates"][0][2]

# (case, table, a piece of the query's SQL) → why reading the whole table is right there.
ALLOWED_SCANS = {
    ("home", "reports_report", "FILTER (WHERE"): "the home page's counts cover every "
    "report, computed once a minute (civic_site.views._home_stats)",
    ("map-whole-area", "reports_report", "FLOOR("): "clusters over the whole area count "
    "most reports: reading them in order is the cheapest plan",
    ("list", "reports_report", 'WHERE NOT "reports_report"."is_hidden" LIMIT 10001'): "the "
    "unfiltered list's capped count: nearly every report is visible, so the scan stops "
    "after 10,001 rows, wherever they are",
    ("list-search", "reports_report", "LIKE UPPER('%"): "a search for words anywhere in a "
    "report's title, description or address reads every visible report's text; a "
    "trigram index (pg_trgm) would serve it, at a cost on every write",
}


# --- the city --------------------------------------------------------------------------


def _people() -> dict:
    services = [make_service(code=f"hot-{n}") for n in range(8)]
    authority = make_authority(services=services, slug="hot-council")
    users = [make_user() for _ in range(USERS)]
    return {"services": services, "authority": authority, "users": users}


def _reports(rng: random.Random, city: dict) -> None:
    """REPORTS over 120 days across the area, through the import action (threads,
    timelines, the reporters' follows, deliveries already sent)."""
    now = timezone.now()
    states, weights = list(Report.State), [30, 10, 10, 35, 10, 5]
    rows = []
    for n in range(REPORTS):
        when = now - timedelta(minutes=rng.randint(30, 60 * 24 * 120))
        rows.append(
            {
                "service": rng.choice(city["services"]),
                "lat": round(rng.uniform(SOUTH + 0.001, NORTH - 0.001), 6),
                "lon": round(rng.uniform(WEST + 0.001, EAST - 0.001), 6),
                "title": f"Problem {n} on {rng.choice(['High', 'Mill', 'Station'])} Street",
                "description": "Something is broken here.",
                "reporter": rng.choice(city["users"]),
                "state": rng.choices(states, weights)[0],
                "requested_at": when,
                "updated_at": min(now, when + timedelta(hours=rng.randint(0, 200))),
            }
        )
    for start in range(0, REPORTS, 1000):
        bulk_import_reports(rows[start : start + 1000])


def _conversations(rng: random.Random, city: dict) -> None:
    """Comments on the newest threads, supports and extra follows, pending notifications."""
    users = city["users"]
    threads = list(Thread.objects.filter(kind=Thread.Kind.REPORT).order_by("-created_at"))
    for thread in threads[:COMMENTED_THREADS]:
        add_comments(thread, COMMENTS_EACH, users)
    Support.objects.bulk_create(
        Support(thread=thread, user=user)
        for thread in threads[: COMMENTED_THREADS * 2]
        for user in rng.sample(users, 3)
    )
    Follow.objects.bulk_create(
        (Follow(thread=thread, user=user) for thread in threads[:500] for user in users[:4]),
        ignore_conflicts=True,
    )
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(follow=follow, text="New", due_at=now + timedelta(hours=n % 48 - 1))
        for n, follow in enumerate(Follow.objects.order_by("pk")[:2000])
    )
    for n in range(5):
        create_topic(author=users[n], kind=Thread.Kind.IDEA, title=f"Idea {n}", body="Why not?")


def _work_and_alerts(rng: random.Random, city: dict) -> None:
    """A sent outbox with a few due emails, a few due deliveries, alerts and their cursor."""
    now = timezone.now()
    OutboundEmail.objects.bulk_create(
        OutboundEmail(
            to=f"person{n}@example.org",
            subject="Hello",
            body_text="Hello",
            state=OutboundEmail.State.SENT if n >= 10 else OutboundEmail.State.PENDING,
            sent_at=now if n >= 10 else None,
            next_attempt_at=now - timedelta(minutes=n),
        )
        for n in range(3000)
    )
    Delivery.objects.filter(pk__in=Delivery.objects.order_by("-pk")[:5].values("pk")).update(
        state=Delivery.State.PENDING, next_attempt_at=now
    )
    alerts = []
    for n in range(2000):
        lat, lon = rng.uniform(SOUTH, NORTH), rng.uniform(WEST, EAST)
        alerts.append(
            Alert(
                email=f"alert{n}@example.org",
                kind=Alert.Kind.RADIUS,
                lat=lat,
                lon=lon,
                radius=300,
                west=lon - 0.004,
                east=lon + 0.004,
                south=lat - 0.003,
                north=lat + 0.003,
                confirmed_at=now if n % 10 else None,
            )
        )
    alerts += [
        Alert(email=f"s{n}@example.org", kind=Alert.Kind.SERVICE, service=service, confirmed_at=now)
        for n, service in enumerate(city["services"])
    ]
    Alert.objects.bulk_create(alerts)
    # Matches waiting for their email, a third of them due.
    matched = Alert.objects.filter(confirmed_at__isnull=False).order_by("pk")[:300]
    reports = list(Report.objects.order_by("-pk")[:300])
    AlertNotice.objects.bulk_create(
        AlertNotice(alert=alert, report=report, due_at=now + timedelta(hours=n % 3 - 1))
        for n, (alert, report) in enumerate(zip(matched, reports, strict=True))
    )
    # The alert job runs every minute: it has read all but the newest few reports and
    # timeline entries.
    AlertCursor.objects.create(
        name="alerts",
        last_report_id=Report.objects.order_by("-pk")[3].pk,
        last_update_id=ReportUpdate.objects.order_by("-pk")[3].pk,
    )


def _big_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s", [BIG]
        )
        return {name for (name,) in cursor.fetchall()}


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker) -> Iterator[dict]:
    """Built once, inside a transaction rolled back after the module's last test."""
    rng = random.Random(22)
    with django_db_blocker.unblock(), transaction.atomic():
        city = _people()
        _reports(rng, city)
        _conversations(rng, city)
        _work_and_alerts(rng, city)
        city["big"] = _big_tables()
        city["report"] = Report.objects.select_related("thread").filter(
            thread__comment_count__gt=0
        )[0]
        yield city
        transaction.set_rollback(True)


def test_the_city_is_big_where_the_hot_queries_read(city):
    # Without big tables every plan would be a sequential scan and prove nothing.
    assert {
        "reports_report",
        "discussions_thread",
        "discussions_comment",
        "discussions_follow",
        "discussions_support",
        "discussions_notification",
        "reports_reportupdate",
        "reports_delivery",
        "civic_outboundemail",
        "reports_alert",
    } <= city["big"]


# --- plans -----------------------------------------------------------------------------


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def _explain(sql: str) -> dict:
    """The plan with sequential scans priced out: at a few thousand rows a scan is often
    the cheapest plan, so a Seq Scan that remains means no index can serve the query
    (the question that matters at 100,000 reports)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            (plan,) = cursor.fetchone()
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def access_methods(sql: str) -> list[str]:
    """How the plan reads each table: 'Index Scan using … on …', 'Seq Scan on …'."""
    methods = []
    for node in _nodes(_explain(sql)):
        if "Relation Name" in node:
            using = f" using {node['Index Name']}" if "Index Name" in node else ""
            methods.append(f"{node['Node Type']}{using} on {node['Relation Name']}")
    return methods


def _explainable(queries: list[dict]) -> Iterator[str]:
    for query in queries:
        sql = query["sql"]
        if sql.split(None, 1)[0].upper() in {"SELECT", "UPDATE", "DELETE", "WITH"}:
            yield sql


def whole_table_reads(case: str, queries: list[dict], big: set[str]) -> list[str]:
    """The queries whose plan reads a big table end to end, unless ALLOWED_SCANS says why."""
    found = []
    for sql in _explainable(queries):
        for method in access_methods(sql):
            kind, _on, table = method.rpartition(" on ")
            if not kind.startswith("Seq Scan") or table not in big:
                continue
            if any(
                case.startswith(c) and t == table and piece in sql for c, t, piece in ALLOWED_SCANS
            ):
                continue
            found.append(f"{method}: {sql[:300]}")
    return found


# --- the hot paths ---------------------------------------------------------------------


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code in (200, 204), (url, response.status_code)


def _w3c(moment) -> str:
    return moment.replace(microsecond=0).isoformat()


def _page(url: str | Callable[[dict], str], signed_in: bool = False):
    def visit(city: dict) -> None:
        client = Client()
        if signed_in:
            client.force_login(city["users"][0])
        _get(client, url(city) if callable(url) else url)

    return visit


def _centre_box(half: float) -> str:
    lat, lon = (SOUTH + NORTH) / 2, (WEST + EAST) / 2
    return f"{lon - half},{lat - half},{lon + half},{lat + half}"


PAGES = {
    "home": _page("/"),
    "home-signed-in": _page("/", signed_in=True),
    "list": _page("/reports/"),
    "list-by-service": _page("/reports/?service=hot-3"),
    "list-open": _page("/reports/?state=open"),
    "list-duplicates": _page("/reports/?state=duplicate"),
    "list-search": _page("/reports/?q=Problem+1234+on"),
    "list-signed-in": _page("/reports/?state=open", signed_in=True),
    "map-neighbourhood": _page(f"/reports/map.geojson?bbox={_centre_box(0.004)}"),
    "map-whole-area": _page(f"/reports/map.geojson?bbox={WEST},{SOUTH},{EAST},{NORTH}"),
    "open311-recent": _page("/open311/v2/requests.json"),
    "open311-open": _page("/open311/v2/requests.json?status=open"),
    "open311-service": _page("/open311/v2/requests.json?service_code=hot-3"),
    "open311-one-week": _page(
        lambda city: (
            "/open311/v2/requests.json?start_date="
            f"{_w3c(timezone.now() - timedelta(days=14))}&end_date="
            f"{_w3c(timezone.now() - timedelta(days=7))}".replace("+", "%2B")
        )
    ),
    "open311-near": _page(
        f"/open311/v2/requests.json?lat={(SOUTH + NORTH) / 2}&long={(WEST + EAST) / 2}&radius=300"
    ),
    "open311-detail": _page(lambda city: f"/open311/v2/requests/{city['report'].pk}.json"),
    "report-page": _page(lambda city: f"/reports/{city['report'].pk}/"),
    "report-page-signed-in": _page(lambda city: f"/reports/{city['report'].pk}/", True),
    "live-poll": _page(
        lambda city: f"/community/threads/{city['report'].thread_id}/comments/since/?v=-1"
    ),
    "me": _page("/me/", signed_in=True),
    # Topics are read through (kind, last_activity_at): test_topics_are_read_through_their_kind.
    "community": _page("/community/"),
    "community-new": _page("/community/?sort=new"),
    "community-support": _page("/community/?sort=support&kind=idea"),
    "community-signed-in": _page("/community/?sort=new", signed_in=True),
    "community-map": _page(f"/community/topics.geojson?bbox={_centre_box(0.01)}"),
}


def _claim(model):
    def claim(city: dict) -> None:
        list(model.claim_due(10))

    return claim


WORK = {
    **{
        f"claim-{model._meta.label_lower}": _claim(model)
        for model in apps.get_models()
        if issubclass(model, RetriedWork)
    },
    "digests-due": lambda city: send_due_digests(),
    "alerts-matching": lambda city: run_alerts(),
    "alerts-due": lambda city: send_due_alerts(),
}


@pytest.mark.parametrize("case", [*PAGES, *WORK])
def test_hot_query_reads_big_tables_through_indexes(city, case):
    run = PAGES.get(case) or WORK[case]
    with CaptureQueriesContext(connection) as captured:
        run(city)
    assert whole_table_reads(case, captured.captured_queries, city["big"]) == []


@pytest.mark.parametrize("case", [case for case in PAGES if case.startswith("community")])
def test_topics_are_read_through_their_kind(city, case):
    """The topic lists in every order and the topics map read threads through the
    (kind, last_activity_at) index, not by walking every report's thread in time or
    place order (threads keep no index on a time or a place alone: each report's
    would write one, inside the write lock)."""
    with CaptureQueriesContext(connection) as captured:
        PAGES[case](city)
    reads = [
        method
        for sql in _explainable(captured.captured_queries)
        if "ORDER BY" in sql
        for method in access_methods(sql)
        if method.endswith(" on discussions_thread")
    ]
    assert reads and all(" using discussions_kind_" in method for method in reads), reads
