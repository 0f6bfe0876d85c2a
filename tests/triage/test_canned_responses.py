"""Canned responses: offered per authority and status, filling the public note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.models import Report
from tests import factories
from triage.models import CannedResponse


@pytest.fixture
def responses(authority, other_authority):
    return {
        "thanks": CannedResponse.objects.create(
            authority=authority, title="Thanks", text="Thank you for telling us.", order=1
        ),
        "fixed": CannedResponse.objects.create(
            authority=authority, state="fixed", title="Repaired", text="Our crew repaired it."
        ),
        "theirs": CannedResponse.objects.create(
            authority=other_authority, title="Leak answer", text="The water company's answer."
        ),
    }


def test_the_staff_form_offers_the_authoritys_responses_only(staff_client, report, responses):
    page = staff_client.get(report.get_absolute_url()).content.decode()
    assert 'data-canned-text="Thank you for telling us."' in page
    assert 'data-canned-for="fixed"' in page
    assert "The water company" not in page
    assert 'name="canned"' in page  # the select, for a browser without JavaScript


def test_a_chosen_response_fills_an_empty_note(staff_client, report, responses):
    staff_client.post(
        reverse("triage:update", args=[report.pk]),
        {"state": "fixed", "canned": responses["fixed"].pk, "note": ""},
    )
    update = report.updates.get(state="fixed")
    assert update.note == "Our crew repaired it."


def test_a_written_note_wins_over_the_chosen_response(staff_client, report, responses):
    staff_client.post(
        reverse("triage:update", args=[report.pk]),
        {"state": "fixed", "canned": responses["fixed"].pk, "note": "Fixed on Monday."},
    )
    assert report.updates.get(state="fixed").note == "Fixed on Monday."


def test_another_authoritys_response_cannot_be_used(staff_client, report, responses):
    response = staff_client.post(
        reverse("triage:update", args=[report.pk]),
        {"state": "fixed", "canned": responses["theirs"].pk, "note": ""},
    )
    assert response.status_code == 200  # the page again, with the error
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED


def test_the_bulk_form_fills_the_note_too(staff_client, service, responses):
    reports = [factories.make_report(service=service) for _ in range(2)]
    staff_client.post(
        reverse("triage:bulk"),
        {
            "reports": [r.pk for r in reports],
            "action": "state",
            "state": "acknowledged",
            "canned": responses["thanks"].pk,
        },
    )
    for report in reports:
        assert report.updates.get(state="acknowledged").note == "Thank you for telling us."


def test_staff_see_only_their_authoritys_responses_in_the_admin(
    client, staff, authority, responses
):
    from django.contrib.auth.models import Permission

    authority.staff_group.permissions.add(
        *Permission.objects.filter(codename__endswith="_cannedresponse")
    )
    client.force_login(staff)
    page = client.get(reverse("admin:triage_cannedresponse_changelist")).content.decode()
    assert "Thanks" in page and "Repaired" in page
    assert "Leak answer" not in page
    theirs = reverse("admin:triage_cannedresponse_change", args=[responses["theirs"].pk])
    assert client.get(theirs).status_code in (302, 404)


def test_new_staff_groups_may_manage_canned_responses(db):
    authority = factories.make_authority(name="New Council", slug="new-council")
    codenames = set(authority.staff_group.permissions.values_list("codename", flat=True))
    assert {"add_cannedresponse", "change_cannedresponse"} <= codenames
