"""A phone number typed into a comment or a report never leaves in public: not on the
report page (kept or built, full or live fragment), not in the API, the exports or the
followers' emails. Staff who answer the report see the original, on its page and in
the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civic.models import OutboundEmail, PrivateOriginal
from discussions import actions as discussion_actions
from discussions.notifications import send_due_digests
from tests.factories import make_comment, make_report, make_user, worker_round
from tests.privacy.conftest import HTMX, PHONE

BODY = f"It is worse today. My number is {PHONE}, call me."
MASKED = "It is worse today. My number is [phone number hidden], call me."


@pytest.fixture
def phone_comment(report):
    neighbour = make_user(email="neighbour@example.org")
    return make_comment(report.thread, author=neighbour, body=BODY)


def _assert_masked(html: str) -> None:
    assert PHONE not in html
    assert "[phone number hidden]" in html


def test_the_report_page_shows_the_marker_to_visitors_and_residents(
    client, resident, report, phone_comment
):
    url = report.get_absolute_url()
    for _ in range(2):  # built, then from the kept copy
        _assert_masked(client.get(url).content.decode())
    client.force_login(resident)
    for _ in range(2):
        html = client.get(url).content.decode()
        _assert_masked(html)
        assert "personal details hidden from the public" not in html


def test_the_live_fragment_and_the_comment_page_show_the_marker(client, report, phone_comment):
    since = reverse("discussions:comments-since", args=[report.thread.pk]) + "?v=0"
    _assert_masked(client.get(since, **HTMX).content.decode())
    detail = reverse("discussions:comment-detail", args=[phone_comment.pk])
    _assert_masked(client.get(detail, follow=True).content.decode())


def test_the_api_and_the_exports_show_the_marker(client, service, authority):
    report = make_report(service=service, title="Van AB12 CDE", description=BODY)
    api = client.get(f"/open311/v2/requests/{report.pk}.json").content.decode()
    assert PHONE not in api and "AB12 CDE" not in api and "[phone number hidden]" in api
    listing = client.get("/open311/v2/requests.xml?extensions=true").content.decode()
    assert PHONE not in listing and "[phone number hidden]" in listing
    csv = b"".join(client.get(reverse("accountability:export-csv")).streaming_content).decode()
    assert PHONE not in csv and "[phone number hidden]" in csv
    response = client.get(reverse("accountability:export-geojson"))
    geojson = b"".join(response.streaming_content).decode()
    assert PHONE not in geojson
    feed = client.get(reverse("accountability:feed-new")).content.decode()
    assert PHONE not in feed and "AB12 CDE" not in feed


def test_a_followers_email_shows_the_marker(report, resident):
    follower = make_user(email="follower@example.org")
    discussion_actions.set_following(report.thread, follower, True)
    make_comment(report.thread, author=resident, body=BODY)
    worker_round()
    send_due_digests(now=timezone.now() + timedelta(minutes=5))
    [email] = OutboundEmail.objects.filter(to=follower.email)
    assert MASKED in email.body_text
    assert PHONE not in email.body_text + email.body_html + email.subject


def test_staff_who_answer_see_the_original_on_the_report_page(
    client, staff, other_staff, report, phone_comment
):
    client.force_login(staff)
    html = client.get(report.get_absolute_url()).content.decode()
    assert "Staff: personal details hidden from the public" in html
    assert BODY in html
    assert reverse("discussions:comment-detail", args=[phone_comment.pk]) in html
    # Staff of another authority do not answer this report: no originals.
    client.force_login(other_staff)
    html = client.get(report.get_absolute_url()).content.decode()
    assert PHONE not in html


def test_the_admin_shows_originals_on_the_objects_page_and_in_their_own_list(
    client, report, phone_comment, staff
):
    admin = make_user(email="admin@example.org", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:discussions_comment_change", args=[phone_comment.pk]))
    assert BODY in page.content.decode()
    listing = client.get(reverse("admin:civic_privateoriginal_changelist"), {"q": PHONE})
    html = listing.content.decode()
    assert reverse("admin:discussions_comment_change", args=[phone_comment.pk]) in html
    # An authority's staff see a comment's original on its own page, not the whole list.
    client.force_login(staff)
    page = client.get(reverse("admin:discussions_comment_change", args=[phone_comment.pk]))
    assert BODY in page.content.decode()
    assert client.get(reverse("admin:civic_privateoriginal_changelist")).status_code == 403


@pytest.mark.parametrize("rows", [1, 30])
def test_the_staff_panel_costs_one_query_whatever_the_number_of_originals(
    rows, client, staff, report
):
    neighbour = make_user()
    for n in range(rows):
        discussion_actions.post_comment(report.thread, neighbour, f"Call {PHONE} ({n})")
    assert PrivateOriginal.objects.count() == rows
    client.force_login(staff)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(report.get_absolute_url()).content.decode()
    # 1. the kept originals of the report, its timeline notes and its comments, by name
    touching = [q["sql"] for q in queries if "civic_privateoriginal" in q["sql"]]
    assert len(touching) == 1
    assert html.count('class="private-originals__text"') == rows
