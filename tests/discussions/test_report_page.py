"""The discussion on a report's page (the reports app includes our partial)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civic import versions
from discussions.models import Comment, Thread
from tests.factories import add_comments, make_comment, make_user


def test_report_page_shows_the_discussion_at_its_derived_address(client, report, staff):
    make_comment(report.thread, author=staff, body="We have scheduled a repair.")
    client.force_login(make_user())
    html = client.get(report.get_absolute_url()).content.decode()
    assert 'class="discussion"' in html and "We have scheduled a repair." in html
    assert "badge-official" in html and "Me too" in html
    assert Thread.objects.get(pk=report.thread_id).url == report.get_absolute_url()


def test_comment_on_a_report_without_javascript_returns_to_the_report(client, report, resident):
    client.force_login(resident)
    client.get(report.get_absolute_url())
    response = client.post(
        f"/community/threads/{report.thread_id}/comments/", {"body": "Still there."}
    )
    comment = Comment.objects.get()
    assert response.url == f"{report.get_absolute_url()}#comment-{comment.pk}"
    assert "Still there." in client.get(response.url).content.decode()


@pytest.mark.parametrize("viewer", ["anonymous", "resident", "staff"])
def test_report_page_queries_do_not_grow_with_the_thread(
    client, service, authority, resident, staff, viewer
):
    from tests.factories import make_report

    users = [make_user(first_name=f"P{n}", last_name="T") for n in range(4)]
    small = make_report(service=service, reporter=resident)
    large = make_report(service=service, reporter=resident)
    add_comments(small.thread, 3, users)
    add_comments(large.thread, 300, users)
    if viewer != "anonymous":
        client.force_login(resident if viewer == "resident" else staff)
    for report in (small, large):  # the data versions each page is kept under, cached
        client.get(report.get_absolute_url())
    counts = []
    for report in (small, large, small, large):
        # The page as built: a kept copy for visitors without a session costs none
        # (tests/civic/test_page_cache.py).
        versions.clear_memo()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(report.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2] == counts[3], counts
