"""A reporter corrects their report's text within 30 minutes of sending it, and may
withdraw it at any time; others may do neither; the moderation log keeps the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from discussions.models import ModerationEntry
from reports.models import Report
from tests.factories import make_report, make_user


@pytest.fixture
def own(resident, service):
    return make_report(service=service, reporter=resident, title="Hole by the school")


def _edit(client: Client, report, **data):
    return client.post(reverse("reports:edit-own", args=[report.pk]), data)


def test_the_reporter_sees_edit_and_withdraw_on_their_page(resident_client, own):
    page = resident_client.get(own.get_absolute_url()).content.decode()

    assert reverse("reports:edit-own", args=[own.pk]) in page
    assert reverse("reports:withdraw-own", args=[own.pk]) in page


def test_others_see_neither_and_cannot_use_them(client, own, service):
    client.force_login(make_user())
    page = client.get(own.get_absolute_url()).content.decode()

    assert reverse("reports:edit-own", args=[own.pk]) not in page
    assert reverse("reports:withdraw-own", args=[own.pk]) not in page
    assert _edit(client, own, title="Mine now", description="").status_code == 404
    assert client.post(reverse("reports:withdraw-own", args=[own.pk])).status_code == 404
    own.refresh_from_db()
    assert own.title == "Hole by the school" and not own.is_hidden


def test_a_visitor_is_asked_to_sign_in(anonymous, own):
    response = _edit(anonymous, own, title="Changed", description="")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    own.refresh_from_db()
    assert own.title == "Hole by the school"


def test_within_30_minutes_the_text_changes_and_the_log_keeps_the_original(
    resident_client, resident, own
):
    form = resident_client.get(reverse("reports:edit-own", args=[own.pk]))
    assert form.status_code == 200 and "Hole by the school" in form.content.decode()

    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        response = _edit(resident_client, own, title="Hole by the school gate", description="Deep.")

    assert response.status_code == 302 and response["Location"] == own.get_absolute_url()
    own.refresh_from_db()
    assert (own.title, own.description) == ("Hole by the school gate", "Deep.")
    entry = ModerationEntry.objects.get(action=ModerationEntry.Action.EDIT)
    assert entry.actor == resident and entry.reason == "Edited by the reporter"
    assert entry.original["title"] == "Hole by the school"
    page = resident_client.get(own.get_absolute_url()).content.decode()
    assert "Hole by the school gate" in page and "Your report is updated." in page


def test_a_bad_edit_keeps_what_was_typed(resident_client, own):
    response = _edit(resident_client, own, title="", description="Typed with care")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Give your report a short title." in html and "Typed with care" in html
    own.refresh_from_db()
    assert own.title == "Hole by the school"


def test_after_30_minutes_the_text_stays(resident_client, own):
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        page = resident_client.get(own.get_absolute_url()).content.decode()
        response = _edit(resident_client, own, title="Too late", description="")

    assert reverse("reports:edit-own", args=[own.pk]) not in page
    assert reverse("reports:withdraw-own", args=[own.pk]) in page  # at any time
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.title == "Hole by the school"
    assert not ModerationEntry.objects.filter(action=ModerationEntry.Action.EDIT).exists()


def test_withdrawing_hides_the_report_and_logs_it(resident_client, resident, own, anonymous):
    confirm = resident_client.get(reverse("reports:withdraw-own", args=[own.pk]))
    assert confirm.status_code == 200 and "Withdraw the report" in confirm.content.decode()

    response = resident_client.post(reverse("reports:withdraw-own", args=[own.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("me")
    own.refresh_from_db()
    assert own.is_hidden
    entry = ModerationEntry.objects.get(action=ModerationEntry.Action.HIDE)
    assert entry.actor == resident and entry.reason == "Withdrawn by the reporter"
    assert Client().get(own.get_absolute_url()).status_code == 404
    assert own.pk not in Report.objects.visible().values_list("pk", flat=True)
