"""The home page and the user's own page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from discussions.models import Follow, Thread
from reports.actions import change_state
from reports.models import Report
from tests.factories import make_report


def test_home_shows_map_recent_reports_and_the_report_button(anonymous, service):
    make_report(service=service, title="Broken swing")
    hidden = make_report(service=service, title="Rude words")
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)

    response = anonymous.get(reverse("home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-geojson-url="{reverse("reports:geojson")}"' in html
    assert "Broken swing" in html
    assert "Rude words" not in html
    assert f'href="{reverse("reports:new")}"' in html
    assert response.context["stats"] == {"open": 1, "fixed_this_month": 0, "this_month": 1}


def test_home_shows_the_latest_community_topics_not_report_threads(anonymous, service):
    make_report(service=service, title="A report thread")
    Thread.objects.create(kind=Thread.Kind.IDEA, title="Plant trees on Elm Street")
    Thread.objects.create(kind=Thread.Kind.QUESTION, title="Hidden topic", is_hidden=True)

    response = anonymous.get(reverse("home"))

    assert [t.title for t in response.context["topics"]] == ["Plant trees on Elm Street"]
    assert f'href="{reverse("discussions:topic-list")}"' in response.content.decode()


@pytest.mark.parametrize("rows", [1, 30])
def test_home_runs_a_constant_number_of_queries(
    rows, anonymous, service, django_assert_num_queries
):
    for n in range(rows):
        make_report(service=service)
        Thread.objects.create(kind=Thread.Kind.IDEA, title=f"Idea {n}")

    with django_assert_num_queries(5):
        # 1. the data versions the page is kept under (civic/versions.py; a kept copy costs none)
        # 2. the counts (open, this month, fixed this month) in one aggregate
        # 3. the recent reports with their service and thread
        # 4. the active community topics
        # 5. the next volunteer calls with their counts
        response = anonymous.get(reverse("home"))

    assert len(response.context["recent"]) == min(rows, 8)


def test_my_page_is_for_signed_in_users(anonymous):
    response = anonymous.get(reverse("me"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_my_page_lists_my_reports_with_status_and_what_i_follow(resident_client, resident, service):
    mine = make_report(service=service, reporter=resident, title="My pothole")
    change_state(mine, Report.State.ACKNOWLEDGED)
    make_report(service=service, title="Someone else's report")
    followed = make_report(service=service, title="A report I follow")
    Follow.objects.create(thread=followed.thread, user=resident)
    topic = Thread.objects.create(kind=Thread.Kind.IDEA, title="More benches")
    Follow.objects.create(thread=topic, user=resident)

    response = resident_client.get(reverse("me"))

    html = response.content.decode()
    assert [r.title for r in response.context["page"].object_list] == ["My pothole"]
    assert '<span class="badge badge--acknowledged">Acknowledged</span>' in html
    assert "Someone else" not in html
    followed_titles = [item["thread"].title for item in response.context["followed"]]
    assert sorted(followed_titles) == ["A report I follow", "More benches", "My pothole"]
    assert f'href="{followed.get_absolute_url()}"' in html


def test_my_page_does_not_link_to_my_hidden_report(resident_client, resident, service):
    mine = make_report(service=service, reporter=resident, title="Hidden one")
    Report.objects.filter(pk=mine.pk).update(is_hidden=True)

    html = resident_client.get(reverse("me")).content.decode()

    assert "Hidden by a moderator" in html
    assert f'href="{mine.get_absolute_url()}"' not in html


@pytest.mark.parametrize("rows", [1, 30])
def test_my_page_runs_a_constant_number_of_queries(
    rows, resident_client, resident, service, django_assert_num_queries
):
    for n in range(rows):
        make_report(service=service, reporter=resident)  # the reporter follows it
        topic = Thread.objects.create(kind=Thread.Kind.IDEA, title=f"Idea {n}")
        Follow.objects.create(thread=topic, user=resident)

    with django_assert_num_queries(7):
        # 1. the session  2. the user
        # 3. count of my reports (pagination)
        # 4. the page of my reports with their service and thread
        # 5. my follows with their thread and the thread's report
        # 6. my area alerts with their authority and service
        # 7. my upcoming volunteer sign-ups with their calls
        response = resident_client.get(reverse("me"))

    assert len(response.context["followed"]) == min(2 * rows, 50)
