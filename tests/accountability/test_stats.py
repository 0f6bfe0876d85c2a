"""The public stats page: counts and response times per authority and per category."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from accountability import stats
from reports.models import Report
from tests.factories import make_authority, make_report, make_service

STATS = reverse("accountability:stats")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _at(report: Report, requested_days_ago: float, acknowledged_after=None, closed_after=None):
    """Pin a report's timestamps, relative to NOW."""
    requested_at = NOW - timedelta(days=requested_days_ago)
    Report.objects.filter(pk=report.pk).update(
        requested_at=requested_at,
        acknowledged_at=requested_at + acknowledged_after if acknowledged_after else None,
        closed_at=requested_at + closed_after if closed_after else None,
    )


def _refreshed(client, query=None):
    """The stats page after the worker's job has run (the page never computes)."""
    stats.refresh()
    return client.get(STATS, query or {})


def _row(response, table_id: str, name: str) -> dict:
    table = next(t for t in response.context["tables"] if t["id"] == table_id)
    return next(row for row in table["rows"] if row["name"] == name)


@pytest.fixture
def three_reports(service, authority):
    """Three pothole reports to the borough, at known times:

    - acknowledged after 2 hours, fixed after 3 days 4 hours;
    - acknowledged after 10 hours, still open;
    - acknowledged after 1 day, fixed after 5 days.
    """
    fixed_quickly = make_report(service=service, state="fixed")
    _at(fixed_quickly, 10, timedelta(hours=2), timedelta(days=3, hours=4))
    still_open = make_report(service=service, state="acknowledged")
    _at(still_open, 8, timedelta(hours=10))
    fixed_slowly = make_report(service=service, state="fixed")
    _at(fixed_slowly, 20, timedelta(days=1), timedelta(days=5))


@time_machine.travel(NOW, tick=False)
def test_stats_show_counts_and_response_times_per_authority(anonymous, three_reports):
    response = _refreshed(anonymous)

    assert response.status_code == 200
    assert _row(response, "by-authority", "Borough Council") == {
        "name": "Borough Council",
        "received": 3,
        "open": 1,
        "fixed": 2,
        "acknowledge_median": "10 hours",
        # 90th percentile of 2 h, 10 h, 24 h (inclusive): 10 h + 0.8 * 14 h = 21 h 12 min.
        "acknowledge_p90": "21 hours",
        # Median of 3 days 4 hours and 5 days.
        "fix_median": "4 days 2 hours",
    }
    html = response.content.decode()
    assert '<th scope="row">Borough Council</th>' in html
    assert "Updated every 10 minutes." in html


@time_machine.travel(NOW, tick=False)
def test_stats_show_the_same_columns_per_category(anonymous, three_reports):
    graffiti = make_service(code="graffiti", name="Graffiti")
    make_report(service=graffiti)

    response = _refreshed(anonymous)

    pothole = _row(response, "by-category", "Pothole")
    assert (pothole["received"], pothole["open"], pothole["fixed"]) == (3, 1, 2)
    assert pothole["fix_median"] == "4 days 2 hours"
    assert _row(response, "by-category", "Graffiti") == {
        "name": "Graffiti",
        "received": 1,
        "open": 1,
        "fixed": 0,
        "acknowledge_median": "—",
        "acknowledge_p90": "—",
        "fix_median": "—",
    }


@time_machine.travel(NOW, tick=False)
def test_hidden_reports_are_not_counted(anonymous, service, authority):
    shown = make_report(service=service)
    _at(shown, 1, timedelta(hours=5))
    hidden = make_report(service=service)
    _at(hidden, 1, timedelta(days=9))
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)

    row = _row(_refreshed(anonymous), "by-authority", "Borough Council")

    assert row["received"] == 1
    assert row["acknowledge_median"] == "5 hours"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("period", "received"), [("30d", 1), ("12m", 2), ("all", 3), ("", 2), ("forever", 2)]
)
def test_period_filter_counts_reports_received_in_it(
    anonymous, service, authority, period, received
):
    for days_ago in (5, 100, 800):
        _at(make_report(service=service), days_ago)

    response = _refreshed(anonymous, {"period": period})

    # A missing or unknown period is the default (12 months), never an error.
    assert response.status_code == 200
    assert _row(response, "by-authority", "Borough Council")["received"] == received


