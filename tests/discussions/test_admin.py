"""The admin: threads, comments with their filters, bulk hide/unhide, the flag queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from discussions import actions
from discussions.models import Comment, Flag
from tests.factories import make_comment, make_topic, make_user


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("count", [1, 20])
def test_changelists_load_without_n_plus_one(
    admin_client, topic, count, django_assert_max_num_queries
):
    for _ in range(count):
        comment = make_comment(topic)
        actions.flag_comment(comment, make_user(), "spam")
    for name in ("thread", "comment", "flag", "follow", "notification"):
        # session, user, then a handful per page, whatever the number of rows
        with django_assert_max_num_queries(12):
            response = admin_client.get(reverse(f"admin:discussions_{name}_changelist"))
        assert response.status_code == 200, name


def test_comment_filters_for_hidden_and_flagged(admin_client, topic):
    flagged = make_comment(topic, body="Flagged one")
    make_comment(topic, body="Quiet one")
    actions.flag_comment(flagged, make_user(), "spam")
    url = reverse("admin:discussions_comment_changelist")
    html = admin_client.get(url, {"flagged": "open"}).content.decode()
    assert "Flagged one" in html and "Quiet one" not in html
    assert "Quiet one" not in admin_client.get(url, {"is_hidden__exact": "1"}).content.decode()


def test_comment_changelist_lists_the_newest_first_across_threads(admin_client, topic):
    """What came in last leads, whichever thread it is in: by path (a thread's order),
    the reply would sit under the oldest and the other thread's comment last."""
    first = make_comment(topic, body="Oldest words")
    make_comment(make_topic(title="Another bench"), body="Middle words")
    make_comment(topic, body="Newest words", reply_to=first)
    html = admin_client.get(reverse("admin:discussions_comment_changelist")).content.decode()
    positions = [html.index(words) for words in ("Newest words", "Middle words", "Oldest words")]
    assert positions == sorted(positions)


def test_bulk_hide_and_unhide(admin_client, topic, superuser):
    comments = [make_comment(topic, body=f"c{n}") for n in range(3)]
    url = reverse("admin:discussions_comment_changelist")
    ids = [c.pk for c in comments]
    admin_client.post(url, {"action": "hide_comments", "_selected_action": ids})
    assert Comment.objects.filter(is_hidden=True, hidden_by=superuser).count() == 3
    admin_client.post(url, {"action": "unhide_comments", "_selected_action": ids[:1]})
    assert Comment.objects.filter(is_hidden=True).count() == 2


def test_flag_queue_shows_open_flags_and_resolves_them(admin_client, topic):
    comment = make_comment(topic, body="Questionable")
    flag = actions.flag_comment(comment, make_user(), "abuse: rude")
    url = reverse("admin:discussions_flag_changelist")
    html = admin_client.get(url).content.decode()
    assert "abuse: rude" in html
    admin_client.post(url, {"action": "dismiss_flags", "_selected_action": [flag.pk]})
    assert Flag.objects.get().is_resolved
    assert "abuse: rude" not in admin_client.get(url).content.decode()
    assert "abuse: rude" in admin_client.get(url, {"status": "all"}).content.decode()


def test_staff_see_and_moderate_only_their_authoritys_discussions(
    client, staff, other_staff, resident, report_thread, topic
):
    ours = make_comment(report_thread, author=resident, body="About the borough pothole")
    make_comment(topic, author=resident, body="Community chatter")
    actions.flag_comment(ours, make_user(), "spam")
    comments = reverse("admin:discussions_comment_changelist")
    flags = reverse("admin:discussions_flag_changelist")

    client.force_login(staff)
    html = client.get(comments).content.decode()
    assert "About the borough pothole" in html and "Community chatter" not in html
    assert "About the borough" in client.get(flags).content.decode()

    client.force_login(other_staff)
    html = client.get(comments).content.decode()
    assert "About the borough pothole" not in html and "Community chatter" not in html
    assert "About the borough" not in client.get(flags).content.decode()
    client.post(comments, {"action": "hide_comments", "_selected_action": [ours.pk]})
    ours.refresh_from_db()
    assert not ours.is_hidden


def test_residents_cannot_reach_the_admin(client, resident):
    client.force_login(resident)
    response = client.get(reverse("admin:discussions_comment_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url
