from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from civic_site.management.commands.seed_demo import DEMO_PASSWORD, RESIDENT_EMAIL, STAFF_EMAIL
from delivery.models import Delivery
from discussions.models import Comment, Notification, Thread
from reports.models import Authority, Photo, Report, Service, ServiceAttribute
from triage.models import CannedResponse

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_demo_city_has_everything_a_visitor_and_a_client_need():
    output = seed("--reports", "60")

    assert Report.objects.count() == 60
    datatypes = set(ServiceAttribute.objects.values_list("datatype", flat=True))
    assert datatypes == set(ServiceAttribute.Datatype.values)
    assert ServiceAttribute.objects.filter(
        datatype=ServiceAttribute.Datatype.SINGLEVALUELIST, required=True
    ).exists()
    assert ServiceAttribute.objects.filter(variable=False).exists()
    assert Authority.objects.exclude(boundary=None).count() == 3
    assert set(Report.objects.values_list("state", flat=True)) >= {"submitted", "fixed"}
    assert Photo.objects.exists()
    # Every report has its thread and an authority, like a report submitted on the site.
    assert not Report.objects.filter(thread=None).exists()
    assert not Report.objects.filter(authority=None).exists()
    for report in Report.objects.select_related("thread"):
        assert report.thread.url == report.get_absolute_url()
    # History is not news: the worker has nothing to send for demo data.
    assert not Delivery.objects.exclude(state=Delivery.State.SENT).exists()
    # Deadlines and triage: targets per category, every report's target, canned answers.
    assert Service.objects.get(code="pothole").target_working_days == 5
    assert not Report.objects.filter(service__code="pothole", target_at=None).exists()
    assert CannedResponse.objects.filter(authority__slug="north-riverside").count() >= 3
    # Conversations: community topics of each kind, report threads with an official answer.
    assert set(Thread.objects.topics().values_list("kind", flat=True)) == {
        "idea",
        "question",
        "info",
    }
    assert Comment.objects.filter(thread__kind="report", is_official=True).exists()
    assert Comment.objects.exclude(parent=None).exists()
    assert not Notification.objects.exists()
    assert RESIDENT_EMAIL in output and STAFF_EMAIL in output and DEMO_PASSWORD in output


def test_demo_logins_work_on_the_sign_in_page(client):
    seed("--reports", "1")
    response = client.post(
        "/accounts/login/", {"login": STAFF_EMAIL, "password": DEMO_PASSWORD}, follow=True
    )
    staff = response.context["user"]
    assert staff.is_authenticated and staff.email == STAFF_EMAIL
    assert staff.is_staff
    assert Authority.objects.get(slug="north-riverside").has_staff(staff)
    client.logout()
    client.post("/accounts/login/", {"login": RESIDENT_EMAIL, "password": DEMO_PASSWORD})
    assert client.get("/me/").status_code == 200


def test_seeding_twice_adds_nothing():
    seed("--reports", "30")
    counts = (
        Service.objects.count(),
        Authority.objects.count(),
        Report.objects.count(),
        get_user_model().objects.count(),
        ServiceAttribute.objects.count(),
    )
    seed("--reports", "30")
    assert counts == (
        Service.objects.count(),
        Authority.objects.count(),
        Report.objects.count(),
        get_user_model().objects.count(),
        ServiceAttribute.objects.count(),
    )


def test_big_data_is_topped_up_in_bulk():
    seed("--reports", "30")
    seed("--reports", "2530")
    assert Report.objects.count() == 2530
    assert Report.objects.filter(source=Report.Source.IMPORT).count() == 2530


def test_demo_answers_are_dated_in_the_past_not_at_seeding_time():
    seed("--reports", "30")
    answered = Report.objects.exclude(state=Report.State.SUBMITTED)
    assert answered.filter(photos__isnull=False).exists()  # the fully submitted ones too
    for report in answered:
        # The demo answers within 10 days; reports go back 120 days.
        assert timedelta(0) <= report.acknowledged_at - report.requested_at <= timedelta(hours=240)
        assert report.updates.order_by("-created_at").first().created_at == report.updated_at
