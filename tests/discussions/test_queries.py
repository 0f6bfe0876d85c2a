"""Query budgets: a thread page costs the same few queries at 3 comments or 300."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from discussions.models import Comment, Thread
from discussions.queries import PAGE_SIZE, discussion_context
from tests.discussions.conftest import HTMX
from tests.factories import add_comments, make_user


@pytest.fixture
def users(db):
    return [make_user(first_name=f"Person{n}", last_name="Test") for n in range(5)]


@pytest.mark.parametrize("size", [3, 300])
def test_topic_page_for_anonymous_costs_three_queries(
    client, topic, users, size, django_assert_num_queries
):
    add_comments(topic, size, users)
    with django_assert_num_queries(3):
        # 1. the topic with its author
        # 2. its volunteer calls (none here; the volunteers' template tag)
        # 3. the first page of comments with authors and replied-to authors (one query,
        #    the page boundary is a subquery)
        response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    # A third of the comments are top-level, each with two replies: a page of them.
    assert response.content.decode().count('class="comment-node') >= min(size, 3 * PAGE_SIZE)


@pytest.mark.parametrize("size", [3, 300])
def test_topic_page_for_a_resident_costs_six_queries(
    client, resident, topic, users, size, django_assert_num_queries
):
    add_comments(topic, size, users)
    client.force_login(resident)
    with django_assert_num_queries(6):
        # 1. the session
        # 2. the user
        # 3. the topic with its author, the viewer's follow, support and official membership
        # 4. its volunteer calls (none here)  5. may the viewer organise one? (verified email)
        # 6. the first page of comments, with whether the viewer flagged each one
        response = client.get(topic.get_absolute_url())
    assert response.status_code == 200


@pytest.mark.parametrize("size", [3, 300])
def test_discussion_context_for_a_report_costs_two_queries(
    report_thread, staff, users, size, django_assert_num_queries
):
    """What the report page adds to its own queries (the staff viewer is an official)."""
    add_comments(report_thread, size, users)
    request = RequestFactory().get(report_thread.url)
    request.user = staff
    with django_assert_num_queries(2):
        # 1. the thread with the viewer's follow, support and official membership
        # 2. the first page of comments
        context = discussion_context(request, report_thread)
    discussion = context["discussion"]
    assert discussion["can_moderate"] and discussion["can_post"]
    assert discussion["thread_url"] == report_thread.url
    assert discussion["has_more"] is (size == 300)


@pytest.mark.parametrize("size", [3, 300])
def test_cached_fragments_render_the_same(report_thread, staff, users, size):
    add_comments(report_thread, size, users)
    request = RequestFactory().get("/")
    request.user = staff
    first = str(discussion_context(request, report_thread)["discussion"]["comments_html"])
    again = str(discussion_context(request, report_thread)["discussion"]["comments_html"])
    assert first == again


@pytest.mark.parametrize("size", [3, 300])
def test_show_more_page_costs_two_queries_once_the_user_is_kept(
    client, resident, topic, users, size, django_assert_num_queries
):
    add_comments(topic, size, users)
    client.force_login(resident)
    first_top = Comment.objects.filter(thread=topic, depth=0).order_by("path").first()
    url = reverse("discussions:comments", args=[topic.pk]) + f"?after={first_top.pk}"
    with django_assert_num_queries(6):
        # The first time: 1. the users version  2. the session  3. the user
        # 4. their profile (kept with them)  5. the thread (visible) with the viewer's
        # state  6. the page of comments
        response = client.get(url, **HTMX)
    assert response.status_code == 200
    with django_assert_num_queries(2):
        # Then who is signed in is kept in the process (civic/signed_in.py): the thread
        # and the page of comments
        response = client.get(url, **HTMX)
    assert response.status_code == 200


def test_a_report_thread_address_is_derived_from_its_report(report, django_assert_num_queries):
    thread = Thread.objects.get(pk=report.thread_id)
    with django_assert_num_queries(0):
        assert thread.get_absolute_url() == report.get_absolute_url()
    # Nothing to type in: the address is not a field a form or the admin can set.
    assert "url" not in {f.name for f in Thread._meta.get_fields()}
    assert not Thread._meta.get_field("owner_id").editable


def test_a_thread_read_in_plain_sql_carries_the_viewers_state_as_the_orm_annotates_it(
    topic, neighbour
):
    from django.contrib.auth.models import Group

    from civic.models import Profile
    from discussions.access import VIEWER_STATE, thread_with_viewer_state, with_viewer_state
    from discussions.models import Follow, Support

    officials = Group.objects.create(name="Borough officers")
    Thread.objects.filter(pk=topic.pk).update(official_group=officials)
    involved, bystander = make_user(), make_user()
    Follow.objects.create(thread=topic, user=involved)
    Support.objects.create(thread=topic, user=involved)
    involved.groups.add(officials)
    Profile.objects.update_or_create(user=involved, defaults={"display_name": "Involved"})
    Profile.objects.update_or_create(user=bystander, defaults={"display_name": ""})

    for user, expected in ((involved, True), (bystander, False)):
        thread = thread_with_viewer_state(topic.pk, user)
        annotated = with_viewer_state(Thread.objects.filter(pk=topic.pk), user).get()
        assert thread.pk == topic.pk and thread.title == annotated.title
        assert thread.last_activity_at == annotated.last_activity_at
        for name in VIEWER_STATE:
            assert getattr(thread, name) is expected, name
            assert getattr(annotated, name) is expected, name
    assert thread_with_viewer_state(topic.pk + 1000, involved) is None
