from __future__ import annotations

import datetime as dt
import math

import pytest
import time_machine
from django.utils import timezone

from reports.actions import change_state, mark_duplicate
from reports.models import Report
from tests import factories
from tests.open311.conftest import API, XML_TYPE, assert_errors, assert_xml_equals, decode

NOW = dt.datetime(2026, 11, 26, 17, 20, 42, tzinfo=dt.UTC)


def _ids(response) -> list[str]:
    return [r["service_request_id"] for r in response.json()]


def _make(service, **kw) -> Report:
    return factories.make_report(service=service, **kw)


def test_round_trip_of_every_field_through_post_then_get_in_json(
    client, full_service, authority, valid_post
):
    posted = client.post(
        f"{API}/requests.json",
        {
            **valid_post,
            "description": "Deep pothole by the bus stop\nAbout 30 cm across.",
            "address_string": "12 High Street, Camden",
            "media_url": "https://img.example/p.jpg",
            "attribute[hazards][]": ["cars", "walkers"],
            "attribute[seen]": "2026-11-20T08:15:00Z",
            "attribute[landmark]": "Library",
            "attribute[details]": "Two\nlines",
        },
    ).json()[0]
    report_id = posted["service_request_id"]
    report = Report.objects.get(pk=report_id)

    [got] = client.get(f"{API}/requests/{report_id}.json").json()

    assert got == {
        "service_request_id": report_id,
        "status": "open",
        "status_notes": None,
        "service_name": "Pothole",
        "service_code": "pothole",
        "description": "Deep pothole by the bus stop\nAbout 30 cm across.",
        "agency_responsible": "Borough Council",
        "service_notice": None,
        "requested_datetime": report.requested_at.isoformat(timespec="seconds"),
        "updated_datetime": report.updated_at.isoformat(timespec="seconds"),
        "expected_datetime": None,
        "address": "12 High Street, Camden",
        "address_id": None,
        "zipcode": None,
        "lat": 51.5101,
        "long": -0.1402,
        "media_url": "https://img.example/p.jpg",
    }
    assert got["requested_datetime"].endswith("+00:00")
    # The same request in the list, and its answers with extensions=true.
    assert client.get(f"{API}/requests.json").json() == [got]
    [extended] = client.get(f"{API}/requests/{report_id}.json?extensions=true").json()
    assert extended["extended_attributes"]["attributes"] == [
        {"code": "depth", "label": "How deep is it (cm)?", "value": 12, "name": 12},
        {"code": "size", "label": "How big is it?", "value": "m", "name": "Medium"},
        {"code": "hazards", "label": "Who is at risk?", "value": "cars", "name": "Cars"},
        {"code": "hazards", "label": "Who is at risk?", "value": "walkers", "name": "Pedestrians"},
        {
            "code": "seen",
            "label": "When did you see it?",
            "value": "2026-11-20T08:15:00+00:00",
            "name": "2026-11-20T08:15:00+00:00",
        },
        {"code": "landmark", "label": "Nearest landmark", "value": "Library", "name": "Library"},
        {"code": "details", "label": "Anything else?", "value": "Two\nlines", "name": "Two\nlines"},
    ]
    assert extended["extended_attributes"]["channel"] == "api"


def test_round_trip_in_xml_matches_json_element_by_element(
    client, full_service, authority, valid_post
):
    report_id = client.post(
        f"{API}/requests.xml",
        {**valid_post, "description": "Broken <b>kerb</b> & more", "address_string": "Main St"},
    )
    root = decode(report_id)
    report_id = root.findtext("request/service_request_id")

    response = client.get(f"{API}/requests/{report_id}.xml")

    assert response["Content-Type"] == XML_TYPE
    xml = decode(response)
    assert xml.tag == "service_requests"
    json_data = client.get(f"{API}/requests/{report_id}.json").json()
    assert_xml_equals(xml, json_data)
    request = xml.find("request")
    assert [c.tag for c in request] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert request.findtext("description") == "Broken <b>kerb</b> & more"
    assert request.findtext("lat") == "51.5101"
    assert request.find("expected_datetime").text is None
    # The list in XML and with extensions match their JSON too.
    for query in ("", "?extensions=true"):
        assert_xml_equals(
            decode(client.get(f"{API}/requests.xml{query}")),
            client.get(f"{API}/requests.json{query}").json(),
        )


