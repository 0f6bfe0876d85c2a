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


def test_a_kept_signed_in_page_costs_the_session_and_the_versions_only(report):
    alice, bob = _signed_in(), _signed_in()
    _html(alice, "/")
    with CaptureQueriesContext(connection) as queries:
        _html(bob, "/")
    # The session and the user; the data versions come from the cache here.
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]


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
