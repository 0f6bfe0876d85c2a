"""The report list with its filters and pagination, and the map's GeoJSON."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reports import views
from reports.models import Report
from reports.photos import process_photo
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

    with django_assert_num_queries(4):
        # 1. services for the category filter
        # 2. count of matching reports (pagination)
        # 3. the page of reports with service and thread
        # 4. their photos (prefetch, for thumbnails)
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
    assert data["capped"] is False
    [feature] = data["features"]
    assert feature["id"] == inside.pk
    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.14, 51.51]}
    assert feature["properties"]["title"] == "Inside"
    assert feature["properties"]["url"] == inside.get_absolute_url()
    assert feature["properties"]["state_label"] == "Submitted"
    assert feature["properties"]["is_open"] is True


def test_geojson_applies_the_list_filters(anonymous, service):
    make_report(service=service, title="Open hole")
    make_report(service=service, title="Fixed hole", state="fixed")

    data = anonymous.get(GEOJSON, {"bbox": CITY, "state": "finished"}).json()

    assert [f["properties"]["title"] for f in data["features"]] == ["Fixed hole"]


def test_geojson_is_capped_to_the_newest_and_says_so(anonymous, service, monkeypatch):
    monkeypatch.setattr(views, "GEOJSON_MAX_FEATURES", 2)
    for n in range(3):
        make_report(service=service, title=f"Report {n}")

    data = anonymous.get(GEOJSON, {"bbox": CITY}).json()

    assert data["capped"] is True
    assert [f["properties"]["title"] for f in data["features"]] == ["Report 2", "Report 1"]


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


@pytest.mark.parametrize("rows", [1, 30])
def test_geojson_runs_one_query(rows, anonymous, service, django_assert_num_queries):
    for _ in range(rows):
        make_report(service=service)

    with django_assert_num_queries(1):
        # 1. id, title, position, state and service name of the reports in the bbox
        response = anonymous.get(GEOJSON, {"bbox": CITY})

    assert len(response.json()["features"]) == rows


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
