"""The public stats page: counts and response times per authority and per category."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from reports.models import Report
from tests.factories import make_authority, make_report, make_service

STATS = reverse("reports:stats")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _at(report: Report, requested_days_ago: float, acknowledged_after=None, closed_after=None):
    """Pin a report's timestamps, relative to NOW."""
    requested_at = NOW - timedelta(days=requested_days_ago)
    Report.objects.filter(pk=report.pk).update(
        requested_at=requested_at,
        acknowledged_at=requested_at + acknowledged_after if acknowledged_after else None,
        closed_at=requested_at + closed_after if closed_after else None,
    )


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
    response = anonymous.get(STATS)

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

    response = anonymous.get(STATS)

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

    row = _row(anonymous.get(STATS), "by-authority", "Borough Council")

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

    response = anonymous.get(STATS, {"period": period})

    # A missing or unknown period is the default (12 months), never an error.
    assert response.status_code == 200
    assert _row(response, "by-authority", "Borough Council")["received"] == received


@time_machine.travel(NOW, tick=False)
def test_an_unknown_period_selects_the_default_in_the_form(anonymous, service, authority):
    html = anonymous.get(STATS, {"period": "forever"}).content.decode()

    assert '<option value="12m" selected>' in html
    assert "No reports in this period." in html


def test_reports_without_an_authority_are_listed_last(anonymous, service, authority):
    other = make_authority(name="Aardvark Council", slug="aardvark", boundary=None)
    make_report(service=service)
    unrouted = make_report(service=service)
    Report.objects.filter(pk=unrouted.pk).update(authority=None)
    Report.objects.filter(pk=make_report(service=service).pk).update(authority=other)

    table = anonymous.get(STATS).context["tables"][0]

    assert [row["name"] for row in table["rows"]] == [
        "Aardvark Council",
        "Borough Council",
        "Not yet assigned",
    ]


def test_footer_links_to_the_stats(db, anonymous):
    html = anonymous.get(reverse("home")).content.decode()

    assert f'href="{STATS}"' in html


@pytest.mark.parametrize("rows", [1, 30])
def test_stats_run_one_query_whatever_the_number_of_reports(
    rows, anonymous, service, authority, django_assert_num_queries
):
    for _ in range(rows):
        make_report(service=service)

    with django_assert_num_queries(1):
        # 1. authority, service, state and timestamps of every visible report in the period
        response = anonymous.get(STATS)

    assert _row(response, "by-authority", "Borough Council")["received"] == rows


def test_stats_are_cached_for_the_second_visitor(
    anonymous, service, authority, django_assert_num_queries
):
    make_report(service=service)
    anonymous.get(STATS)
    make_report(service=service)

    with django_assert_num_queries(0):
        # Nothing: the numbers come from the cache.
        response = anonymous.get(STATS)

    # Still the first count: the page says it is updated every 10 minutes, not live.
    assert _row(response, "by-authority", "Borough Council")["received"] == 1
