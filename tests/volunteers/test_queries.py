"""Query counts that do not grow with the data (1 row and 30 rows)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.volunteers.conftest import people
from tests.volunteers.support import make_opportunity

pytestmark = pytest.mark.django_db


def calls_with_volunteers(thread, organiser, rows: int):
    volunteers = people(rows, prefix=f"q{rows}-")
    calls = [make_opportunity(thread, organiser, capacity=rows) for _ in range(min(rows, 10))]
    for n, person in enumerate(volunteers):
        calls[n % len(calls)].sign_up(person, show_name=n % 2 == 0, note=f"Note {n}")
    return calls, volunteers


@pytest.mark.parametrize("rows", [1, 30])
def test_report_page_with_calls(rows, client, report, organiser, django_assert_num_queries):
    _calls, volunteers = calls_with_volunteers(report.thread, organiser, rows)
    client.force_login(volunteers[0])

    with django_assert_num_queries(16):
        # 1. the session  2. the user  3. their profile (kept with them from now on)
        # What the viewer's view of the page is (reports.views.detail._resident_view): they
        # signed up, so the page is built for them alone:
        # 4. the report's thread, state and reporter  5. the viewer's state in the thread
        # 6. the viewer's part in its calls
        # 7. the report with service, authority, reporter, thread and duplicate_of
        # 8. its photos  9. its timeline  10. its service's attributes
        # 11. the thread with the viewer's follow/support state  12. the first page of comments
        # 13. its volunteer calls with their counts and organisers
        # 14. the calls' opted-in public names
        # 15. the viewer's own sign-ups on these calls
        # 16. may the viewer organise? (their verified email address; a staff
        #     member instead costs one query for "may they manage these calls?")
        response = client.get(report.get_absolute_url())

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 30])
def test_roster(rows, client, report, organiser, django_assert_num_queries):
    calls = [make_opportunity(report.thread, organiser, capacity=None)]
    for person in people(rows, prefix=f"r{rows}-"):
        calls[0].sign_up(person, note="hello")
    client.force_login(organiser)

    with django_assert_num_queries(5):
        # 1. the session  2. the user
        # 3. the call with its thread and organiser (visible threads only)
        # 4. its sign-ups with their users
        # 5. the report of the call's thread (for "mark fixed")
        response = client.get(reverse("volunteers:roster", args=[calls[0].pk]))

    assert response.content.decode().count("@example.org</a>") == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_volunteer_list(rows, client, report, organiser, django_assert_num_queries):
    for n in range(rows):
        make_opportunity(report.thread, organiser, lat=51.51, lon=-0.14, title=f"Call {n}")

    with django_assert_num_queries(1):
        # 1. upcoming calls on visible threads, with counts and their threads
        response = client.get(reverse("volunteers:list"))

    assert response.content.decode().count('class="volunteer-list__item"') == rows
