"""The staff queue: scope, filters, order, pagination, query counts and bulk actions."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from discussions.models import ModerationEntry, Support
from reports.models import Report
from tests import factories

QUEUE = reverse("triage:queue")
BULK = reverse("triage:bulk")


def _rows(response) -> list[int]:
    return [r.pk for r in response.context["rows"]]


# --- who may see it --------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert client.post(BULK, {}).status_code == 302


def test_residents_are_refused(resident_client):
    assert resident_client.get(QUEUE).status_code == 403
    assert resident_client.post(BULK, {}).status_code == 403


def test_staff_see_only_their_authoritys_open_reports(
    staff_client, service, authority, other_authority
):
    mine = factories.make_report(service=service)
    fixed = factories.make_report(service=service, state="fixed")
    theirs = factories.make_report(service=service)
    Report.objects.filter(pk=theirs.pk).update(authority=other_authority)

    response = staff_client.get(QUEUE)

    assert response.status_code == 200
    assert _rows(response) == [mine.pk]
    assert fixed.pk not in _rows(response)


def test_staff_cannot_open_another_authoritys_queue(staff_client, other_authority):
    assert staff_client.get(QUEUE, {"authority": other_authority.slug}).status_code == 403


def test_a_superuser_picks_the_authority(client, service, authority, other_authority):
    admin = factories.make_user(is_superuser=True, is_staff=True)
    theirs = factories.make_report(service=service)
    Report.objects.filter(pk=theirs.pk).update(authority=other_authority)
    client.force_login(admin)

    response = client.get(QUEUE, {"authority": other_authority.slug})

    assert _rows(response) == [theirs.pk]
    assert 'name="authority"' in response.content.decode()


def test_the_header_links_staff_to_their_queue(staff_client):
    assert f'href="{QUEUE}"' in staff_client.get("/").content.decode()


def test_residents_have_no_queue_link(resident_client):
    assert f'href="{QUEUE}"' not in resident_client.get("/").content.decode()


# --- filters and order -----------------------------------------------------------------


def test_oldest_first_most_supported_and_due_soonest(staff_client, service, resident):
    start = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    old = factories.make_report(service=service, requested_at=start)
    newer = factories.make_report(service=service, requested_at=start + dt.timedelta(hours=1))
    newest = factories.make_report(service=service, requested_at=start + dt.timedelta(hours=2))
    Support.objects.create(thread=newest.thread, user=resident)
    newest.thread.support_count = 1
    newest.thread.save(update_fields=["support_count"])
    Report.objects.filter(pk=newer.pk).update(expected_at=start + dt.timedelta(days=1))

    assert _rows(staff_client.get(QUEUE)) == [old.pk, newer.pk, newest.pk]
    assert _rows(staff_client.get(QUEUE, {"sort": "supported"}))[0] == newest.pk
    assert _rows(staff_client.get(QUEUE, {"sort": "due"})) == [newer.pk, old.pk, newest.pk]


def test_filters_by_state_service_area_and_assignee(staff_client, staff, service, authority):
    lights = factories.make_service(code="streetlight")
    factories.Contact.objects.create(authority=authority, service=lights)
    hole = factories.make_report(service=service, lat=51.50, lon=-0.20)
    lamp = factories.make_report(service=lights, lat=51.53, lon=-0.08, state="acknowledged")
    Report.objects.filter(pk=lamp.pk).update(assignee=staff)

    assert _rows(staff_client.get(QUEUE, {"state": "acknowledged"})) == [lamp.pk]
    assert _rows(staff_client.get(QUEUE, {"service": "pothole"})) == [hole.pk]
    assert _rows(staff_client.get(QUEUE, {"bbox": "-0.22,51.49,-0.15,51.51"})) == [hole.pk]
    assert _rows(staff_client.get(QUEUE, {"assignee": "me"})) == [lamp.pk]
    assert _rows(staff_client.get(QUEUE, {"assignee": "none"})) == [hole.pk]
    assert _rows(staff_client.get(QUEUE, {"assignee": str(staff.pk)})) == [lamp.pk]


def test_overdue_only(staff_client, service, settings):
    settings.HOLIDAYS = []
    service.target_working_days = 2
    service.save()
    thursday = dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)
    late = factories.make_report(service=service, requested_at=thursday)
    factories.make_report(service=service, requested_at=thursday + dt.timedelta(days=4))
    with time_machine.travel(dt.datetime(2026, 12, 8, 9, tzinfo=dt.UTC), tick=False):
        response = staff_client.get(QUEUE, {"overdue": "on"})
    assert _rows(response) == [late.pk]
    assert "1 day overdue" in response.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_the_queue_runs_a_constant_number_of_queries(
    rows, staff_client, staff, service, resident, django_assert_num_queries
):
    for n in range(rows):
        report = factories.make_report(service=service, title=f"Hole {n}")
        if n % 2:
            Report.objects.filter(pk=report.pk).update(assignee=staff)

    with django_assert_num_queries(8):
        # 1. the session, and 2. the user
        # 3. the authorities whose queue the user may work
        # 4. the authority's staff (assignee filter and bulk assignment)
        # 5. the categories (filter)
        # 6. the count, and 7. the page of reports with service, thread and assignee
        # 8. the authority's canned responses
        response = staff_client.get(QUEUE, {"sort": "due"})

    assert len(response.context["rows"]) == rows


def test_the_queue_is_paginated(staff_client, service):
    for n in range(31):
        factories.make_report(service=service, title=f"Hole {n}")
    first = staff_client.get(QUEUE)
    second = staff_client.get(QUEUE, {"page": 2})
    assert len(first.context["rows"]) == 30
    assert len(second.context["rows"]) == 1


# --- bulk actions ----------------------------------------------------------------------


def _log(action: str) -> list[int]:
    return sorted(ModerationEntry.objects.filter(action=action).values_list("target_id", flat=True))


def test_bulk_state_change_logs_each_report_and_publishes_one_note(staff_client, service):
    reports = [factories.make_report(service=service) for _ in range(3)]

    response = staff_client.post(
        BULK,
        {
            "reports": [r.pk for r in reports],
            "action": "state",
            "state": "acknowledged",
            "note": "Thank you, we are on it.",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert _log(ModerationEntry.Action.STATE) == sorted(r.pk for r in reports)
    for report in reports:
        report.refresh_from_db()
        assert report.state == "acknowledged"
        assert report.updates.filter(note="Thank you, we are on it.", is_official=True).exists()
    assert "Done for 3 reports" in response.content.decode()


def test_bulk_refuses_another_authoritys_reports_and_does_the_rest(
    staff_client, service, other_authority
):
    mine = factories.make_report(service=service)
    theirs = factories.make_report(service=service)
    Report.objects.filter(pk=theirs.pk).update(authority=other_authority)

    response = staff_client.post(
        BULK,
        {"reports": [mine.pk, theirs.pk], "action": "state", "state": "in_progress"},
        follow=True,
    )

    page = response.content.decode()
    assert f"Done for 1 report: #{mine.pk}." in page
    assert f"Report #{theirs.pk} was not changed: it belongs to another authority." in page
    theirs.refresh_from_db()
    assert theirs.state == "submitted"
    assert _log(ModerationEntry.Action.STATE) == [mine.pk]


def test_bulk_assign_and_duplicate(staff_client, staff, service, authority):
    colleague = factories.make_staff(authority, email="colleague@borough.example.org")
    original = factories.make_report(service=service, title="The first")
    copies = [factories.make_report(service=service) for _ in range(2)]
    ids = [r.pk for r in copies]

    staff_client.post(BULK, {"reports": ids, "action": "assign", "assignee": colleague.pk})
    staff_client.post(
        BULK, {"reports": ids, "action": "duplicate", "duplicate_of": original.pk, "note": ""}
    )

    assert _log(ModerationEntry.Action.ASSIGN) == sorted(ids)
    assert _log(ModerationEntry.Action.DUPLICATE) == sorted(ids)
    for report in copies:
        report.refresh_from_db()
        assert report.assignee == colleague
        assert report.state == "duplicate" and report.duplicate_of == original


def test_bulk_assign_refuses_someone_outside_the_staff(staff_client, service, other_staff):
    report = factories.make_report(service=service)
    response = staff_client.post(
        BULK, {"reports": [report.pk], "action": "assign", "assignee": other_staff.pk}
    )
    assert response.status_code == 400
    assert "assignee" in response.context["bulk_form"].errors
    report.refresh_from_db()
    assert report.assignee is None


def test_bulk_without_ticked_reports_says_so(staff_client, service):
    factories.make_report(service=service)
    response = staff_client.post(BULK, {"action": "state", "state": "fixed"})
    assert response.status_code == 400
    assert "Tick at least one report." in response.content.decode()


def test_bulk_from_another_authoritys_staff_changes_nothing(
    other_staff, client, service, authority
):
    report = factories.make_report(service=service)
    assert report.authority == authority
    client.force_login(other_staff)
    client.post(BULK, {"reports": [report.pk], "action": "state", "state": "fixed"})
    report.refresh_from_db()
    assert report.state == "submitted"
    assert not ModerationEntry.objects.filter(action="state").exists()


def test_bulk_skips_reports_that_have_the_status_already(staff_client, service):
    done = factories.make_report(service=service, state="acknowledged")
    todo = factories.make_report(service=service)

    response = staff_client.post(
        BULK,
        {"reports": [done.pk, todo.pk], "action": "state", "state": "acknowledged"},
        follow=True,
    )

    page = response.content.decode()
    assert f"Report #{done.pk} was not changed: it has that status already." in page
    assert done.updates.count() == 2  # submitted, acknowledged: no empty entry
    todo.refresh_from_db()
    assert todo.state == "acknowledged"


def test_bulk_duplicate_refuses_the_original_itself(staff_client, service):
    original = factories.make_report(service=service)
    copy = factories.make_report(service=service)

    response = staff_client.post(
        BULK,
        {"reports": [original.pk, copy.pk], "action": "duplicate", "duplicate_of": original.pk},
        follow=True,
    )

    assert "A report cannot be a duplicate of itself." in response.content.decode()
    original.refresh_from_db()
    copy.refresh_from_db()
    assert original.state == "submitted" and copy.state == "duplicate"


def test_filter_near_a_place_of_the_gazetteer(staff_client, service):
    from places import gazetteer as places

    places.save_places([places.PlaceRow("Queen Street", "street", 51.518, -0.14)])
    near = factories.make_report(service=service, lat=51.519, lon=-0.141)
    factories.make_report(service=service, lat=51.50, lon=-0.20)

    assert _rows(staff_client.get(QUEUE, {"near": "queen st"})) == [near.pk]
    response = staff_client.get(QUEUE, {"near": "Nowhere Lane"})
    assert "No place called “Nowhere Lane” is known here." in response.content.decode()
