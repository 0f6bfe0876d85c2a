"""Signed-in home, report list, community list and stats page: one copy per data
version for every resident alike (staff another: their links differ), each served with
the reader's own CSRF token, never with another person's messages; a new report, a
language switch or new figures show at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability import stats
from civic.kept import CSRF_PLACEHOLDER
from civic.models import Profile
from tests.civic.test_page_cache import ANY_TOKEN, TOKEN
from tests.factories import make_report, make_user

pytestmark = pytest.mark.django_db

PAGES = ["/", "/reports/", "/community/", "/reports/stats/"]


def _signed_in(user=None, **kw) -> Client:
    client = Client(**kw)
    client.force_login(user or make_user())
    return client


def _html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert CSRF_PLACEHOLDER not in html
    return html


@pytest.fixture
def figures(report):
    stats.refresh()


@pytest.mark.parametrize("url", PAGES)
def test_residents_share_one_copy_each_with_a_working_token_of_their_own(url, figures):
    alice, bob = _signed_in(), _signed_in(enforce_csrf_checks=True)
    first = _html(alice, url)
    second = _html(bob, url)
    assert ANY_TOKEN.sub("", first) == ANY_TOKEN.sub("", second)
    token = TOKEN.search(second)[1]
    assert token != TOKEN.search(first)[1]
    # Bob's token is his: the footer's language switch accepts it.
    switched = bob.post(
        reverse("set_language"), {"language": "es", "next": url, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    # And his page is in Spanish at once; Alice's stays in English.
    assert '<html lang="es">' in _html(bob, url)
    assert '<html lang="en">' in _html(alice, url)


@pytest.mark.parametrize("url", PAGES)
def test_staff_get_their_links_and_residents_never_do(url, figures, staff):
    resident = _signed_in()
    assert "Sign out" in _html(resident, url)
    queue = reverse("triage:queue")
    assert f'href="{queue}"' in _html(_signed_in(staff), url)
    assert f'href="{queue}"' not in _html(resident, url)
    assert f'href="{queue}"' not in _html(_signed_in(), url)


@pytest.mark.parametrize("url", PAGES)
def test_ones_messages_are_shown_to_them_only(url, figures, report):
    poster, reader = make_user(), make_user()
    poster_client, reader_client = _signed_in(poster), _signed_in(reader)
    _html(reader_client, url)  # kept
    # A comment posted without JavaScript leaves a message for its author's next page.
    Profile.objects.update_or_create(user=poster, defaults={"display_name": "Poster"})
    poster_client.post(
        reverse("discussions:comments", args=[report.thread_id]), {"body": "A point."}
    )
    assert "Your comment has been posted." in _html(poster_client, url)
    assert "Your comment has been posted." not in _html(reader_client, url)
    # Shown once: the poster's next page is the shared one again.
    assert "Your comment has been posted." not in _html(poster_client, url)


def test_a_kept_signed_in_page_costs_who_they_are_and_the_versions_only(report):
    alice, bob = _signed_in(), _signed_in()
    _html(alice, "/")
    with CaptureQueriesContext(connection) as queries:
        _html(bob, "/")
    # The session, the user and their profile (kept with them from now on); the data
    # versions come from the cache here.
    assert len(queries) == 3, [q["sql"] for q in queries.captured_queries]


def test_a_resident_back_on_a_kept_page_costs_no_query_for_who_they_are(report):
    bob = _signed_in()
    _html(bob, "/")
    with CaptureQueriesContext(connection) as queries:
        html = _html(bob, "/")
    # Who Bob is was kept with his session (civic/signed_in.py); the versions are cached.
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]
    assert "Sign out" in html


def _same_session(client: Client) -> Client:
    """Another browser replaying `client`'s session cookie."""
    replay = Client()
    replay.cookies["sessionid"] = client.cookies["sessionid"].value
    return replay


@pytest.mark.parametrize("url", ["/", "/reports/", "/community/"])
def test_who_is_kept_is_forgotten_at_once_when_they_sign_out_or_are_suspended(url, report, staff):
    leaving, suspended = _signed_in(), _signed_in(user=make_user())
    for client in (leaving, suspended):
        assert "Sign out" in _html(client, url)
        assert "Sign out" in _html(client, url)  # kept now
    replay = _same_session(leaving)
    assert "Sign out" in _html(replay, url)

    leaving.post(reverse("account_logout"))
    from reports.actions import suspend_user

    suspend_user(_user_of(suspended), by=staff, reason="Spam")

    # The old cookie no longer signs anyone in, here or in any other process.
    assert "Sign out" not in _html(replay, url)
    assert "Sign out" not in _html(suspended, url)


def _user_of(client: Client):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def test_becoming_staff_shows_on_the_next_kept_page(report, authority):
    officer = make_user()
    client = _signed_in(user=officer)
    assert "Queue" not in _html(client, "/")
    assert "Queue" not in _html(client, "/")  # kept as a resident

    officer.is_staff = True
    officer.save(update_fields=["is_staff"])

    assert "Queue" in _html(client, "/")


def test_a_session_deleted_on_the_server_signs_out_at_once(report):
    from django.contrib.sessions.models import Session

    client = _signed_in()
    _html(client, "/")
    _html(client, "/")
    Session.objects.filter(session_key=client.cookies["sessionid"].value).delete()

    assert "Sign out" not in _html(client, "/")


def test_a_new_report_shows_on_signed_in_home_and_list_at_once(service):
    reader = _signed_in()
    assert "Cracked kerb" not in _html(reader, "/")
    make_report(service=service, title="Cracked kerb")
    assert "Cracked kerb" in _html(reader, "/")
    assert "Cracked kerb" in _html(reader, "/reports/")


