"""Admin: staff answer their own authority's reports in public, and nobody else's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from delivery.models import Delivery
from reports.models import Authority, Report, ReportUpdate
from tests.admin_forms import post_change_form as _post_change_form
from tests.factories import SQUARE, make_report, make_user


def _change_url(report: Report) -> str:
    return reverse("admin:reports_report_change", args=[report.pk])


def test_staff_changes_the_state_with_a_public_note_that_appears_on_the_report_page(
    staff_client, staff, report, client
):
    response = _post_change_form(
        staff_client,
        _change_url(report),
        new_state="acknowledged",
        public_note="Thank you, a crew will look at it this week.",
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    assert report.state == Report.State.ACKNOWLEDGED
    update = report.updates.latest("id")
    assert update.state == "acknowledged"
    assert update.note == "Thank you, a crew will look at it this week."
    assert update.author == staff
    assert update.is_official is True

    client.logout()
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Thank you, a crew will look at it this week." in html
    assert '<span class="badge badge--official">Official</span>' in html


def test_staff_adds_a_note_without_changing_the_state(staff_client, report):
    _post_change_form(staff_client, _change_url(report), public_note="Inspected today.")

    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    update = report.updates.latest("id")
    assert (update.state, update.note) == ("", "Inspected today.")


def test_saving_without_state_or_note_adds_nothing_to_the_timeline(staff_client, report):
    _post_change_form(staff_client, _change_url(report), title="Deep pothole (lane 2)")

    report.refresh_from_db()
    assert report.title == "Deep pothole (lane 2)"
    assert report.updates.count() == 1


def test_marking_a_duplicate_needs_the_original(staff_client, report):
    response = _post_change_form(staff_client, _change_url(report), new_state="duplicate")

    assert response.status_code == 200
    assert "type the original&#x27;s number" in response.content.decode()
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED


def test_other_authority_staff_cannot_see_the_report_in_the_changelist(client, other_staff, report):
    client.force_login(other_staff)

    response = client.get(reverse("admin:reports_report_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_other_authority_staff_cannot_open_or_change_the_report(client, other_staff, report):
    client.force_login(other_staff)

    response = client.get(_change_url(report))

    # The admin answers "does not exist" for an object outside the queryset.
    assert response.status_code == 302
    assert response.url == reverse("admin:index")
    client.post(_change_url(report), {"new_state": "closed", "public_note": "Not ours"})
    assert report.updates.count() == 1


def test_staff_see_their_authority_reports_in_the_changelist(staff_client, report):
    response = staff_client.get(reverse("admin:reports_report_changelist"))

    assert list(response.context["cl"].result_list) == [report]


def test_resident_cannot_use_the_admin(resident_client, report):
    response = resident_client.get(reverse("admin:reports_report_changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_bulk_action_marks_reports_fixed_with_timeline_entries(staff_client, report, service):
    second = make_report(service=service)

    staff_client.post(
        reverse("admin:reports_report_changelist"),
        {"action": "mark_fixed", "_selected_action": [report.pk, second.pk]},
    )

    assert set(Report.objects.values_list("state", flat=True)) == {"fixed"}
    assert ReportUpdate.objects.filter(state="fixed", is_official=True).count() == 2


def test_admin_search_finds_a_report_by_its_number(staff_client, report, service):
    make_report(service=service, title="Something else")

    response = staff_client.get(reverse("admin:reports_report_changelist"), {"q": f"#{report.pk}"})

    assert list(response.context["cl"].result_list) == [report]


@pytest.mark.parametrize("rows", [1, 30])
def test_changelist_runs_a_constant_number_of_queries(
    rows, staff_client, service, authority, django_assert_num_queries
):
    for _ in range(rows):
        make_report(service=service)

    with django_assert_num_queries(11):
        # 1. session  2. user  3-4. the user's and their groups' permissions
        # 5-6. services and authorities for the list filters
        # 7-8. counts: matching reports, and all in scope (the scope is a subquery
        #      on the user's authority groups, inside each report query)
        # 9. the page of reports with service and authority
        # 10-11. the date hierarchy's range and days
        response = staff_client.get(reverse("admin:reports_report_changelist"))

    assert len(response.context["cl"].result_list) == rows


def test_retry_now_makes_a_failing_delivery_due_again(staff_client, report):
    delivery = report.deliveries.get()
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=5, last_error="SMTP down", next_attempt_at=timezone.now() + timedelta(hours=1)
    )

    staff_client.post(
        reverse("admin:delivery_delivery_changelist"),
        {"action": "retry_now", "_selected_action": [delivery.pk]},
    )

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
    assert delivery.pk in Delivery.due_ids(timezone.now(), limit=10)


def test_other_authority_staff_do_not_see_the_delivery(client, other_staff, report):
    client.force_login(other_staff)

    response = client.get(reverse("admin:delivery_delivery_changelist"))

    assert list(response.context["cl"].result_list) == []


@pytest.fixture
def admin_client_(client, db):
    admin = make_user(email="admin@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_authority_boundary_must_be_a_polygon(admin_client_):
    response = admin_client_.post(
        reverse("admin:reports_authority_add"),
        {
            "name": "Parks Department",
            "slug": "parks",
            "is_active": "on",
            "send_method": "email",
            "boundary": '{"type": "Point", "coordinates": [-0.1, 51.5]}',
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "must be a GeoJSON geometry of type" in response.content.decode()
    assert not Authority.objects.filter(slug="parks").exists()


def test_authority_with_a_valid_boundary_is_saved_and_shows_its_staff(admin_client_, staff):
    import json

    response = admin_client_.post(
        reverse("admin:reports_authority_add"),
        {
            "name": "Parks Department",
            "slug": "parks",
            "is_active": "on",
            "send_method": "email",
            "boundary": json.dumps(SQUARE),
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    assert Authority.objects.get(slug="parks").boundary == SQUARE
    borough = Authority.objects.get(slug="borough")
    page = admin_client_.get(reverse("admin:reports_authority_change", args=[borough.pk]))
    assert staff.email in page.content.decode()