def test_status_notes_status_and_dates_follow_the_public_timeline(
    client, service, authority, staff
):
    report = _make(service)
    change_state(report, "acknowledged", by=staff, note="Inspector booked.")
    report.expected_at = timezone.now() + dt.timedelta(days=3)
    report.save(update_fields=["expected_at"])
    change_state(report, "fixed", by=staff)

    [got] = client.get(f"{API}/requests/{report.pk}.json").json()

    report.refresh_from_db()
    assert got["status"] == "closed"
    assert got["status_notes"] == "Inspector booked."
    assert got["updated_datetime"] == report.updated_at.isoformat(timespec="seconds")
    assert got["expected_datetime"] == report.expected_at.isoformat(timespec="seconds")


def test_extensions_add_the_public_history_as_notes(client, service, authority, staff):
    report = _make(service)
    change_state(report, "acknowledged", by=staff, note="Thanks, we are on it.")
    change_state(report, "closed", by=staff)

    [got] = client.get(f"{API}/requests/{report.pk}.json?extensions=true").json()

    assert [(n["type"], n["description"], n["official"]) for n in got["notes"]] == [
        ("submitted", "Submitted", False),
        ("acknowledged", "Thanks, we are on it.", True),
        ("closed", "Closed", True),
    ]
    assert all(n["datetime"].endswith("+00:00") for n in got["notes"])
    assert got["extended_attributes"]["url"] == f"http://testserver/reports/{report.pk}/"
    assert got["extended_attributes"]["state"] == "closed"
    xml = decode(client.get(f"{API}/requests/{report.pk}.xml?extensions=true"))
    assert [n.findtext("type") for n in xml.findall("request/notes/note")] == [
        "submitted",
        "acknowledged",
        "closed",
    ]
    assert xml.findtext("request/extended_attributes/channel") == "web"


def test_without_extensions_there_are_no_extra_fields(client, service, authority):
    report = _make(service)

    [got] = client.get(f"{API}/requests/{report.pk}.json?extensions=false").json()

    assert "notes" not in got and "extended_attributes" not in got


def test_media_url_is_the_absolute_url_of_the_first_photo(client, service, authority):
    from reports.photos import process_photo

    photos = [process_photo(factories.jpeg_upload()), process_photo(factories.jpeg_upload())]
    report = _make(service, photos=photos, media_url="https://elsewhere.example/x.jpg")

    [got] = client.get(f"{API}/requests/{report.pk}.json?extensions=true").json()

    first = report.photos.order_by("order").first()
    assert got["media_url"] == f"http://testserver{first.image.url}"
    assert len(got["extended_attributes"]["photos"]) == 2


