"""The admin pages answer (the admin imports its modules explicitly)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_user
from tests.volunteers.support import make_opportunity

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(email="root@example.org", is_staff=True, is_superuser=True))
    return client


def test_opportunity_admin_lists_changes_and_filters(admin_client, report, organiser, volunteer):
    call = make_opportunity(report.thread, organiser, title="Litter pick")
    call.sign_up(volunteer, note="Bringing bags")

    listing = admin_client.get(reverse("admin:volunteers_opportunity_changelist"))
    filtered = admin_client.get(
        reverse("admin:volunteers_opportunity_changelist"), {"state": "open", "when": "upcoming"}
    )
    change = admin_client.get(reverse("admin:volunteers_opportunity_change", args=[call.pk]))
    signups = admin_client.get(reverse("admin:volunteers_signup_changelist"))

    assert listing.status_code == filtered.status_code == 200
    assert "Litter pick" in listing.content.decode() and "Litter pick" in filtered.content.decode()
    assert change.status_code == 200 and "Bringing bags" in change.content.decode()
    assert signups.status_code == 200


def test_past_filter_hides_upcoming_calls(admin_client, report, organiser):
    make_opportunity(report.thread, organiser, title="Future pick")

    response = admin_client.get(
        reverse("admin:volunteers_opportunity_changelist"), {"when": "past"}
    )

    assert "Future pick" not in response.content.decode()
