"""Deadlines: service targets in working days, the report's clock, overdue reports."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from reports.actions import change_state, reassign_report
from reports.deadlines import add_working_days, clock_text, target_for
from reports.models import Report
from tests import factories

# A Thursday morning; the Monday after is a holiday in these tests.
THURSDAY = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC)
HOLIDAY = "2026-12-07"


@pytest.fixture
def holiday(settings):
    settings.HOLIDAYS = [HOLIDAY]


@pytest.fixture
def pothole(service):
    service.target_working_days = 5
    service.save(update_fields=["target_working_days"])
    return service


def _end_of(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T23:59:00+00:00")


def test_working_days_skip_the_weekend(settings):
    settings.HOLIDAYS = []
    assert add_working_days(THURSDAY, 1) == dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
    assert add_working_days(THURSDAY, 2) == dt.datetime(2026, 12, 7, 10, 0, tzinfo=dt.UTC)
    assert add_working_days(THURSDAY, 5) == dt.datetime(2026, 12, 10, 10, 0, tzinfo=dt.UTC)


def test_working_days_skip_a_holiday(holiday):
    assert add_working_days(THURSDAY, 2) == dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)
    assert add_working_days(THURSDAY, 5) == dt.datetime(2026, 12, 11, 10, 0, tzinfo=dt.UTC)


def test_from_a_saturday_one_working_day_is_monday(settings):
    settings.HOLIDAYS = []
    saturday = dt.datetime(2026, 12, 5, 15, 0, tzinfo=dt.UTC)
    assert add_working_days(saturday, 1).date() == dt.date(2026, 12, 7)


def test_a_target_ends_at_the_end_of_the_last_working_day(holiday, pothole):
    assert target_for(pothole, THURSDAY) == _end_of("2026-12-11")
    pothole.target_working_days = None
    assert target_for(pothole, THURSDAY) is None


def test_submission_sets_the_target_and_open311_carries_it(client, holiday, pothole, authority):
    report = factories.make_report(service=pothole, requested_at=THURSDAY)
    assert report.target_at == _end_of("2026-12-11")
    assert report.due_at == report.target_at
    data = client.get(f"/open311/v2/requests/{report.pk}.json").json()[0]
    assert data["expected_datetime"] == "2026-12-11T23:59:00+00:00"


def test_bulk_import_sets_the_target(holiday, pothole, authority):
    from reports.actions import bulk_import_reports

    rows = [
        {"service": pothole, "lat": 51.51, "lon": -0.14, "title": "Hole", "requested_at": THURSDAY}
    ]
    bulk_import_reports(rows)
    assert Report.objects.get().target_at == _end_of("2026-12-11")


def test_the_staffs_expected_date_wins_over_the_target(client, holiday, pothole, staff):
    report = factories.make_report(service=pothole, requested_at=THURSDAY)
    expected = _end_of("2026-12-08")
    change_state(report, report.state, by=staff, note="Booked.", expected_at=expected)
    report.refresh_from_db()
    assert report.due_at == expected
    assert Report.objects.with_due().get().due_at == expected
    data = client.get(f"/open311/v2/requests/{report.pk}.json").json()[0]
    assert data["expected_datetime"] == "2026-12-08T23:59:00+00:00"


def test_a_new_category_brings_its_own_target(holiday, pothole, authority, staff):
    report = factories.make_report(service=pothole, requested_at=THURSDAY)
    lights = factories.make_service(code="streetlight", target_working_days=10)
    factories.Contact.objects.create(authority=authority, service=lights)
    reassign_report(report, by=staff, service=lights, authority=authority)
    report.refresh_from_db()
    # Ten working days from the Thursday, skipping two weekends and the holiday.
    assert report.target_at == _end_of("2026-12-18")


@pytest.mark.parametrize(
    ("now", "text", "overdue"),
    [
        ("2026-12-04T09:00", "due in 4 days", False),  # Monday is a holiday
        ("2026-12-07T09:00", "due in 4 days", False),  # the holiday itself
        ("2026-12-10T12:00", "due in 1 day", False),
        ("2026-12-11T09:00", "due today", False),
        ("2026-12-12T09:00", "1 day overdue", True),  # Saturday
        ("2026-12-14T09:00", "1 day overdue", True),  # Monday: the weekend does not count
        ("2026-12-16T09:00", "3 days overdue", True),
    ],
)
def test_the_clock_counts_working_days(holiday, pothole, now, text, overdue):
    report = factories.make_report(service=pothole, requested_at=THURSDAY)
    at = dt.datetime.fromisoformat(now).replace(tzinfo=dt.UTC)
    with time_machine.travel(at, tick=False):
        assert clock_text(report) == text
        assert report.is_overdue() is overdue
        assert Report.objects.overdue().exists() is overdue


def test_a_fixed_report_says_whether_it_met_its_target(holiday, pothole, staff):
    on_time = factories.make_report(service=pothole, requested_at=THURSDAY)
    late = factories.make_report(service=pothole, requested_at=THURSDAY)
    change_state(on_time, "fixed", by=staff, now=dt.datetime(2026, 12, 11, 15, tzinfo=dt.UTC))
    change_state(late, "fixed", by=staff, now=dt.datetime(2026, 12, 15, 15, tzinfo=dt.UTC))
    assert clock_text(on_time) == "fixed within target"
    assert clock_text(late) == "fixed 2 days late"
    assert not Report.objects.overdue(dt.datetime(2026, 12, 20, tzinfo=dt.UTC)).exists()


def test_a_report_without_a_target_has_no_clock(service):
    report = factories.make_report(service=service, requested_at=THURSDAY)
    assert report.target_at is None
    assert clock_text(report) == ""
    assert not report.is_overdue()


def test_the_report_page_shows_the_clock(client, holiday, pothole):
    report = factories.make_report(service=pothole, requested_at=THURSDAY)
    with time_machine.travel(dt.datetime(2026, 12, 16, 9, tzinfo=dt.UTC), tick=False):
        response = client.get(report.get_absolute_url())
    page = response.content.decode()
    assert 'class="clock clock--overdue"' in page
    assert "3 days overdue" in page


def test_only_overdue_pins_carry_the_overdue_mark(client, holiday, pothole, service):
    late = factories.make_report(service=pothole, requested_at=THURSDAY)
    fine = factories.make_report(service=pothole, requested_at=THURSDAY + dt.timedelta(days=12))
    untargeted = factories.make_report(service=factories.make_service(), requested_at=THURSDAY)
    with time_machine.travel(dt.datetime(2026, 12, 16, 9, tzinfo=dt.UTC), tick=False):
        data = client.get(reverse("reports:geojson"), {"bbox": "-0.3,51.4,0.0,51.6"}).json()
    marks = {f["id"]: f["properties"].get("overdue") for f in data["features"]}
    assert marks == {late.pk: True, fine.pk: None, untargeted.pk: None}


def test_a_fixed_reports_page_says_it_was_late(client, holiday, pothole, staff):
    report = factories.make_report(service=pothole, requested_at=THURSDAY)
    change_state(report, "fixed", by=staff, now=dt.datetime(2026, 12, 14, 15, tzinfo=dt.UTC))
    page = client.get(report.get_absolute_url()).content.decode()
    assert "fixed 1 day late" in page
    assert "overdue" not in page.split('id="report-status"')[1].split("</p>")[0]


def test_open311_xml_carries_the_due_time(client, holiday, pothole):
    report = factories.make_report(service=pothole, requested_at=THURSDAY)
    xml = client.get(f"/open311/v2/requests/{report.pk}.xml").content.decode()
    assert "<expected_datetime>2026-12-11T23:59:00+00:00</expected_datetime>" in xml