def test_hidden_reports_never_appear(client, service, authority):
    hidden = _make(service)
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)
    shown = _make(service)

    assert _ids(client.get(f"{API}/requests.json")) == [str(shown.pk)]
    assert _ids(client.get(f"{API}/requests.json?service_request_id={hidden.pk},{shown.pk}")) == [
        str(shown.pk)
    ]
    assert_errors(client.get(f"{API}/requests/{hidden.pk}.json"), 404)
    assert_errors(client.get(f"{API}/tokens/{hidden.token}.json"), 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "request_id", ["999999", "abc", "1.5", "99999999999999999999999", "%C2%B3", "%D9%A1"]
)
def test_unknown_request_is_404(client, db, fmt, request_id):
    response = client.get(f"{API}/requests/{request_id}.{fmt}")

    assert_errors(response, 404, "not found", fmt=fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_token_is_404(client, db, fmt):
    assert_errors(client.get(f"{API}/tokens/nope.{fmt}"), 404, "token 'nope' not found", fmt=fmt)


def test_token_resolves_in_xml(client, report):
    root = decode(client.get(f"{API}/tokens/{report.token}.xml"))

    assert_xml_equals(root, [{"service_request_id": str(report.pk), "token": report.token}])


def test_newest_first(client, service, authority):
    old = _make(service, requested_at=timezone.now() - dt.timedelta(days=2))
    new = _make(service)
    middle = _make(service, requested_at=timezone.now() - dt.timedelta(days=1))

    assert _ids(client.get(f"{API}/requests.json")) == [str(new.pk), str(middle.pk), str(old.pk)]


@time_machine.travel(NOW, tick=False)
def test_default_window_is_the_most_recent_90_days(client, service, authority):
    _make(service, requested_at=NOW - dt.timedelta(days=91))
    recent = _make(service, requested_at=NOW - dt.timedelta(days=89))

    assert _ids(client.get(f"{API}/requests.json")) == [str(recent.pk)]


@time_machine.travel(NOW, tick=False)
def test_start_and_end_date_select_by_requested_datetime(client, service, authority):
    a = _make(service, requested_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
    b = _make(service, requested_at=dt.datetime(2026, 5, 15, tzinfo=dt.UTC))
    _make(service, requested_at=dt.datetime(2026, 11, 16, tzinfo=dt.UTC))

    response = client.get(
        f"{API}/requests.json",
        {"start_date": "2026-04-01T00:00:00Z", "end_date": "2026-06-30T00:00:00+02:00"},
    )

    assert _ids(response) == [str(b.pk)]
    # Only a start: the 90 days from it. Only an end: the 90 days up to it.
    assert _ids(client.get(f"{API}/requests.json?start_date=2026-02-20T00:00:00Z")) == [
        str(b.pk),
        str(a.pk),
    ]
    assert _ids(client.get(f"{API}/requests.json?end_date=2026-03-02T00:00:00Z")) == [str(a.pk)]
    assert _ids(client.get(f"{API}/requests.json?start_date=2026-03-02T00:00:00-05:00")) == [
        str(b.pk)
    ]


@time_machine.travel(NOW, tick=False)
def test_a_date_alone_covers_that_whole_day(client, service, authority):
    day = _make(service, requested_at=dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC))

    response = client.get(f"{API}/requests.json?start_date=2026-11-20&end_date=2026-11-20")

    assert _ids(response) == [str(day.pk)]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("start_date=yesterday", "start_date: 'yesterday' is not a W3C datetime"),
        ("end_date=2026-02-30T00:00:00Z", "end_date:"),
        ("start_date=2026-11-01T00:00:00", "has no timezone"),
        ("updated_after=2026-11-01T25:00:00Z", "updated_after:"),
        ("updated_before=11/01/2026", "updated_before:"),
        ("start_date=2026-11-01T00:00:00%2B99:00", "start_date:"),
        ("start_date=0001-01-01T00:00:00%2B05:00", "start_date:"),
    ],
)
def test_malformed_dates_are_400(client, db, fmt, query, fragment):
    response = client.get(f"{API}/requests.{fmt}?{query}")

    assert_errors(response, 400, fragment, fmt=fmt)


def test_a_range_over_90_days_or_backwards_is_400(client, db):
    too_long = client.get(
        f"{API}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"
    )
    backwards = client.get(
        f"{API}/requests.json?start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z"
    )

    assert_errors(too_long, 400, "may not span more than 90 days")
    assert_errors(backwards, 400, "start_date is after end_date")


def test_dates_at_the_ends_of_the_calendar_do_not_overflow(client, db):
    assert client.get(f"{API}/requests.json?start_date=9999-12-31T00:00:00Z").status_code == 200
    assert client.get(f"{API}/requests.json?end_date=0001-01-01T00:00:00Z").status_code == 200
    assert client.get(f"{API}/requests.json?updated_before=0001-01-01").status_code == 200


