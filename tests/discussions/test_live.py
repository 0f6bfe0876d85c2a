"""The live poll: nearly free when nothing changed, exactly the changes otherwise."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from discussions import actions
from tests.discussions.conftest import HTMX
from tests.factories import make_comment


def since_url(thread, version):
    return reverse("discussions:comments-since", args=[thread.pk]) + f"?v={version}"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run after-commit hooks (they publish the new version to the cache)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.mark.parametrize("persona", ["anonymous", "resident"])
def test_empty_poll_answers_204_with_at_most_one_query(
    client, resident, topic, django_assert_num_queries, persona
):
    make_comment(topic)
    topic.refresh_from_db()
    if persona == "resident":
        client.force_login(resident)
    with django_assert_num_queries(1):
        # SELECT version FROM thread WHERE id = … (then kept in the shared cache).
        first = client.get(since_url(topic, topic.version), **HTMX)
    with django_assert_num_queries(0):
        # The version comes from the cache; no session, no user, no template.
        second = client.get(since_url(topic, topic.version), **HTMX)
    for response in (first, second):
        assert response.status_code == 204
        assert response.content == b""
        assert response["ETag"] == f'"{topic.pk}.{topic.version}"'
        assert "no-cache" in response["Cache-Control"]


def test_poll_with_matching_etag_answers_304(client, topic, django_assert_num_queries):
    make_comment(topic)
    topic.refresh_from_db()
    etag = f'"{topic.pk}.{topic.version}"'
    with django_assert_num_queries(1):
        # SELECT version FROM thread WHERE id = …
        response = client.get(since_url(topic, 0), HTTP_IF_NONE_MATCH=etag, **HTMX)
    assert response.status_code == 304


def test_poll_with_the_database_cache_costs_one_query(
    client, topic, settings, django_assert_num_queries
):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "civic_cache",
        }
    }
    call_command("createcachetable", verbosity=0)
    topic.refresh_from_db()
    for _ in range(2):
        with django_assert_num_queries(1):
            # SELECT version FROM thread WHERE id = … (a cache read would be a query too)
            assert client.get(since_url(topic, topic.version)).status_code == 204


def test_new_comment_arrives_with_the_next_poll(client, topic, neighbour, on_commit):
    old = topic.version
    client.get(since_url(topic, old))  # caches the version
    comment = on_commit(actions.post_comment, topic, neighbour, "Fresh news")
    reply = on_commit(actions.post_comment, topic, neighbour, "And a reply", reply_to=comment)
    response = client.get(since_url(topic, old), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="node-{comment.pk}" data-parent=""' in html
    assert f'id="node-{reply.pk}" data-parent="{comment.pk}"' in html
    assert html.index(f"node-{comment.pk}") < html.index(f"node-{reply.pk}")
    # The next poll asks from the new version.
    topic.refresh_from_db()
    assert f'hx-get="{since_url(topic, topic.version)}"' in html
    assert 'data-count-text="2 comments"' in html
    assert client.get(since_url(topic, topic.version)).status_code == 204


def test_edits_and_hides_arrive_too(client, topic, neighbour, staff, on_commit):
    comment = on_commit(actions.post_comment, topic, neighbour, "Frist")
    topic.refresh_from_db()
    seen = topic.version
    on_commit(actions.edit_comment, comment, neighbour, "First")
    html = client.get(since_url(topic, seen)).content.decode()
    assert "First" in html and "Frist" not in html and ">edited<" in html
    topic.refresh_from_db()
    seen = topic.version
    on_commit(actions.set_hidden, comment, by=staff, hidden=True, reason="spam")
    html = client.get(since_url(topic, seen)).content.decode()
    assert "Hidden by a moderator: spam" in html


def test_poll_refuses_nonsense(client, topic):
    assert client.get(since_url(topic, "x")).status_code == 400
    assert client.get(
        reverse("discussions:comments-since", args=[999999]) + "?v=1"
    ).status_code == (404)


def test_page_polls_from_its_own_version(client, topic):
    make_comment(topic)
    topic.refresh_from_db()
    html = client.get(topic.get_absolute_url()).content.decode()
    assert f'hx-get="{since_url(topic, topic.version)}"' in html
    # Only while the page is visible: discussion.js drops the request otherwise (a condition
    # in hx-trigger would need eval, which the CSP forbids).
    assert 'hx-trigger="every 4s"' in html