@time_machine.travel(NOW, tick=False)
def test_an_unknown_period_selects_the_default_in_the_form(anonymous, service, authority):
    html = _refreshed(anonymous, {"period": "forever"}).content.decode()

    assert '<option value="12m" selected>' in html
    assert "No reports in this period." in html


def test_reports_without_an_authority_are_listed_last(anonymous, service, authority):
    other = make_authority(name="Aardvark Council", slug="aardvark", boundary=None)
    make_report(service=service)
    unrouted = make_report(service=service)
    Report.objects.filter(pk=unrouted.pk).update(authority=None)
    Report.objects.filter(pk=make_report(service=service).pk).update(authority=other)

    table = _refreshed(anonymous).context["tables"][0]

    assert [row["name"] for row in table["rows"]] == [
        "Aardvark Council",
        "Borough Council",
        "Not yet assigned",
    ]


def test_footer_links_to_the_stats(db, anonymous):
    html = anonymous.get(reverse("home")).content.decode()

    assert f'href="{STATS}"' in html


def _pin(report: Report, **fields) -> None:
    Report.objects.filter(pk=report.pk).update(**fields)


@pytest.fixture
def deadlines(service, authority):
    """Six reports to the borough with deadlines, at known times (NOW is Monday 1 June):

    - A, Fri 22 May: fixed after 2 days, target 3 days: fixed within target;
    - B, Sat 23 May: fixed after 6 days, target 3 days: late; reopened once before;
    - C, Fri 29 May: open, target a day later (30 May): open and overdue;
    - D, Sun 31 May: open, target 5 days later: not yet due, not judged;
    - E, Sun 24 May: closed as not ours: not judged;
    - F, Sat 30 May: open, target passed (31 May) but staff expect it on 3 June: not due.
    """
    day = timedelta(days=1)
    made = {}
    for name, days_ago, state in [
        ("A", 10, "fixed"),
        ("B", 9, "fixed"),
        ("C", 3, "acknowledged"),
        ("D", 1, "submitted"),
        ("E", 8, "closed"),
        ("F", 2, "in_progress"),
    ]:
        made[name] = make_report(service=service, state=state, title=name)
        requested = NOW - days_ago * day
        _pin(made[name], requested_at=requested, acknowledged_at=None, closed_at=None)
        made[name].requested = requested
    _pin(
        made["A"], closed_at=made["A"].requested + 2 * day, target_at=made["A"].requested + 3 * day
    )
    _pin(
        made["B"],
        closed_at=made["B"].requested + 6 * day,
        target_at=made["B"].requested + 3 * day,
        reopen_count=1,
    )
    _pin(made["C"], target_at=made["C"].requested + day)
    _pin(made["D"], target_at=made["D"].requested + 5 * day)
    _pin(made["E"], closed_at=NOW - day)
    _pin(made["F"], target_at=NOW - day, expected_at=NOW + 2 * day)
    return made


@time_machine.travel(NOW, tick=False)
def test_league_table_from_a_hand_computed_fixture(anonymous, deadlines, other_authority):
    response = _refreshed(anonymous)

    (borough,) = [row for row in response.context["league"] if row["name"] == "Borough Council"]
    assert borough == {
        "name": "Borough Council",
        "slug": "borough",
        "received": 6,
        # Median of A's 2 days and B's 6 days.
        "fix_median_days": "4.0",
        # A on time, of A, B and C (D and F not yet due, E closed as not ours).
        "within_target": "33%",
        # B, of six.
        "reopened": "17%",
        # C.
        "open_overdue": 1,
    }
    html = response.content.decode()
    assert 'href="/authorities/borough/"' in html
    # An authority without reports is not in the league of the period.
    assert [row["name"] for row in response.context["league"]] == ["Borough Council"]