def test_service_request_id_overrides_every_other_filter(client, service, authority):
    other = factories.make_service(code="graffiti")
    old = _make(other, requested_at=timezone.now() - dt.timedelta(days=400), state="fixed")
    new = _make(service)

    response = client.get(
        f"{API}/requests.json",
        {
            "service_request_id": f"{old.pk}, {new.pk},abc,999999",
            "service_code": "pothole",
            "status": "open",
            "page_size": "1",
        },
    )

    assert _ids(response) == [str(new.pk), str(old.pk)]
    assert _ids(client.get(f"{API}/requests.json?service_request_id=abc")) == []


def test_service_code_and_status_filters_take_comma_lists(client, service, authority):
    graffiti = factories.make_service(code="graffiti")
    bins = factories.make_service(code="bins")
    p = _make(service)
    g = _make(graffiti, state="closed")
    _make(bins)

    assert _ids(client.get(f"{API}/requests.json?service_code=pothole,graffiti")) == [
        str(g.pk),
        str(p.pk),
    ]
    assert _ids(client.get(f"{API}/requests.json?service_code=graffiti&status=open")) == []
    assert _ids(client.get(f"{API}/requests.json?service_code=graffiti&status=closed")) == [
        str(g.pk)
    ]
    assert len(_ids(client.get(f"{API}/requests.json?status=open,closed"))) == 3
    # Declared several times instead of comma-delimited.
    assert _ids(client.get(f"{API}/requests.json?service_code=pothole&service_code=graffiti")) == [
        str(g.pk),
        str(p.pk),
    ]
    assert len(_ids(client.get(f"{API}/requests.json?status=open&status=closed"))) == 3
    assert _ids(client.get(f"{API}/requests.json?service_code=nope")) == []


def test_duplicate_and_fixed_reports_are_closed(client, service, authority):
    original = _make(service)
    duplicate = _make(service)
    mark_duplicate(duplicate, original)

    [got] = client.get(f"{API}/requests.json?status=closed&extensions=true").json()

    assert got["service_request_id"] == str(duplicate.pk)
    assert got["extended_attributes"]["duplicate_of"] == str(original.pk)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_status_is_400(client, db, fmt):
    assert_errors(client.get(f"{API}/requests.{fmt}?status=pending"), 400, "status", fmt=fmt)


def test_pages(client, service, authority):
    reports = [
        _make(service, requested_at=timezone.now() - dt.timedelta(minutes=n)) for n in range(5)
    ]
    ids = [str(r.pk) for r in reports]

    assert _ids(client.get(f"{API}/requests.json?page_size=2")) == ids[:2]
    assert _ids(client.get(f"{API}/requests.json?page_size=2&page=2")) == ids[2:4]
    assert _ids(client.get(f"{API}/requests.json?page_size=2&page=3")) == ids[4:]
    assert _ids(client.get(f"{API}/requests.json?page_size=2&page=4")) == []


def test_default_page_is_50_and_page_size_is_capped_at_100(client, service, authority):
    for _ in range(101):
        _make(service)

    assert len(_ids(client.get(f"{API}/requests.json"))) == 50
    assert len(_ids(client.get(f"{API}/requests.json?page_size=1000"))) == 100


@pytest.mark.parametrize("query", ["page=0", "page=x", "page_size=0", "page_size=-5", "page=1.5"])
def test_bad_paging_is_400(client, db, query):
    assert_errors(client.get(f"{API}/requests.json?{query}"), 400)


def test_updated_after_and_before(client, service, authority, staff):
    quiet = _make(service, requested_at=timezone.now() - dt.timedelta(days=5))
    Report.objects.filter(pk=quiet.pk).update(updated_at=timezone.now() - dt.timedelta(days=5))
    busy = _make(service, requested_at=timezone.now() - dt.timedelta(days=5))
    change_state(busy, "acknowledged", by=staff)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    until = (timezone.now() - dt.timedelta(days=4)).isoformat()

    assert _ids(client.get(f"{API}/requests.json", {"updated_after": since})) == [str(busy.pk)]
    assert _ids(client.get(f"{API}/requests.json", {"updated_before": until})) == [str(quiet.pk)]


