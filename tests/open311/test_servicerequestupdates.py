"""servicerequestupdates (the mySociety extension): GET public updates, POST a back
office's update with a key scoped to its authority."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from civic.models import OutboundEmail
from discussions.models import Follow, ModerationEntry, Notification
from open311.models import ApiKey
from reports.actions import change_state, hide_report, mark_duplicate
from reports.models import Report, ReportUpdate
from tests import factories
from tests.factories import worker_round
from tests.open311.conftest import API, assert_errors, decode

URL = f"{API}/servicerequestupdates"
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _updates(response, fmt: str) -> list[dict]:
    """The updates as dicts, from either format (XML: <service_request_updates>)."""
    assert response.status_code == 200, response.content
    body = decode(response)
    if fmt == "json":
        return body
    assert body.tag == "service_request_updates"
    assert all(child.tag == "request_update" for child in body)
    return [{field.tag: field.text or "" for field in item} for item in body]


@pytest.fixture
def timeline(service, authority, staff, resident):
    """Two reports with dated updates; a third, hidden, with its own."""
    with time_machine.travel(T0, tick=False):
        first = factories.make_report(service=service, reporter=resident, title="First")
        second = factories.make_report(service=service, title="Second")
        hidden = factories.make_report(service=service, title="Hidden")
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        change_state(first, Report.State.ACKNOWLEDGED, by=staff, note="Seen by the team.")
        change_state(hidden, Report.State.ACKNOWLEDGED, by=staff, note="Hidden note.")
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        change_state(second, Report.State.FIXED, by=staff, note="Filled in.")
        # A note on its own keeps the state: its status is the report's then.
        change_state(first, Report.State.ACKNOWLEDGED, by=staff, note="Booked for Monday.")
    hide_report(hidden, by=staff, reason="Personal data")
    return first, second, hidden


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_in_a_window_are_listed_oldest_first_without_hidden_reports(client, timeline, fmt):
    first, second, hidden = timeline

    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        response = client.get(f"{URL}.{fmt}")

    updates = _updates(response, fmt)
    assert [(u["service_request_id"], u["description"]) for u in updates] == [
        (str(first.pk), ""),
        (str(second.pk), ""),
        (str(first.pk), "Seen by the team."),
        (str(second.pk), "Filled in."),
        (str(first.pk), "Booked for Monday."),
    ]
    assert str(hidden.pk) not in {u["service_request_id"] for u in updates}
    assert "Hidden note." not in response.content.decode()
    assert list(updates[4]) == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
    ]
    assert [u["status"] for u in updates] == ["open", "open", "open", "closed", "open"]
    assert updates[3]["updated_datetime"] == "2026-11-04T09:00:00+00:00"
    note = ReportUpdate.objects.get(note="Booked for Monday.")
    assert updates[4]["update_id"] == str(note.pk)
    # Nobody's name or email: not the staff member's, not the reporter's.
    for private in ("officer@borough", "resident@example.org", "Olga", "Rosa"):
        assert private not in response.content.decode()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_start_and_end_date_select_the_window(client, timeline, fmt):
    window = "start_date=2026-11-03T00:00:00Z&end_date=2026-11-03T23:00:00Z"

    updates = _updates(client.get(f"{URL}.{fmt}?{window}"), fmt)

    assert [u["description"] for u in updates] == ["Seen by the team."]
    since = _updates(client.get(f"{URL}.{fmt}?start_date=2026-11-04T00:00:00%2B00:00"), fmt)
    assert [u["description"] for u in since] == ["Filled in.", "Booked for Monday."]


def test_default_window_is_the_last_90_days(client, timeline):
    with time_machine.travel(T0 + dt.timedelta(days=91, hours=12), tick=False):
        updates = client.get(f"{URL}.json").json()

    assert [u["description"] for u in updates] == ["Filled in.", "Booked for Monday."]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_id_gives_that_requests_history(client, timeline, fmt):
    first, _second, hidden = timeline

    updates = _updates(client.get(f"{URL}.{fmt}?service_request_id={first.pk}"), fmt)

    assert [u["description"] for u in updates] == ["", "Seen by the team.", "Booked for Monday."]
    assert _updates(client.get(f"{URL}.{fmt}?service_request_id={hidden.pk}"), fmt) == []


def test_extensions_give_civics_finer_state(client, timeline):
    first, _second, _hidden = timeline

    updates = client.get(f"{URL}.json?service_request_id={first.pk}&extensions=true").json()

    assert [u["extended_attributes"] for u in updates] == [
        {"state": "submitted", "state_changed": True, "official": False},
        {"state": "acknowledged", "state_changed": True, "official": True},
        {"state": "acknowledged", "state_changed": False, "official": True},
    ]


def test_pages_follow_each_other_and_page_size_is_capped(client, timeline):
    with time_machine.travel(T0 + dt.timedelta(days=3), tick=False):
        one = client.get(f"{URL}.json?page_size=2").json()
        two = client.get(f"{URL}.json?page_size=2&page=2").json()
        three = client.get(f"{URL}.json?page_size=2&page=3").json()
        capped = client.get(f"{URL}.json?page_size=100000").json()

    ids = [u["update_id"] for u in one + two + three]
    assert [len(one), len(two), len(three)] == [2, 2, 1]
    assert len(set(ids)) == 5
    assert len(capped) == 5


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("query", "status", "fragment"),
    [
        ("start_date=yesterday", 400, "is not a W3C datetime"),
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400, "90 days"),
        ("start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", 400, "after"),
        ("page=0", 400, "page"),
        ("jurisdiction_id=elsewhere.example", 404, "jurisdiction_id"),
    ],
)
def test_bad_filters_are_errors_in_the_requested_format(client, db, fmt, query, status, fragment):
    assert_errors(client.get(f"{URL}.{fmt}?{query}"), status, fragment, fmt=fmt)


def test_our_jurisdiction_is_accepted(client, timeline, settings):
    response = client.get(f"{URL}.json?jurisdiction_id={settings.OPEN311_JURISDICTION}")
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_query_count_does_not_grow_with_updates(
    client, service, staff, django_assert_num_queries, fmt
):
    report = factories.make_report(service=service)
    with django_assert_num_queries(1):  # the updates, with their state then, in one query
        assert len(_updates(client.get(f"{URL}.{fmt}"), fmt)) == 1

    for n in range(29):
        change_state(report, Report.State.ACKNOWLEDGED, by=staff, note=f"Note {n}")
    with django_assert_num_queries(1):  # the same query, for 30 updates
        assert len(_updates(client.get(f"{URL}.{fmt}"), fmt)) == 30


# ---------------------------------------------------------------------------
# POST: an authority's back office


@pytest.fixture
def back_office(authority):
    """(key, raw): the authority's back office key, allowed to post updates."""
    return ApiKey.create_key("Borough back office", authority=authority, can_post_updates=True)