@time_machine.travel(NOW, tick=False)
def test_weekly_chart_counts_reports_received_and_fixed_per_week(anonymous, deadlines):
    response = _refreshed(anonymous)

    chart = response.context["chart"]
    rows = {row["week"].isoformat(): (row["received"], row["fixed"]) for row in chart["rows"]}
    assert len(chart["rows"]) == 52
    # 51 weeks before this one, a Monday too.
    assert chart["rows"][0]["week"].isoformat() == "2025-06-09"
    assert chart["rows"][-1]["week"].isoformat() == "2026-06-01"
    # Mon 18 May: A, B and E received, A fixed (Sun 24). Mon 25 May: C, D, F received,
    # B fixed (Fri 29). E was closed, not fixed.
    assert rows["2026-05-18"] == (3, 1)
    assert rows["2026-05-25"] == (3, 1)
    assert rows["2026-06-01"] == (0, 0)
    assert sum(r for r, _f in rows.values()) == 6
    html = response.content.decode()
    assert 'role="img" aria-labelledby="weekly-chart-title weekly-chart-desc"' in html
    assert '<title id="weekly-chart-title">' in html
    assert html.count('<rect class="chart__bar') == 104
    assert "<details" in html and '<th scope="row">18 May 2026</th>' in html


@time_machine.travel(NOW, tick=False)
def test_weekly_counts_are_grouped_in_sql(deadlines, django_assert_num_queries):
    from accountability.stats import _weekly

    with django_assert_num_queries(2):
        # 1. received per week (GROUP BY TruncWeek); 2. fixed per week.
        weeks = _weekly(NOW)
    assert len(weeks) == 52


def test_before_the_worker_has_run_the_page_says_figures_are_being_prepared(
    anonymous, service, authority, django_assert_num_queries
):
    make_report(service=service)

    with django_assert_num_queries(1):
        # The page's version (one primary-key read, cached after): a visitor never
        # computes the figures (their cache entry is read, and empty).
        response = anonymous.get(STATS)

    assert response.status_code == 200
    assert "The figures are being prepared." in response.content.decode()
    assert "tables" not in response.context


def test_the_worker_job_fills_the_cache_with_plain_numbers(service, authority):
    from civic.jobs import collect

    make_report(service=service)
    (job,) = [job for job in collect() if job.name == "stats"]

    assert job.every == stats.REFRESH_SECONDS
    assert job.run() == 1
    figures = stats.cached()
    (row,) = figures["periods"]["12m"]["authorities"]
    assert (row["name"], row["received"], row["open"]) == ("Borough Council", 1, 1)
    # Plain data only: any cache backend stores it, and no language is baked in.
    assert set(map(type, row.values())) <= {int, float, str, type(None)}


@pytest.mark.parametrize("rows", [1, 30])
def test_stats_page_reads_the_cache_with_constant_queries(
    rows, anonymous, service, authority, django_assert_num_queries
):
    for _ in range(rows):
        make_report(service=service)
    stats.refresh()

    with django_assert_num_queries(1):
        # The page's version, then the figures: one cache entry (the tests' cache is in
        # memory; with the database cache, one SELECT), whatever the number of reports.
        response = anonymous.get(STATS)
    assert _row(response, "by-authority", "Borough Council")["received"] == rows

    with django_assert_num_queries(0):
        # The next visitor gets the page kept until the worker's next figures.
        again = anonymous.get(STATS)
    token = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    # The same page; only each visitor's own CSRF token differs.
    assert token.sub(b"", again.content) == token.sub(b"", response.content)


def test_the_page_shows_the_last_refresh_not_live_counts(anonymous, service, authority):
    make_report(service=service)
    stats.refresh()
    make_report(service=service)

    response = anonymous.get(STATS)

    # Still the first count until the worker's next round.
    assert _row(response, "by-authority", "Borough Council")["received"] == 1