def test_updated_after_alone_reaches_requests_older_than_90_days(client, service, authority, staff):
    old = _make(service, requested_at=timezone.now() - dt.timedelta(days=200))
    change_state(old, "acknowledged", by=staff)

    assert _ids(client.get(f"{API}/requests.json")) == []
    since = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    assert _ids(client.get(f"{API}/requests.json", {"updated_after": since})) == [str(old.pk)]


def _offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    dlat = north_m / 111_195.0
    dlon = east_m / (111_195.0 * math.cos(math.radians(lat)))
    return lat + dlat, lon + dlon


def test_lat_long_radius_finds_requests_within_that_many_metres(client, service, authority):
    centre = (51.51, -0.14)
    near = _make(service, lat=_offset(*centre, 150, 0)[0], lon=centre[1])
    # Inside the bounding box (250 m north and 250 m east) but 354 m away.
    corner_lat, corner_lon = _offset(*centre, 250, 250)
    _make(service, lat=corner_lat, lon=corner_lon)
    far = _make(service, lat=_offset(*centre, 2000, 0)[0], lon=centre[1])

    query = {"lat": centre[0], "long": centre[1]}
    assert _ids(client.get(f"{API}/requests.json", {**query, "radius": 300})) == [str(near.pk)]
    assert str(far.pk) not in _ids(client.get(f"{API}/requests.json", query))  # default 1000 m
    assert len(_ids(client.get(f"{API}/requests.json", {**query, "radius": 5000}))) == 3
    on_the_spot = _make(service, lat=centre[0], lon=centre[1])
    assert _ids(client.get(f"{API}/requests.json", {**query, "radius": 0})) == [str(on_the_spot.pk)]


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("lat=51.5", "lat and long must be sent together"),
        ("long=-0.1", "lat and long must be sent together"),
        ("radius=100", "radius needs lat and long"),
        ("lat=91&long=0", "lat:"),
        ("lat=51.5&long=-0.1&radius=-1", "radius:"),
        ("lat=51.5&long=-0.1&radius=1e9", "radius:"),
        ("lat=nan&long=0", "lat:"),
    ],
)
def test_bad_location_filters_are_400(client, db, query, fragment):
    assert_errors(client.get(f"{API}/requests.json?{query}"), 400, fragment)


@pytest.mark.parametrize("extensions", [False, True])
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests_list_query_count_does_not_grow_with_rows(
    client, service, authority, staff, django_assert_num_queries, extensions, fmt
):
    from reports.photos import process_photo

    photo = process_photo(factories.jpeg_upload())
    query = "?extensions=true" if extensions else ""
    # the reports' data version (each change takes it out of the shared cache);
    # reports (with service and authority); their photos; their updates;
    # with extensions, the services' attributes too.
    expected = 5 if extensions else 4

    report = _make(service, photos=[photo], attributes={"depth": 3})
    change_state(report, "acknowledged", by=staff, note="Seen.")
    with django_assert_num_queries(expected):
        assert len(client.get(f"{API}/requests.{fmt}{query}").content) > 0

    for n in range(49):
        other = _make(factories.make_service() if n % 3 else service, photos=[photo])
        change_state(other, "acknowledged", by=staff, note=f"Note {n}")
    with django_assert_num_queries(expected):
        response = client.get(f"{API}/requests.{fmt}{query}")
    if fmt == "json":
        assert len(response.json()) == 50
    with django_assert_num_queries(0):  # unchanged data: built already
        assert client.get(f"{API}/requests.{fmt}{query}").content == response.content


@pytest.mark.parametrize("extensions", [False, True])
def test_request_detail_query_count(client, report, django_assert_num_queries, extensions):
    query = "?extensions=true" if extensions else ""
    with django_assert_num_queries(5 if extensions else 4):  # as the list, for one row
        client.get(f"{API}/requests/{report.pk}.json{query}")
    with django_assert_num_queries(0):  # unchanged data: built already
        client.get(f"{API}/requests/{report.pk}.json{query}")


def test_token_query_count(client, report, django_assert_num_queries):
    with django_assert_num_queries(1):  # the report by its token
        client.get(f"{API}/tokens/{report.token}.json")
