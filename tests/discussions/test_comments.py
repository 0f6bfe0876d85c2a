"""Posting, replying, editing and deleting comments, with every persona."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from discussions import actions
from discussions.models import MAX_DEPTH, Comment, Follow, Thread
from tests.discussions.conftest import HTMX
from tests.factories import make_comment, make_user


def post_url(thread):
    return reverse("discussions:comments", args=[thread.pk])


def test_resident_posts_a_comment_and_is_sent_back_to_it(client, resident, topic):
    client.force_login(resident)
    response = client.post(post_url(topic), {"body": "Yes please, with a *roof*."})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response.url == f"{topic.get_absolute_url()}#comment-{comment.pk}"
    assert comment.author == resident and not comment.is_official
    assert comment.body_html == "<p>Yes please, with a <em>roof</em>.</p>"
    topic.refresh_from_db()
    assert topic.comment_count == 1
    assert Follow.objects.filter(thread=topic, user=resident).exists()
    page = client.get(response.url)
    assert "Your comment has been posted." in page.content.decode()


def test_htmx_post_returns_the_new_comment_for_the_end_of_the_list(client, resident, topic):
    client.force_login(resident)
    response = client.post(post_url(topic), {"body": "Good idea"}, **HTMX)
    comment = Comment.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#comments-{topic.pk}"
    assert response["HX-Reswap"] == "beforeend"
    assert f'id="node-{comment.pk}"' in html and "Good idea" in html
    # A fresh, empty form replaces the one just used.
    assert f'id="comment-form-{topic.pk}"' in html and 'hx-swap-oob="true"' in html


def test_the_fresh_form_is_each_posters_own_and_in_their_language(resident, neighbour, topic):
    # The empty form that replaces a posted one is rendered once per thread and
    # language: each poster still gets a CSRF token of their own that posts again,
    # and a Spanish reader's form is in Spanish.
    def fresh_form(user, language: str) -> str:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.get(topic.get_absolute_url())
        token = client.cookies[settings.CSRF_COOKIE_NAME].value
        first = client.post(
            post_url(topic), {"body": "First"}, HTTP_X_CSRFTOKEN=token, **HTMX
        ).content.decode()
        form = first[first.index(f'<form class="comment-form" id="comment-form-{topic.pk}"') :]
        form = form[: form.index("</form>")]
        assert "First" not in form  # empty
        fresh = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        again = client.post(post_url(topic), {"body": "Again", "csrfmiddlewaretoken": fresh})
        assert again.status_code == 302  # the fresh form's token is accepted
        return form.replace(fresh, "TOKEN")

    english, english_again = fresh_form(resident, "en"), fresh_form(neighbour, "en")
    spanish = fresh_form(resident, "es")
    assert "Post comment" in english and english == english_again
    assert "Publicar comentario" in spanish and "Post comment" not in spanish
    assert Comment.objects.filter(body="Again").count() == 3


def test_report_comment_redirects_to_the_report_page(client, resident, report_thread, report):
    client.force_login(resident)
    response = client.post(post_url(report_thread), {"body": "Still there today."})
    assert response.url.startswith(report.get_absolute_url())


def test_anonymous_visitor_cannot_post(anonymous, topic):
    response = anonymous.post(post_url(topic), {"body": "Hello"})
    assert response.status_code == 302
    assert reverse("account_login") in response.url
    assert not Comment.objects.exists()


def test_staff_of_the_responsible_authority_speak_officially(client, staff, report_thread):
    client.force_login(staff)
    client.post(post_url(report_thread), {"body": "We will fix it this week."})
    assert Comment.objects.get().is_official


def test_staff_of_another_authority_do_not(client, other_staff, report_thread):
    client.force_login(other_staff)
    client.post(post_url(report_thread), {"body": "Not our pipe."})
    assert not Comment.objects.get().is_official


def test_official_badge_shows_on_the_comment(client, staff, topic):
    topic.official_group = staff.groups.get()
    topic.save(update_fields=["official_group"])
    make_comment(topic, author=staff, body="Council here.")
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "badge-official" in html and ">Official<" in html


def test_reply_nests_under_its_parent(client, resident, neighbour, topic):
    parent = make_comment(topic, author=neighbour, body="Where exactly?")
    client.force_login(resident)
    url = reverse("discussions:comment-reply", args=[parent.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200 and "Reply to Nia Jones" in form.content.decode()
    response = client.post(url, {"body": "By the post office."}, **HTMX)
    reply = Comment.objects.get(parent=parent)
    assert response["HX-Retarget"] == f"#replies-{parent.pk}"
    # The reply form closes.
    assert f'id="slot-{parent.pk}" hx-swap-oob="true"' in response.content.decode()
    assert (reply.depth, reply.reply_to, reply.path) == (
        1,
        parent,
        f"{parent.path}/{Comment.path_segment(reply.pk)}",
    )


def test_reply_form_works_without_javascript(client, resident, neighbour, topic):
    parent = make_comment(topic, author=neighbour)
    client.force_login(resident)
    url = reverse("discussions:comment-reply", args=[parent.pk])
    page = client.get(url)
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = client.post(url, {"body": "Plain form reply"})
    assert response.status_code == 302
    assert Comment.objects.filter(parent=parent, body="Plain form reply").exists()


def test_replies_past_the_depth_limit_attach_at_the_last_level(client, resident, topic):
    alice = make_user(first_name="Alice", last_name="A")
    chain = [make_comment(topic, author=alice, body="level 0")]
    for level in range(1, MAX_DEPTH):
        chain.append(make_comment(topic, body=f"level {level}", reply_to=chain[-1]))
    deepest = chain[-1]
    assert deepest.depth == MAX_DEPTH - 1
    deepest.author = alice
    deepest.save(update_fields=["author"])

    client.force_login(resident)
    response = client.post(
        reverse("discussions:comment-reply", args=[deepest.pk]), {"body": "too deep"}, **HTMX
    )
    reply = Comment.objects.get(body="too deep")
    assert reply.depth == MAX_DEPTH - 1
    assert reply.parent_id == deepest.parent_id
    assert reply.reply_to == deepest
    assert response["HX-Retarget"] == f"#replies-{deepest.parent_id}"
    assert "replying to Alice A" in response.content.decode()
    # Nested replies inside the limit carry no label: the nesting says it.
    assert client.get(topic.get_absolute_url()).content.decode().count("replying to") == 1


def test_nobody_can_reply_on_a_locked_thread(client, resident, neighbour, topic):
    parent = make_comment(topic, author=neighbour)
    topic.is_locked = True
    topic.save(update_fields=["is_locked"])
    client.force_login(resident)
    reply = client.post(reverse("discussions:comment-reply", args=[parent.pk]), {"body": "x"})
    top = client.post(post_url(topic), {"body": "y"}, **HTMX)
    assert reply.status_code == 403 and top.status_code == 403
    assert top.content.decode() == "This discussion is closed to new comments."
    assert Comment.objects.count() == 1
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "closed to new comments" in page and "Add a comment" not in page
    assert ">Reply<" not in page


def test_empty_and_overlong_comments_are_refused_with_a_clear_message(client, resident, topic):
    client.force_login(resident)
    empty = client.post(post_url(topic), {"body": "   "}, **HTMX)
    assert "Please write something before posting." in empty.content.decode()
    long = client.post(post_url(topic), {"body": "a" * 5001}, **HTMX)
    assert long.status_code == 200  # htmx swaps the form with its errors
    assert "Please keep your comment under 5000 characters (it has 5001)." in long.content.decode()
    plain = client.post(post_url(topic), {"body": ""})
    assert plain.status_code == 200 and "<html" in plain.content.decode()
    assert not Comment.objects.exists()


def test_posting_too_fast_is_refused(client, resident, topic, settings):
    settings.RATE_LIMITS = {"comment": [(60, 2)]}
    client.force_login(resident)
    for n in range(2):
        assert client.post(post_url(topic), {"body": f"comment {n}"}).status_code == 302
    third = client.post(post_url(topic), {"body": "one more"})
    assert third.status_code == 429
    assert 1 <= int(third["Retry-After"]) <= 60
    assert "You are posting too quickly" in third.content.decode()
    assert Comment.objects.count() == 2


def test_author_edits_within_15_minutes_and_it_is_marked_edited(client, resident, topic):
    comment = make_comment(topic, author=resident, body="Typo hre")
    client.force_login(resident)
    url = reverse("discussions:comment-edit", args=[comment.pk])
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        form = client.get(url, **HTMX)
        assert "Typo hre" in form.content.decode()
        response = client.post(url, {"body": "Typo here"}, **HTMX)
    comment.refresh_from_db()
    assert comment.body == "Typo here" and comment.edited_at is not None
    assert response["HX-Retarget"] == f"#comment-{comment.pk}"
    assert ">edited<" in response.content.decode()


def test_nobody_edits_someone_elses_comment(client, resident, neighbour, topic, staff):
    comment = make_comment(topic, author=neighbour, body="Mine")
    for user in (resident, staff):
        client.force_login(user)
        url = reverse("discussions:comment-edit", args=[comment.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"body": "Hijacked"}).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_nobody_edits_on_a_locked_thread(client, resident, topic):
    comment = make_comment(topic, author=resident, body="Before the lock")
    Thread.objects.filter(pk=topic.pk).update(is_locked=True)
    client.force_login(resident)
    response = client.post(
        reverse("discussions:comment-edit", args=[comment.pk]), {"body": "After"}
    )
    assert response.status_code == 403
    assert ">Edit<" not in client.get(topic.get_absolute_url()).content.decode()


def test_author_cannot_edit_after_15_minutes(client, resident, topic):
    comment = make_comment(topic, author=resident, body="Original")
    client.force_login(resident)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.post(
            reverse("discussions:comment-edit", args=[comment.pk]), {"body": "Late"}, **HTMX
        )
        page = client.get(topic.get_absolute_url()).content.decode()
    assert response.status_code == 403
    assert "first 15 minutes" in response.content.decode()
    assert ">Edit<" not in page
    comment.refresh_from_db()
    assert comment.body == "Original"


def test_author_deletes_a_comment_and_its_replies_stay(client, resident, neighbour, topic):
    comment = make_comment(topic, author=resident, body="Regrettable words")
    make_comment(topic, author=neighbour, body="A reply that stays", reply_to=comment)
    client.force_login(resident)
    url = reverse("discussions:comment-delete", args=[comment.pk])
    assert "Delete your comment?" in client.get(url).content.decode()
    response = client.post(url, **HTMX)
    assert response.status_code == 200 and "[deleted]" in response.content.decode()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Regrettable words" not in page
    assert "[deleted]" in page and "A reply that stays" in page
    topic.refresh_from_db()
    assert topic.comment_count == 1


def test_nobody_deletes_someone_elses_comment(client, resident, neighbour, topic):
    comment = make_comment(topic, author=neighbour, body="Keep me")
    client.force_login(resident)
    response = client.post(reverse("discussions:comment-delete", args=[comment.pk]))
    assert response.status_code == 403
    comment.refresh_from_db()
    assert not comment.is_deleted


def test_comment_address_leads_to_the_page_that_shows_it(client, topic, settings):
    from discussions import queries

    first = make_comment(topic, body="first")
    assert client.get(reverse("discussions:comment-detail", args=[first.pk])).url == (
        f"{topic.get_absolute_url()}#comment-{first.pk}"
    )
    tops = [first] + [make_comment(topic) for _ in range(queries.PAGE_SIZE)]
    late = tops[-1]
    response = client.get(reverse("discussions:comment-detail", args=[late.pk]))
    assert response.url == (
        f"{topic.get_absolute_url()}?comments_after={tops[-2].pk}#comment-{late.pk}"
    )
    page = client.get(response.url).content.decode()
    assert f'id="comment-{late.pk}"' in page and f'id="comment-{first.pk}"' not in page


def test_long_threads_show_more_by_pages(client, topic):
    from discussions import queries

    size = queries.PAGE_SIZE
    tops = [make_comment(topic, body=f"top {n}") for n in range(size + 2)]
    last = tops[size - 1]
    reply = make_comment(topic, body="reply to the last of page one", reply_to=last)
    page = client.get(topic.get_absolute_url()).content.decode()
    assert f'id="comment-{last.pk}"' in page and f'id="comment-{reply.pk}"' in page
    assert f'id="comment-{tops[size].pk}"' not in page
    more = reverse("discussions:comments", args=[topic.pk]) + f"?after={last.pk}"
    assert f'hx-get="{more}"' in page
    fragment = client.get(more, **HTMX).content.decode()
    assert (
        f'id="comment-{tops[size].pk}"' in fragment
        and f'id="comment-{tops[size + 1].pk}"' in fragment
    )
    assert "show-more" not in fragment and "<html" not in fragment
    # Without JavaScript the same link leads to the page that shows them.
    assert client.get(more).status_code == 302


def test_a_comment_is_read_and_rendered_before_its_transaction_and_written_in_it(resident, topic):
    with CaptureQueriesContext(connection) as before:
        new = actions.prepare_comment(topic, resident, "Mine is **deep**: write to ana@example.org")
    # Nothing written yet: reads at most (whether the author speaks officially).
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in before.captured_queries)
    assert not Comment.objects.exists()
    assert new.comment.body_html.startswith("<p>Mine is <strong>deep</strong>")
    assert "ana@example.org" not in new.comment.body  # masked before the write, too
    comment = new.create()
    stored = Comment.objects.get()
    assert stored.pk == comment.pk and stored.body_html == new.comment.body_html
    assert stored.version == comment.version and stored.path == comment.path
    assert Follow.objects.filter(thread=topic, user=resident).exists()
    topic.refresh_from_db()
    assert topic.comment_count == 1