def _post(client, fmt: str, raw: str | None, **fields):
    data = {
        "service_request_id": "",
        "update_id": "BO-1",
        "status": "CLOSED",
        "updated_datetime": "2026-11-26T10:00:00Z",
        "description": "Filled in this morning.",
        **fields,
    }
    if raw is not None:
        data["api_key"] = raw
    return client.post(f"{URL}.{fmt}", data)


def _answer(response, fmt: str) -> str:
    assert response.status_code == 200, response.content
    body = decode(response)
    if fmt == "json":
        assert list(body[0]) == ["update_id"]
        return body[0]["update_id"]
    assert body.tag == "service_request_updates"
    assert [child.tag for child in body] == ["request_update"]
    return body.findtext("request_update/update_id")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_back_office_update_is_official_told_and_logged(client, back_office, report, resident, fmt):
    _key, raw = back_office
    follower = factories.make_user(email="follower@example.org")
    follow = Follow.objects.create(thread_id=report.thread_id, user=follower)

    response = _post(
        client,
        fmt,
        raw,
        service_request_id=str(report.pk),
        status="FIXED",
        media_url="https://council.example/photos/1.jpg",
        first_name="Pat",
        last_name="Jones",
    )

    update_id = _answer(response, fmt)
    update = ReportUpdate.objects.get(pk=int(update_id))
    report.refresh_from_db()
    assert report.state == Report.State.FIXED and report.closed_at is not None
    assert (update.state, update.note, update.is_official, update.author) == (
        Report.State.FIXED,
        "Filled in this morning.",
        True,
        None,
    )
    assert update.media_url == "https://council.example/photos/1.jpg"
    # The reporter is emailed at once; the follower hears in the digest.
    worker_round()
    assert OutboundEmail.objects.filter(to=resident.email).count() == 1
    assert Notification.objects.filter(follow=follow).exists()
    entry = ModerationEntry.objects.get(target_id=report.pk, action=ModerationEntry.Action.STATE)
    assert entry.original["state"] == Report.State.SUBMITTED
    # The officer's name is not published.
    public = client.get(f"{URL}.json?service_request_id={report.pk}").content.decode()
    assert "Pat" not in public and "Jones" not in public
    assert "https://council.example/photos/1.jpg" in public


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_same_update_id_twice_makes_one_update(client, back_office, report, fmt):
    _key, raw = back_office

    first = _answer(_post(client, fmt, raw, service_request_id=str(report.pk)), fmt)
    again = _answer(_post(client, fmt, raw, service_request_id=str(report.pk)), fmt)

    assert first == again
    assert report.updates.filter(is_official=True).count() == 1


