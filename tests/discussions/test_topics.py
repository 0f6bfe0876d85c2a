"""Community topics: list with filters and sorts, map data, new topic, topic page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from discussions.models import Follow, Thread
from tests.factories import make_topic


def titles(response) -> list[str]:
    return [t.title for t in response.context["page"].object_list]


@pytest.fixture
def topics(db, neighbour):
    now = timezone.now()
    idea = make_topic(author=neighbour, kind="idea", title="Idea: more trees", now=now)
    question = make_topic(
        author=neighbour, kind="question", title="Question: bin day?", now=now - timedelta(days=2)
    )
    info = make_topic(
        author=neighbour, kind="info", title="Info: market moved", now=now - timedelta(days=1)
    )
    Thread.objects.filter(pk=question.pk).update(last_activity_at=now + timedelta(hours=1))
    Thread.objects.filter(pk=info.pk).update(support_count=5)
    return idea, question, info


def test_list_sorts_by_recent_activity_by_default(client, topics, report):
    response = client.get(reverse("discussions:topic-list"))
    assert response.status_code == 200
    assert titles(response) == ["Question: bin day?", "Idea: more trees", "Info: market moved"]
    assert report.title not in response.content.decode()  # reports are not topics


def test_list_sorts_by_newest_and_most_supported(client, topics):
    newest = client.get(reverse("discussions:topic-list"), {"sort": "new"})
    assert titles(newest) == ["Idea: more trees", "Info: market moved", "Question: bin day?"]
    supported = client.get(reverse("discussions:topic-list"), {"sort": "support"})
    assert titles(supported)[0] == "Info: market moved"


def test_list_filters_by_kind_and_hides_hidden_topics(client, topics):
    idea, _question, _info = topics
    response = client.get(reverse("discussions:topic-list"), {"kind": "question"})
    assert titles(response) == ["Question: bin day?"]
    Thread.objects.filter(pk=idea.pk).update(is_hidden=True)
    assert "Idea: more trees" not in titles(client.get(reverse("discussions:topic-list")))
    assert client.get(idea.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_topic_list_query_count_does_not_grow(client, neighbour, count, django_assert_num_queries):
    for n in range(count):
        make_topic(author=neighbour, title=f"Topic {n}")
    with django_assert_num_queries(3):
        # 1. the data versions the page is kept under (civic/versions.py; a kept copy costs none)
        # 2. COUNT of the filtered topics  3. the page, with authors
        response = client.get(reverse("discussions:topic-list"))
    assert len(response.context["page"].object_list) == min(count, 20)


@pytest.mark.parametrize("count", [1, 30])
def test_geojson_is_bbox_filtered_in_one_query(client, neighbour, count, django_assert_num_queries):
    for n in range(count):
        make_topic(author=neighbour, title=f"Near {n}", lat=51.51, lon=-0.14)
    make_topic(author=neighbour, title="Far", lat=51.54, lon=-0.06)
    make_topic(author=neighbour, title="Nowhere")
    with django_assert_num_queries(1):
        # 1. the topics with a place inside the box
        response = client.get(
            reverse("discussions:topics-geojson"), {"bbox": "-0.15,51.50,-0.13,51.52"}
        )
    features = response.json()["features"]
    assert len(features) == count
    assert features[0]["geometry"]["coordinates"] == [-0.14, 51.51]
    assert features[0]["properties"]["url"].startswith("/community/topics/")


def test_geojson_filters_by_kind_and_refuses_a_bad_bbox(client, neighbour):
    make_topic(author=neighbour, kind="idea", title="An idea", lat=51.51, lon=-0.14)
    make_topic(author=neighbour, kind="info", title="Some info", lat=51.51, lon=-0.14)
    response = client.get(reverse("discussions:topics-geojson"), {"kind": "info"})
    assert [f["properties"]["title"] for f in response.json()["features"]] == ["Some info"]
    assert client.get(reverse("discussions:topics-geojson"), {"bbox": "1,2,x"}).status_code == 400


def test_map_page_renders_a_map_of_topics(client):
    html = client.get(reverse("discussions:topic-map"), {"kind": "idea"}).content.decode()
    assert 'id="topics-map"' in html and "/community/topics.geojson?kind=idea" in html


def test_resident_starts_a_topic_with_a_pin(client, resident):
    client.force_login(resident)
    assert client.get(reverse("discussions:topic-create")).status_code == 200
    response = client.post(
        reverse("discussions:topic-create"),
        {
            "kind": "question",
            "title": "Why is the fountain off?",
            "body": "Since **May**.",
            "lat": "51.51",
            "lon": "-0.14",
            "address": "Market square",
        },
    )
    topic = Thread.objects.get()
    assert response.status_code == 302 and response.url == topic.get_absolute_url()
    assert (topic.kind, topic.author, topic.lat, topic.lon) == ("question", resident, 51.51, -0.14)
    assert topic.body_html == "<p>Since <strong>May</strong>.</p>"
    assert Follow.objects.filter(thread=topic, user=resident).exists()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Why is the fountain off?" in page and 'id="topic-place-map"' in page


def test_topic_form_explains_what_is_wrong(client, resident):
    client.force_login(resident)
    url = reverse("discussions:topic-create")
    half_pin = client.post(url, {"kind": "idea", "title": "Trees", "lat": "51.5"})
    assert "both a latitude and a longitude" in half_pin.content.decode()
    far = client.post(url, {"kind": "idea", "title": "Trees", "lat": "48.85", "lon": "2.35"})
    assert "outside the area" in far.content.decode()
    long_title = client.post(url, {"kind": "idea", "title": "x" * 141})
    assert "Please keep the title under 140 characters (it has 141)." in (
        long_title.content.decode()
    )
    assert not Thread.objects.exists()


def test_anonymous_visitor_cannot_start_a_topic(db, anonymous):
    response = anonymous.post(reverse("discussions:topic-create"), {"kind": "idea", "title": "x"})
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert not Thread.objects.exists()


def test_starting_topics_is_rate_limited(client, resident, settings):
    settings.RATE_LIMITS = {"topic": [(600, 1)]}
    client.force_login(resident)
    url = reverse("discussions:topic-create")
    assert client.post(url, {"kind": "idea", "title": "One"}).status_code == 302
    second = client.post(url, {"kind": "idea", "title": "Two"})
    assert second.status_code == 429
    assert 1 <= int(second["Retry-After"]) <= 600
    assert "You have started several topics recently" in second.content.decode()
    assert 'value="Two"' in second.content.decode()
    assert Thread.objects.count() == 1


def test_a_reports_thread_is_shown_on_the_report_page(client, report_thread, report):
    response = client.get(reverse("discussions:topic-detail", args=[report_thread.pk]))
    assert response.status_code == 302 and response.url == report.get_absolute_url()
