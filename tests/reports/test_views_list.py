"""The report list with its filters and pagination, and the map's GeoJSON."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports.actions import change_state, hide_report
from reports.models import Report
from reports.photos import process_photo
from reports.views import lists as views
from tests.factories import jpeg_upload, make_report, make_service

LIST = reverse("reports:list")
GEOJSON = reverse("reports:geojson")
CITY = "-0.23,51.47,-0.05,51.55"


def _titles(response) -> list[str]:
    return [report.title for report in response.context["page"].object_list]


def test_list_shows_visible_reports_newest_first(anonymous, service):
    make_report(service=service, title="Older")
    make_report(service=service, title="Newer")
    hidden = make_report(service=service, title="Hidden")
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)

    response = anonymous.get(LIST)

    assert response.status_code == 200
    assert _titles(response) == ["Newer", "Older"]
    assert "2 reports" in response.content.decode()


def test_list_filters_by_category(anonymous, service):
    other = make_service(code="graffiti", name="Graffiti", group="Cleaning")
    make_report(service=service, title="Hole")
    make_report(service=other, title="Tag on the wall")

    response = anonymous.get(LIST, {"service": "graffiti"})

    assert _titles(response) == ["Tag on the wall"]
    assert '<optgroup label="Cleaning">' in response.content.decode()


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("open", ["Acknowledged", "New"]),
        ("finished", ["Duplicate", "Fixed"]),
        # "Closed" is the one state, not the group "Fixed or closed".
        ("closed", []),
        ("fixed", ["Fixed"]),
        ("", ["Duplicate", "Fixed", "Acknowledged", "New"]),
    ],
)
def test_list_filters_by_status_or_status_group(anonymous, service, state, expected):
    make_report(service=service, title="New")
    make_report(service=service, title="Acknowledged", state="acknowledged")
    make_report(service=service, title="Fixed", state="fixed")
    make_report(service=service, title="Duplicate", state="duplicate")

    response = anonymous.get(LIST, {"state": state})

    assert _titles(response) == expected


def test_list_searches_title_description_and_address(anonymous, service):
    make_report(service=service, title="Broken bench", address="Park Lane")
    make_report(service=service, title="Pothole", description="Near the BENCH")
    make_report(service=service, title="Graffiti", address="Bench Street")
    make_report(service=service, title="Litter")

    response = anonymous.get(LIST, {"q": "bench"})

    assert sorted(_titles(response)) == ["Broken bench", "Graffiti", "Pothole"]


def test_list_is_paginated_by_25_and_pages_keep_the_filters(anonymous, service):
    for n in range(27):
        make_report(service=service, title=f"Report {n}")

    first = anonymous.get(LIST, {"state": "open"})
    second = anonymous.get(LIST, {"state": "open", "page": 2})

    assert len(_titles(first)) == 25
    assert _titles(second) == ["Report 1", "Report 0"]
    assert "?state=open&amp;page=2" in first.content.decode()


def test_list_map_view_loads_markers_with_the_same_filters(anonymous, service):
    response = anonymous.get(LIST, {"view": "map", "state": "open", "q": "hole"})

    html = response.content.decode()
    assert 'id="list-map"' in html
    assert f'data-geojson-url="{GEOJSON}?q=hole&amp;state=open"' in html
    assert "page" not in response.context


@pytest.mark.parametrize("rows", [1, 30])
def test_list_runs_a_constant_number_of_queries(
    rows, anonymous, service, django_assert_num_queries
):
    for n in range(rows):
        make_report(service=service, photos=[process_photo(jpeg_upload())] if n < 3 else [])

    with django_assert_num_queries(5):
        # 1. the data versions the page is kept under (civic/versions.py; a kept copy costs none)
        # 2. services for the category filter
        # 3. count of matching reports (pagination)
        # 4. the page of reports with service and thread
        # 5. their photos (prefetch, for thumbnails)
        response = anonymous.get(LIST)

    assert len(_titles(response)) == min(rows, 25)


# GeoJSON


def test_geojson_returns_the_visible_reports_inside_the_bbox(anonymous, service):
    inside = make_report(service=service, title="Inside", lat=51.51, lon=-0.14)
    make_report(service=service, title="Outside", lat=51.54, lon=-0.06)
    hidden = make_report(service=service, title="Hidden", lat=51.511, lon=-0.141)
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)

    response = anonymous.get(GEOJSON, {"bbox": "-0.15,51.50,-0.13,51.52"})

    assert response.status_code == 200
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert (data["capped"], data["clustered"], data["total"]) == (False, False, 1)
    [feature] = data["features"]
    assert feature["id"] == inside.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.14, 51.51]}
    # Compact: the page builds the link and the labels; details come with the popup.
    assert feature["properties"] == {"title": "Inside", "state": "submitted"}
    assert data["report_url"].replace("{id}", str(inside.pk)) == inside.get_absolute_url()
    assert data["detail_url"] == "/open311/v2/requests/{id}.json"
    assert data["states"]["submitted"] == "Submitted"
    assert "submitted" in data["open_states"]


def test_geojson_applies_the_list_filters(anonymous, service):
    make_report(service=service, title="Open hole")
    make_report(service=service, title="Fixed hole", state="fixed")

    data = anonymous.get(GEOJSON, {"bbox": CITY, "state": "finished"}).json()

    assert [f["properties"]["title"] for f in data["features"]] == ["Fixed hole"]


def test_geojson_clusters_when_the_bounds_hold_too_many(anonymous, service, monkeypatch):
    monkeypatch.setattr(views, "GEOJSON_MAX_FEATURES", 2)
    for lat in (51.501, 51.502, 51.503):
        make_report(service=service, lat=lat, lon=-0.101)
    make_report(service=service, lat=51.53, lon=-0.07, state="fixed")

    data = anonymous.get(GEOJSON, {"bbox": CITY}).json()

    assert (data["clustered"], data["capped"], data["total"]) == (True, False, 4)
    clusters = sorted((f["properties"] for f in data["features"]), key=lambda p: -p["count"])
    assert clusters == [{"count": 3, "open": 3}, {"count": 1, "open": 0}]
    [big] = [f for f in data["features"] if f["properties"]["count"] == 3]
    assert big["geometry"]["coordinates"] == [-0.101, 51.502]  # the mean of its reports


def test_geojson_caps_a_tiny_area_to_the_newest_and_says_so(anonymous, service, monkeypatch):
    monkeypatch.setattr(views, "GEOJSON_MAX_FEATURES", 2)
    for n in range(3):
        make_report(service=service, title=f"Report {n}", lat=51.5, lon=-0.1)

    data = anonymous.get(GEOJSON, {"bbox": "-0.1005,51.4995,-0.0995,51.5005"}).json()

    assert (data["capped"], data["clustered"]) == (True, False)
    assert [f["properties"]["title"] for f in data["features"]] == ["Report 2", "Report 1"]


def test_geojson_of_the_whole_city_stays_small(anonymous, service, monkeypatch):
    monkeypatch.setattr(views, "GEOJSON_MAX_FEATURES", 50)
    for n in range(200):
        make_report(service=service, lat=51.47 + n * 0.0004, lon=-0.23 + n * 0.0009)

    response = anonymous.get(GEOJSON, {"bbox": CITY})

    assert response.json()["clustered"] is True
    assert len(response.content) < 20_000


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"bbox": "1,2,3"},
        {"bbox": "a,b,c,d"},
        {"bbox": "0,52,1,51"},
        {"bbox": CITY, "state": "x"},
    ],
)
def test_geojson_refuses_a_bad_query_with_a_json_error(anonymous, db, query):
    response = anonymous.get(GEOJSON, query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "Invalid map query."


@pytest.mark.parametrize("rows", [1, 50])
def test_geojson_runs_a_constant_number_of_queries(
    rows, anonymous, service, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(views, "GEOJSON_MAX_FEATURES", 30)
    for _ in range(rows):
        make_report(service=service)

    with django_assert_num_queries(3 if rows == 1 else 2):
        # 1. the reports' data version (each new report takes it out of the shared cache)
        # 2. the clusters: counts per grid cell, which say how many are in the bbox
        # 3. when few enough: id, title, position and state of the newest of them
        response = anonymous.get(GEOJSON, {"bbox": CITY})
    assert response.json()["total"] == rows
    with django_assert_num_queries(0):  # unchanged data: built already
        assert anonymous.get(GEOJSON, {"bbox": CITY}).content == response.content


def test_geojson_shows_a_new_report_a_state_change_and_a_hide_at_once(anonymous, service, staff):
    first = make_report(service=service, title="First")
    assert anonymous.get(GEOJSON, {"bbox": CITY}).json()["total"] == 1

    second = make_report(service=service, title="Second")
    data = anonymous.get(GEOJSON, {"bbox": CITY}).json()
    assert [f["id"] for f in data["features"]] == [second.pk, first.pk]

    change_state(first, "fixed", by=staff)
    data = anonymous.get(GEOJSON, {"bbox": CITY}).json()
    assert data["features"][1]["properties"]["state"] == "fixed"

    hide_report(second, by=staff, reason="Spam")
    data = anonymous.get(GEOJSON, {"bbox": CITY}).json()
    assert [f["id"] for f in data["features"]] == [first.pk]


def test_geojson_answers_304_to_its_etag_and_gzips(anonymous, service):
    for _ in range(20):
        make_report(service=service)
    response = anonymous.get(GEOJSON, {"bbox": CITY}, headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"

    again = anonymous.get(GEOJSON, {"bbox": CITY}, headers={"If-None-Match": response["ETag"]})

    assert again.status_code == 304


def test_a_very_long_list_is_counted_only_up_to_the_cap(anonymous, service, authority, monkeypatch):
    monkeypatch.setattr(views.CappedPaginator, "COUNT_CAP", 3)
    for _ in range(5):
        make_report(service=service)

    html = anonymous.get(reverse("reports:list")).content.decode()

    assert "More than 3 reports" in html


def test_pages_link_to_each_other_keeping_the_filters(anonymous, service, authority, monkeypatch):
    monkeypatch.setattr(views, "REPORTS_PER_PAGE", 2)
    for _ in range(5):
        make_report(service=service)

    html = anonymous.get(reverse("reports:list"), {"state": "open", "page": 2}).content.decode()

    assert 'rel="prev" href="?state=open&amp;page=1"' in html
    assert 'rel="next" href="?state=open&amp;page=3"' in html
    assert "Page 2 of 3" in html


def _download_links(html: str) -> dict[str, str]:
    import re

    paragraph = re.search(r'<p class="downloads">(.*?)</p>', html, re.S)[1]
    return {
        text: href.replace("&amp;", "&")
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', paragraph)
    }


@pytest.mark.parametrize("view", ["", "&view=map"])
def test_the_filtered_list_links_to_the_export_of_exactly_what_it_shows(
    anonymous, service, staff, view, monkeypatch
):
    import csv
    import io
    import json

    monkeypatch.setattr(views, "REPORTS_PER_PAGE", 2)  # what it shows spans pages
    other = make_service(code="graffiti", name="Graffiti")
    wanted = [make_report(service=service, title=f"Hole {n} in the road") for n in range(3)]
    make_report(service=service, title="Lamp out")  # another search
    make_report(service=other, title="Hole in the fence")  # another category
    done = make_report(service=service, title="Hole 9 in the road")
    change_state(done, "fixed", by=staff)
    hidden = make_report(service=service, title="Hole 8 in the road")
    hide_report(hidden, by=staff, reason="Spam")

    page = anonymous.get(f"{LIST}?q=hole&service={service.code}&state=open{view}")
    links = _download_links(page.content.decode())
    shown = {f"Hole {n} in the road" for n in range(3)}
    if not view:  # the list's own pages hold exactly these
        first = set(_titles(page))
        second = set(
            _titles(anonymous.get(f"{LIST}?q=hole&service={service.code}&state=open&page=2"))
        )
        assert first | second == shown

    rows = list(csv.DictReader(io.StringIO(_streamed(anonymous.get(links["CSV (spreadsheet)"])))))
    features = json.loads(_streamed(anonymous.get(links["GeoJSON (map data)"])))["features"]
    assert {row["title"] for row in rows} == shown
    assert {f["properties"]["title"] for f in features} == shown
    assert {int(row["id"]) for row in rows} == {r.pk for r in wanted}
    about = anonymous.get(links["about the data and more filters"])
    assert about.status_code == 200
    assert 'value="hole"' in about.content.decode()  # the data page keeps the filters


def test_the_unfiltered_list_links_to_every_report(anonymous, service):
    make_report(service=service, title="Hole")
    links = _download_links(anonymous.get(LIST).content.decode())

    assert links["CSV (spreadsheet)"] == reverse("accountability:export-csv")
    assert "Download every report" in anonymous.get(LIST).content.decode()


def _streamed(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()
