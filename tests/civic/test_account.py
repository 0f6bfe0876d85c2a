"""The person's own account: a display name at sign-up and after, email preferences,
a copy of their data, and leaving."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from civic.models import Profile
from discussions.models import Comment
from reports.models import Report
from tests.factories import make_comment, make_report, make_user

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.org",
    "password1": "a-long-pass-phrase-42",
    "password2": "a-long-pass-phrase-42",
}


def test_sign_up_asks_for_a_display_name_and_keeps_it(client):
    response = client.post("/accounts/signup/", {**SIGNUP, "display_name": "  Ana   Lopez "})
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new@example.org")
    assert user.profile.display_name == "Ana Lopez"


def test_sign_up_refuses_a_name_someone_has_in_another_case(client):
    make_user(display_name="Ana Lopez")
    response = client.post("/accounts/signup/", {**SIGNUP, "display_name": "ana lopez"})
    assert response.status_code == 200
    assert "Someone already uses the name" in response.content.decode()
    assert 'value="new@example.org"' in response.content.decode()  # what was typed stays
    assert not get_user_model().objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize("name", ["", "me@example.org"])
def test_sign_up_refuses_an_empty_or_email_display_name(client, name):
    response = client.post("/accounts/signup/", {**SIGNUP, "display_name": name})
    assert response.status_code == 200
    assert not get_user_model().objects.filter(email="new@example.org").exists()


def test_account_page_saves_name_and_email_preferences(resident_client, resident):
    url = reverse("account-settings")
    assert resident_client.get(url).status_code == 200
    response = resident_client.post(
        url,
        {
            "display_name": "Rosa P",
            "show_name_on_reports": "on",
            "email_comments": "daily",
            "email_status": "instant",
            "email_alerts": "off",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=resident)
    assert (profile.display_name, profile.show_name_on_reports) == ("Rosa P", True)
    assert (profile.email_comments, profile.email_alerts) == ("daily", "off")
    # The new-report form starts from the chosen default.
    form = resident_client.get(reverse("reports:new")).context["form"]
    assert form["show_name"].value() is True


def test_account_page_refuses_a_taken_name_and_keeps_the_rest(resident_client):
    make_user(display_name="Olu")
    response = resident_client.post(
        reverse("account-settings"),
        {
            "display_name": "OLU",
            "email_comments": "off",
            "email_status": "off",
            "email_alerts": "off",
        },
    )
    assert response.status_code == 200
    assert "Someone already uses the name" in response.content.decode()


def test_account_pages_need_sign_in(client):
    for name in ("account-settings", "account-data", "account-delete"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_download_my_data_holds_mine_and_nobody_elses(
    resident_client, resident, service, authority
):
    mine = make_report(service, reporter=resident, contact_phone="0123 456")
    make_comment(mine.thread, author=resident, body="My own words")
    other = make_user()
    make_report(service, reporter=other, title="Someone else's")
    response = resident_client.get(reverse("account-data"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == resident.email
    assert [r["id"] for r in data["reports"]] == [mine.pk]
    assert data["reports"][0]["contact_phone"] == "0123 456"
    assert [c["body"] for c in data["comments"]] == ["My own words"]
    assert "Someone else's" not in response.content.decode()


def test_delete_account_keeps_reports_without_a_trace_of_the_person(
    resident_client, resident, service, authority, client
):
    report = make_report(service, reporter=resident, show_name=True, contact_phone="0123 456")
    make_comment(report.thread, author=resident, body="Still broken on Monday")
    response = resident_client.post(
        reverse("account-delete"), {"password": "wrong", "confirm": "on"}
    )
    assert response.status_code == 200 and "That is not your password" in response.content.decode()

    response = resident_client.post(
        reverse("account-delete"), {"password": "correct-horse-battery", "confirm": "on"}
    )
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=resident.pk).exists()
    report = Report.objects.get(pk=report.pk)
    assert report.reporter is None and not report.show_name
    assert (report.contact_name, report.contact_email, report.contact_phone) == ("", "", "")
    assert Comment.objects.get(body="Still broken on Monday").author is None
    page = client.get(report.get_absolute_url()).content.decode()
    assert "Former member" in page and "Rosa" not in page


def test_my_data_lists_my_alerts_and_leaving_removes_them(resident_client, resident, service):
    from django.utils import timezone

    from alerts.models import Alert

    Alert.objects.create(
        user=resident,
        email=resident.email,
        kind=Alert.Kind.SERVICE,
        service=service,
        confirmed_at=timezone.now(),
    )
    data = json.loads(resident_client.get(reverse("account-data")).content)
    assert [a["kind"] for a in data["alerts"]] == ["service"]
    resident_client.post(
        reverse("account-delete"), {"password": "correct-horse-battery", "confirm": "on"}
    )
    assert not Alert.objects.exists()