def test_an_update_id_used_for_another_request_is_refused(client, back_office, service, report):
    _key, raw = back_office
    other = factories.make_report(service=service)
    _answer(_post(client, "json", raw, service_request_id=str(report.pk)), "json")

    response = _post(client, "json", raw, service_request_id=str(other.pk))

    assert_errors(response, 400, "already used")


@pytest.mark.parametrize(
    ("status", "extra", "before", "after"),
    [
        ("OPEN", {}, Report.State.SUBMITTED, Report.State.SUBMITTED),
        ("OPEN", {}, Report.State.FIXED, Report.State.ACKNOWLEDGED),
        ("OPEN", {"state": "in_progress"}, Report.State.SUBMITTED, Report.State.IN_PROGRESS),
        ("CLOSED", {}, Report.State.ACKNOWLEDGED, Report.State.CLOSED),
        ("CLOSED", {}, Report.State.FIXED, Report.State.FIXED),
        ("closed", {"state": "fixed"}, Report.State.SUBMITTED, Report.State.FIXED),
        ("IN_PROGRESS", {}, Report.State.SUBMITTED, Report.State.IN_PROGRESS),
        ("action scheduled", {}, Report.State.SUBMITTED, Report.State.IN_PROGRESS),
        ("INVESTIGATING", {}, Report.State.SUBMITTED, Report.State.ACKNOWLEDGED),
        ("NOT_COUNCILS_RESPONSIBILITY", {}, Report.State.SUBMITTED, Report.State.CLOSED),
    ],
)
def test_statuses_map_to_civic_states(client, back_office, service, status, extra, before, after):
    _key, raw = back_office
    report = factories.make_report(service=service, state=before)

    _answer(
        _post(client, "json", raw, service_request_id=str(report.pk), status=status, **extra),
        "json",
    )

    report.refresh_from_db()
    assert report.state == after


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_key_of_another_authority_is_refused(client, service, other_authority, report, fmt):
    _key, raw = ApiKey.create_key(
        "Water back office", authority=other_authority, can_post_updates=True
    )

    response = _post(client, fmt, raw, service_request_id=str(report.pk))

    assert_errors(response, 403, "only its own authority", fmt=fmt)
    assert not report.updates.filter(is_official=True).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "key_fields",
    [{"can_post": False}, {"authority": "yes", "can_post_updates": False, "can_post": False}],
    ids=["read-only app key", "authority key without the right"],
)
def test_a_key_that_may_not_post_updates_is_refused(client, authority, report, fmt, key_fields):
    if key_fields.get("authority"):
        key_fields = {**key_fields, "authority": authority}
    _key, raw = ApiKey.create_key("Some app", **key_fields)

    response = _post(client, fmt, raw, service_request_id=str(report.pk))

    assert_errors(response, 403, "may not post updates", fmt=fmt)
    assert report.updates.count() == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_or_wrong_key_is_refused(client, report, fmt):
    assert_errors(
        _post(client, fmt, None, service_request_id=str(report.pk)), 403, "Missing api_key", fmt=fmt
    )
    assert_errors(
        _post(client, fmt, "nope", service_request_id=str(report.pk)),
        403,
        "Invalid api_key",
        fmt=fmt,
    )
    assert report.updates.count() == 1


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_fields_and_unknown_requests_are_errors(client, back_office, report, fmt):
    _key, raw = back_office

    assert_errors(_post(client, fmt, raw, service_request_id="999999"), 404, "not found", fmt=fmt)
    assert_errors(
        _post(client, fmt, raw, service_request_id=str(report.pk), status="MAYBE"),
        400,
        "status",
        fmt=fmt,
    )
    assert_errors(
        _post(client, fmt, raw, service_request_id=str(report.pk), status="OPEN", state="fixed"),
        400,
        "does not agree",
        fmt=fmt,
    )
    assert_errors(
        _post(client, fmt, raw, service_request_id=str(report.pk), update_id=""),
        400,
        "update_id",
        fmt=fmt,
    )


def test_a_hidden_report_of_another_authority_is_not_found(
    client, back_office, service, other_authority, staff
):
    _key, raw = ApiKey.create_key("Water", authority=other_authority, can_post_updates=True)
    report = factories.make_report(service=service)
    hide_report(report, by=staff, reason="Spam")

    assert_errors(_post(client, "json", raw, service_request_id=str(report.pk)), 404, "not found")


