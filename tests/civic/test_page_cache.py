"""Pages kept per data version (civic/versions.py `cached_page`): visitors without a
session, and signed-in residents who see a page alike, share one copy; every change
they would see renews it; nobody ever gets someone else's token, controls or messages."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civic.kept import CSRF_PLACEHOLDER
from civic.models import DataVersion
from civic_site.account import delete_account
from discussions import actions as discussion_actions
from reports.actions import change_state, edit_report, hide_report, mark_duplicate
from tests.factories import make_comment, make_report, make_user
from tests.volunteers.support import make_opportunity

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Every place a page carries the token: its forms and htmx's header.
ANY_TOKEN = re.compile(r'(value="|"X-CSRFToken": ")[A-Za-z0-9]{64}"')


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert CSRF_PLACEHOLDER not in html
    return html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# --- visitors without a session -----------------------------------------------------


def test_a_kept_page_costs_no_query_and_shows_the_same_content(report):
    url = report.get_absolute_url()
    first = _page(Client(), url)
    assert _queries(Client(), url) == 0  # the data versions come from the cache here
    again = _page(Client(), url)
    assert ANY_TOKEN.sub("", first) == ANY_TOKEN.sub("", again)
    assert "Deep pothole" in again


def test_each_visitor_gets_a_working_token_of_their_own(report):
    url = report.get_absolute_url()
    _page(Client(), url)  # kept
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.get(url)
    token = TOKEN.search(response.content.decode())[1]
    assert settings.CSRF_COOKIE_NAME in response.cookies
    assert "Cookie" in response["Vary"]
    other = TOKEN.search(Client().get(url).content.decode())[1]
    assert token != other
    # The footer's language switcher posts with it: accepted.
    switched = visitor.post(
        reverse("set_language"), {"language": "es", "next": url, "csrfmiddlewaretoken": token}
    )
    assert switched.status_code == 302
    assert '<html lang="es">' in visitor.get(url).content.decode()


def test_a_new_comment_a_state_change_and_hiding_renew_the_page(report, staff):
    url = report.get_absolute_url()
    visitor = Client()
    assert "Fresh words" not in _page(visitor, url)

    make_comment(report.thread, author=make_user(), body="Fresh words on the hole.")
    assert "Fresh words on the hole." in _page(visitor, url)

    change_state(report, "in_progress", note="Crew on site.", by=staff)
    assert "Crew on site." in _page(visitor, url)

    hide_report(report, by=staff, reason="Personal data")
    assert visitor.get(url).status_code == 404


def test_a_comment_or_me_too_renews_its_own_report_page_only(report, service):
    other = make_report(service=service, title="Leaning lamp post")
    visitor = Client()
    _page(visitor, other.get_absolute_url())  # kept
    make_comment(report.thread, author=make_user(), body="Fresh words on the hole.")
    discussion_actions.set_support(report.thread, make_user(), True)
    assert "Fresh words on the hole." in _page(visitor, report.get_absolute_url())
    # The other report's page is still the kept copy: answered without a query.
    assert _queries(Client(), other.get_absolute_url()) == 0
    make_comment(other.thread, author=make_user(), body="The lamp sways in the wind.")
    assert "The lamp sways in the wind." in _page(visitor, other.get_absolute_url())


def test_a_new_report_renews_the_lists_and_no_report_page(report, service):
    visitor = Client()
    _page(visitor, report.get_absolute_url())  # kept
    new = make_report(service=service, title="Cracked kerb")
    assert "Cracked kerb" in _page(visitor, reverse("reports:list"))
    assert _queries(Client(), report.get_absolute_url()) == 0  # still the kept copy
    # No page of the new report's thread was kept before it existed: it has no number
    # of its own until its first change, which renews the page kept meanwhile.
    assert not DataVersion.objects.filter(name=f"thread:{new.thread_id}").exists()
    assert "Cracked kerb" in _page(visitor, new.get_absolute_url())
    make_comment(new.thread, author=make_user(), body="The kerb stone is loose.")
    assert "The kerb stone is loose." in _page(visitor, new.get_absolute_url())


def test_a_duplicate_page_follows_its_original_title_and_hiding(report, service, staff):
    duplicate = make_report(service=service, title="Hole again")
    mark_duplicate(duplicate, report, by=staff)
    url = duplicate.get_absolute_url()
    visitor = Client()
    assert "Deep pothole" in _page(visitor, url)
    edit_report(report, by=staff, title="Deep pothole by the school", reason="Clearer")
    assert "Deep pothole by the school" in _page(visitor, url)
    # Hidden (its title may be why): the duplicate no longer names or links it.
    hide_report(report, by=staff, reason="Personal data in the title")
    page = _page(visitor, url)
    assert "Deep pothole" not in page and report.get_absolute_url() not in page


def test_a_me_too_and_a_sign_up_renew_the_page(report, organiser_and_call):
    _organiser, call = organiser_and_call
    url = report.get_absolute_url()
    visitor = Client()
    supporters = report.thread.support_count
    assert f"{supporters} supporter" in _page(visitor, url)  # kept from here on
    discussion_actions.set_support(report.thread, make_user(), True)
    assert f"{supporters + 1} supporter" in _page(visitor, url)
    assert "Vera" not in _page(visitor, url)
    call.sign_up(make_user(first_name="Vera"), show_name=True)
    assert "Vera" in _page(visitor, url)


def test_home_and_list_show_a_new_report_at_once(service):
    visitor = Client()
    assert "Broken bollard" not in _page(visitor, reverse("home"))
    assert "Broken bollard" not in _page(visitor, reverse("reports:list"))
    make_report(service=service, title="Broken bollard")
    assert "Broken bollard" in _page(visitor, reverse("home"))
    assert "Broken bollard" in _page(visitor, reverse("reports:list"))


def test_messages_waiting_are_shown_not_a_kept_copy(report):
    url = report.get_absolute_url()
    _page(Client(), url)
    visitor = Client()
    # What a redirect after a guest's confirmation leaves in the browser.
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Thanks: your report is confirmed.")
    response = HttpResponse()
    storage.update(response)
    visitor.cookies[CookieStorage.cookie_name] = response.cookies[CookieStorage.cookie_name].value
    assert "Thanks: your report is confirmed." in _page(visitor, url)


def test_an_error_page_after_a_failed_build_has_a_real_token(db):
    response = Client().get("/reports/987654/")
    assert response.status_code == 404
    assert CSRF_PLACEHOLDER not in response.content.decode()


# --- signed-in residents ------------------------------------------------------------


def test_signed_in_pages_never_show_the_visitors_copy(report):
    url = report.get_absolute_url()
    _page(Client(), url)  # kept for visitors
    member = Client()
    member.force_login(make_user())
    html = _page(member, url)
    assert "Sign out" in html and "Sign in" not in html


def test_residents_who_see_a_page_alike_share_it_and_see_their_own_state(report):
    url = report.get_absolute_url()
    alice, bob = make_user(), make_user()
    a, b = Client(), Client()
    a.force_login(alice)
    b.force_login(bob)
    built = _queries(a, url)
    shared = _queries(b, url)
    assert shared < built / 2, (built, shared)

    # Bob follows: his page says so, Alice's does not.
    discussion_actions.set_following(report.thread, bob, True)
    assert "Unfollow" in _page(b, url)
    assert "Unfollow" not in _page(a, url)


def test_a_commenter_gets_their_own_controls_and_others_do_not(report):
    url = report.get_absolute_url()
    author, reader = make_user(), make_user()
    make_comment(report.thread, author=author, body="Mine to edit.")
    writer, other = Client(), Client()
    writer.force_login(author)
    other.force_login(reader)
    edit = f"/community/comments/{report.thread.comments.get().pk}/edit/"
    assert edit in _page(writer, url)
    assert edit not in _page(other, url)
    assert edit in _page(writer, url)


def test_staff_always_get_the_page_built_for_them(report, staff_client):
    url = report.get_absolute_url()
    assert 'id="staff-panel"' in _page(staff_client, url)
    assert _queries(staff_client, url) > 5


# --- the empty poll ------------------------------------------------------------------


def test_the_empty_poll_is_answered_without_the_session(report):
    thread = report.thread
    url = f"{reverse('discussions:comments-since', args=[thread.pk])}?v={thread.version}"
    member = Client()
    member.force_login(make_user())
    with CaptureQueriesContext(connection) as queries:
        response = member.get(url)
    assert response.status_code == 204
    assert len(queries) == 1  # the thread's version; no session, no user
    assert response["ETag"] == f'"{thread.pk}.{thread.version}"'
    assert member.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_the_poll_of_a_hidden_report_is_refused_to_visitors(report, staff):
    thread = report.thread
    hide_report(report, by=staff, reason="Personal data")
    thread.refresh_from_db()
    url = f"{reverse('discussions:comments-since', args=[thread.pk])}?v={thread.version}"
    assert Client().get(url).status_code == 404


@pytest.fixture
def organiser_and_call(report):
    organiser = make_user()
    return organiser, make_opportunity(report.thread, organiser, title="Fill the hole", capacity=5)


# --- what a person's name changes ----------------------------------------------------


def test_a_new_display_name_shows_on_kept_pages_at_once(report, client):
    resident = make_user(email="tomas@example.org", display_name="Tomas Quill")
    make_comment(report.thread, author=resident, body="Still there this morning.")
    url = report.get_absolute_url()
    assert "Tomas Quill" in _page(Client(), url)  # kept with the old name
    client.force_login(resident)
    settings_form = {
        "display_name": "Tomas from number 12",
        "email_comments": "daily",
        "email_status": "instant",
        "email_alerts": "off",
    }
    assert client.post(reverse("account-settings"), settings_form).status_code == 302
    html = _page(Client(), url)
    assert "Tomas from number 12" in html
    assert "Tomas Quill" not in html


def test_a_deleted_account_leaves_no_name_on_kept_pages(report):
    resident = make_user(email="tomas@example.org", display_name="Tomas Quill")
    make_comment(report.thread, author=resident, body="Still there this morning.")
    url = report.get_absolute_url()
    assert "Tomas Quill" in _page(Client(), url)
    delete_account(resident)
    assert "Tomas Quill" not in _page(Client(), url)


def _kept_page(body: bytes):
    from civic.kept import _Built

    return _Built(200, (), body, None, "")


def test_a_page_only_grown_old_is_served_while_one_thread_rebuilds_it(monkeypatch):
    import threading

    from civic import kept, versions

    now = [1000.0]
    monkeypatch.setattr(versions.time, "monotonic", lambda: now[0])
    versions._memo.put("page|test", 7, _kept_page(b"minute old"))
    now[0] += 61  # older than its 60 seconds
    served = []
    lock = kept._build_lock("page|test")
    lock.acquire()  # another thread is rebuilding it
    asking = threading.Thread(
        target=kept._kept_or_made,
        args=(
            "page|test",
            7,
            60.0,
            lambda built: served.append(built.body) or HttpResponse(built.body),
            lambda: served.append(b"rebuilt again") or HttpResponse(b""),
        ),
    )
    asking.start()
    asking.join(timeout=2)  # answered at once, not after the build
    lock.release()
    asking.join()
    assert served == [b"minute old"]

    # New data is never answered with the old page: the request waits for the build.
    built = []
    lock.acquire()
    releaser = threading.Timer(0.2, lock.release)
    releaser.start()
    answer = kept._kept_or_made(
        "page|test",
        8,
        60.0,
        lambda built_: HttpResponse(built_.body),
        lambda: built.append(1) or HttpResponse(b"new"),
    )
    releaser.join()
    assert built == [1] and answer.content == b"new"