def test_the_stats_page_shows_new_figures_when_the_worker_brings_them(service, authority):
    reader = _signed_in()
    assert "The figures are being prepared." in _html(reader, "/reports/stats/")
    make_report(service=service)
    stats.refresh()
    html = _html(reader, "/reports/stats/")
    assert "The figures are being prepared." not in html
    assert "Updated every 10 minutes." in html


def test_a_kept_report_page_costs_no_query_when_the_resident_comes_back(report):
    from tests.factories import make_comment

    make_comment(report.thread, author=make_user(), body="Deep enough to lose a wheel.")
    reader = _signed_in()
    url = report.get_absolute_url()
    counts = []
    for _visit in range(3):
        with CaptureQueriesContext(connection) as queries:
            html = _html(reader, url)
        counts.append([q["sql"] for q in queries.captured_queries])
    # The first visit builds the page; the second reads the versions (kept in the shared
    # cache from then on) and the report's keys, which are kept from then on too, as are
    # who they are and their part in the thread: the third costs no query.
    assert len(counts[0]) > 3
    assert len(counts[1]) == 2, counts[1]
    assert counts[2] == []
    assert "Deep enough to lose a wheel." in html and "Sign out" in html


def test_what_a_resident_does_on_a_report_shows_on_their_kept_page_at_once(report):
    """Their part in the page is kept for them: each of their own actions must renew it."""
    from allauth.account.models import EmailAddress

    from discussions.actions import flag_comment, set_following
    from tests.factories import make_comment

    comment = make_comment(report.thread, author=make_user(), body="Deep enough.")
    resident = make_user(email="reader@example.org")
    EmailAddress.objects.filter(user=resident).delete()  # not verified yet
    reader = _signed_in(resident)
    url = report.get_absolute_url()
    assert ">Unfollow<" not in _html(reader, url)
    set_following(report.thread, resident, True)
    assert ">Unfollow<" in _html(reader, url)
    set_following(report.thread, resident, False)
    assert ">Unfollow<" not in _html(reader, url)

    assert "You flagged this comment" not in _html(reader, url)
    flag_comment(comment, resident, "Rude")
    assert "You flagged this comment" in _html(reader, url)

    # A verified address lets them organise volunteers here.
    assert "Organise volunteers" not in _html(reader, url)
    EmailAddress.objects.create(user=resident, email=resident.email, verified=True, primary=True)
    # Organising is for verified residents only: the page had not offered it before.
    assert "Organise volunteers" in _html(reader, url)


def test_saying_still_broken_shows_on_the_residents_kept_page_at_once(report):
    from reports.models import Report
    from reports.reopening import confirm_still_broken

    Report.objects.filter(pk=report.pk).update(state=Report.State.FIXED)
    resident = make_user()
    reader = _signed_in(resident)
    url = report.get_absolute_url()
    assert "You have said it is still broken" not in _html(reader, url)
    confirm_still_broken(report, resident)
    assert "You have said it is still broken" in _html(reader, url)


def _comment(client: Client, report) -> object:
    url = reverse("discussions:comments", args=[report.thread_id])
    return client.post(url, {"body": "Still there."}, HTTP_HX_REQUEST="true")


def test_a_resident_posting_again_is_kept_and_a_new_display_name_shows_at_once(report):
    person = make_user(display_name="Rosa")
    client = _signed_in(user=person)
    assert "Rosa" in _comment(client, report).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = _comment(client, report)
    assert "Rosa" in again.content.decode()
    # Who they are and their name come from what this process kept.
    read = [
        query["sql"].split(" FROM ")[1].split()[0]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and " FROM " in query["sql"]
    ]
    assert not {'"django_session"', '"auth_user"', '"civic_profile"'} & set(read)

    client.post(
        reverse("account-settings"),
        {"display_name": "Rosa P.", "email_comments": "instant", "email_status": "instant"}
        | {"email_alerts": "instant"},
    )
    assert Profile.objects.get(user=person).display_name == "Rosa P."
    # Kept with the person, the profile is forgotten with them: the new name is used.
    assert "Rosa P." in _comment(client, report).content.decode()


def test_a_resident_suspended_after_posting_cannot_post_again(report, staff):
    from discussions.models import Comment
    from reports.actions import suspend_user

    person = make_user()
    client = _signed_in(user=person)
    assert _comment(client, report).status_code == 200
    assert _comment(client, report).status_code == 200  # kept now
    suspend_user(person, by=staff, reason="Spam")

    refused = _comment(client, report)
    assert refused.status_code in (302, 403)
    assert Comment.objects.filter(author=person).count() == 2


def test_each_request_gets_its_own_copy_of_the_kept_user_and_profile():
    from civic.signed_in import _copy

    kept = make_user()
    profile = Profile.for_user(kept)
    profile.display_name = "Rosa"
    kept = type(kept).objects.select_related("profile").get(pk=kept.pk)

    mine = _copy(kept)
    mine.first_name = "Changed"
    mine.profile.display_name = "Changed too"
    mine._state.fields_cache["groups"] = "anything"

    assert mine == kept and mine is not kept and not mine._state.adding
    assert mine._state.db == kept._state.db
    assert kept.first_name != "Changed"
    assert kept.profile.display_name != "Changed too"
    assert "groups" not in kept._state.fields_cache
    # The copy works as the user it copies: its related objects and its saving.
    assert mine.profile.user_id == kept.pk
    mine.save(update_fields=["first_name"])
    assert type(kept).objects.get(pk=kept.pk).first_name == "Changed"