# ---------------------------------------------------------------------------
# Duplicates in the requests output


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_duplicates_carry_parent_service_request_id_with_extensions(client, service, staff, fmt):
    original = factories.make_report(service=service, title="Original")
    duplicate = factories.make_report(service=service, title="Again")
    mark_duplicate(duplicate, original, by=staff, note="Already reported.")

    response = client.get(f"{API}/requests.{fmt}?extensions=true")
    plain = client.get(f"{API}/requests.{fmt}")

    body = decode(response)
    if fmt == "json":
        parents = {r["service_request_id"]: r["parent_service_request_id"] for r in body}
        assert all("parent_service_request_id" not in r for r in plain.json())
    else:
        parents = {
            r.findtext("service_request_id"): r.findtext("parent_service_request_id") or None
            for r in body
        }
        assert decode(plain).find("request/parent_service_request_id") is None
    assert parents == {str(duplicate.pk): str(original.pk), str(original.pk): None}


def test_the_developer_page_documents_updates_back_office_and_webhooks(client, db):
    page = client.get("/open311/").content.decode()

    for text in (
        'id="updates"',
        'id="back-office"',
        'id="webhooks"',
        "/open311/v2/servicerequestupdates.json",
        "&lt;service_request_updates&gt;",
        "&lt;request_update&gt;",
        "X-Civic-Signature",
        "X-Civic-Delivery",
        "hmac.new(secret.encode()",
        "&quot;event&quot;: &quot;report.updated&quot;",
    ):
        assert text in page, text


def test_create_api_key_makes_a_back_office_key(client, authority, report):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command(
        "create_api_key",
        "Borough CRM",
        "--back-office",
        "borough",
        stdout=out,
        stderr=io.StringIO(),
    )
    raw = out.getvalue().strip()

    key = ApiKey.objects.get(name="Borough CRM")
    assert (key.authority, key.can_post_updates) == (authority, True)
    _answer(_post(client, "json", raw, service_request_id=str(report.pk)), "json")
    with pytest.raises(CommandError, match="no authority"):
        call_command("create_api_key", "X", "--back-office", "nowhere", stderr=io.StringIO())


# A client passing on its residents' updates (a community site in front of this one).


def _client_report(service, key):
    report = factories.make_report(service=service, title="Pothole sent by the client")
    Report.objects.filter(pk=report.pk).update(api_key=key, source=Report.Source.API)
    report.refresh_from_db()
    return report


def test_the_submitting_client_adds_a_public_note_never_official(client, service):
    key, raw = ApiKey.create_key("Community site")
    report = _client_report(service, key)

    response = _post(
        client, "json", raw, service_request_id=str(report.pk), status="OPEN",
        update_id="comment-7", description="It is twice as deep since the rain.",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    update = report.updates.get(pk=int(response.json()[0]["update_id"]))
    assert (update.note, update.is_official) == ("It is twice as deep since the rain.", False)
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    # The same update_id again: the same update, nothing added.
    again = _post(
        client, "json", raw, service_request_id=str(report.pk), status="OPEN",
        update_id="comment-7", description="It is twice as deep since the rain.",
    )  # fmt: skip
    assert again.json()[0]["update_id"] == str(update.pk)
    assert report.updates.count() == 2


def test_the_submitting_client_reopens_a_fixed_request_but_cannot_close_one(client, service, staff):
    key, raw = ApiKey.create_key("Community site")
    report = _client_report(service, key)

    closing = _post(client, "json", raw, service_request_id=str(report.pk), update_id="c-1")
    assert closing.status_code == 200
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED  # CLOSED from a client: only the note

    change_state(report, Report.State.FIXED, by=staff, note="Filled.")
    reopening = _post(
        client, "json", raw, service_request_id=str(report.pk), status="OPEN",
        update_id="reopen-3", description="Sunk again.",
    )  # fmt: skip
    assert reopening.status_code == 200
    report.refresh_from_db()
    assert (report.state, report.reopen_count) == (Report.State.SUBMITTED, 1)
    assert report.updates.last().note == "Sunk again."


def test_another_clients_request_is_not_found_for_its_key(client, service):
    owner, _raw = ApiKey.create_key("Community site")
    report = _client_report(service, owner)
    _other, other_raw = ApiKey.create_key("Another app")

    response = _post(client, "json", other_raw, service_request_id=str(report.pk))

    assert_errors(response, 404, "not found for this api_key")
    assert report.updates.count() == 1
