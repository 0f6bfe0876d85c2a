"""Assigning a report to a colleague of its authority's staff."""

from __future__ import annotations

import pytest
from django.urls import reverse

from civic.models import OutboundEmail
from discussions.models import ModerationEntry
from reports.actions import NotAllowed, assign_report
from tests import factories


@pytest.fixture
def colleague(authority):
    return factories.make_staff(
        authority, email="colleague@borough.example.org", first_name="Cleo", last_name="Ng"
    )


def _url(report) -> str:
    return reverse("triage:assign", args=[report.pk])


def test_assigning_logs_it_and_emails_the_assignee(report, staff, colleague):
    assign_report(report, to=colleague, by=staff)

    report.refresh_from_db()
    assert report.assignee == colleague
    entry = ModerationEntry.objects.get(action=ModerationEntry.Action.ASSIGN)
    assert (entry.actor, entry.target_id) == (staff, report.pk)
    assert entry.original == {"assignee": None}
    assert entry.changes == {"assignee": colleague.pk}
    email = OutboundEmail.objects.get(to=colleague.email)
    assert f"Report #{report.pk} is assigned to you" in email.subject
    assert "assigned the report “Deep pothole” to you." in email.body_text
    assert f"http://testserver{report.get_absolute_url()}" in email.body_text or (
        report.get_absolute_url() in email.body_text
    )
    assert "/reports/staff/?assignee=me" in email.body_text
    # Not public news: the timeline has only the submission.
    assert list(report.updates.values_list("state", flat=True)) == ["submitted"]


def test_assigning_yourself_sends_no_email(report, staff):
    assign_report(report, to=staff, by=staff)
    assert report.assignee == staff
    assert not OutboundEmail.objects.filter(to=staff.email).exists()


def test_assigning_the_same_person_again_changes_nothing(report, staff, colleague):
    assign_report(report, to=colleague, by=staff)
    assign_report(report, to=colleague, by=staff)
    assert ModerationEntry.objects.filter(action="assign").count() == 1
    assert OutboundEmail.objects.filter(to=colleague.email).count() == 1


def test_only_a_colleague_of_the_same_authority_can_be_assigned(report, staff, other_staff):
    resident = factories.make_user()
    for outsider in (other_staff, resident):
        with pytest.raises(NotAllowed):
            assign_report(report, to=outsider, by=staff)
    report.refresh_from_db()
    assert report.assignee is None
    assert not ModerationEntry.objects.filter(action="assign").exists()


def test_unassigning(report, staff, colleague):
    assign_report(report, to=colleague, by=staff)
    assign_report(report, to=None, by=staff)
    report.refresh_from_db()
    assert report.assignee is None
    assert ModerationEntry.objects.filter(action="assign").count() == 2


def test_staff_assign_from_the_report_page(staff_client, report, colleague):
    page = staff_client.get(report.get_absolute_url()).content.decode()
    assert f'action="{_url(report)}"' in page
    assert "Cleo Ng" in page

    response = staff_client.post(_url(report), {"assignee": colleague.pk})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assignee == colleague


def test_the_page_form_refuses_someone_outside_the_staff(staff_client, report, other_staff):
    staff_client.post(_url(report), {"assignee": other_staff.pk})
    report.refresh_from_db()
    assert report.assignee is None


def test_residents_and_other_staff_cannot_assign(client, report, resident, other_staff, colleague):
    for user in (resident, other_staff):
        client.force_login(user)
        assert client.post(_url(report), {"assignee": colleague.pk}).status_code == 403
    client.logout()
    response = client.post(_url(report), {"assignee": colleague.pk})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    report.refresh_from_db()
    assert report.assignee is None


def test_the_assignee_is_not_shown_publicly(client, report, staff, colleague):
    assign_report(report, to=colleague, by=staff)
    assert "Cleo" not in client.get(report.get_absolute_url()).content.decode()
