"""Open data: every visible report's public fields as CSV or GeoJSON, streamed.

The columns are declared once (COLUMNS) and serve the CSV header, the GeoJSON
properties and the data dictionary page, so the three cannot drift apart. Only
public fields are read from the database: the query selects exactly these columns,
so a private one (the reporter, their contact details, the token) cannot slip into
a download by a template or a serializer change.

Rows are read with `.values_list().iterator(chunk_size=…)` and written through a csv
writer on a pseudo-buffer, a batch of rows per chunk of the response: a 100,000-report
download never holds more than one chunk of rows in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civic.spreadsheets import cell
from reports.models import Report

# Rows fetched from the database at a time, and written to the response at a time.
CHUNK_ROWS = 2000
WRITE_ROWS = 500


@dataclass(frozen=True)
class Column:
    name: str
    source: str | None  # the values_list() path; None: derived from other columns
    kind: str  # integer, text, datetime, number
    description: str


COLUMNS: list[Column] = [
    Column("id", "id", "integer", _("The report's number, also its Open311 service_request_id.")),
    Column("url", None, "text", _("The report's public page.")),
    Column("service_code", "service__code", "text", _("The category's Open311 service_code.")),
    Column("service_name", "service__name", "text", _("The category's name.")),
    Column("title", "title", "text", _("The title the resident gave.")),
    Column("description", "description", "text", _("The resident's description.")),
    Column(
        "state",
        "state",
        "text",
        _("submitted, acknowledged, in_progress, fixed, closed or duplicate."),
    ),
    Column("status", None, "text", _("The Open311 status: open or closed.")),
    Column(
        "lat",
        "lat",
        "number",
        _("Latitude (WGS84). Empty while the location of an address-only report is checked."),
    ),
    Column("lon", "lon", "number", _("Longitude (WGS84), empty like lat.")),
    Column("address", "address", "text", _("The address given or found, if any.")),
    Column(
        "authority",
        "authority__slug",
        "text",
        _("The responsible authority's short name (its page is /authorities/<name>/)."),
    ),
    Column("authority_name", "authority__name", "text", _("The responsible authority's name.")),
    Column("requested_datetime", "requested_at", "datetime", _("When it was reported.")),
    Column("updated_datetime", "updated_at", "datetime", _("When it last changed.")),
    Column(
        "acknowledged_datetime",
        "acknowledged_at",
        "datetime",
        _("When the authority first acknowledged it; empty if never."),
    ),
    Column(
        "closed_datetime",
        "closed_at",
        "datetime",
        _("When it was last fixed or closed; empty while open."),
    ),
    Column(
        "expected_datetime",
        "expected_at",
        "datetime",
        _("When the authority expects to have fixed it, if it said."),
    ),
    Column(
        "support_count",
        "thread__support_count",
        "integer",
        _("How many people said they have this problem too."),
    ),
    Column(
        "comment_count", "thread__comment_count", "integer", _("Public comments in its discussion.")
    ),
    Column(
        "reopened_count",
        "reopen_count",
        "integer",
        _("How many times it was reopened after being fixed or closed."),
    ),
]

FIELD_NAMES = [column.name for column in COLUMNS]
_SOURCES = [column.source for column in COLUMNS if column.source]
_DATETIMES = {i for i, source in enumerate(_SOURCES) if source.endswith("_at")}


def public_rows(reports: QuerySet[Report]) -> Iterator[dict]:
    """One dict per report, with exactly FIELD_NAMES as keys, read in chunks.

    Ordered by id: the primary key's order costs no sort (SQLite walks its rowid,
    PostgreSQL the primary key index), and two downloads diff cleanly.
    """
    base = settings.SITE_URL
    # reverse() once, not once per row: the id is the URL's only variable part.
    url_pattern = base + reverse("reports:detail", args=[987654321]).replace("987654321", "{}")
    rows = reports.visible().order_by("id").values_list(*_SOURCES)
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        values = [
            value.isoformat() if i in _DATETIMES and value is not None else value
            for i, value in enumerate(row)
        ]
        (pk, code, name, title, description, state, lat, lon, address, *rest) = values
        yield dict(
            zip(
                FIELD_NAMES,
                [
                    pk,
                    url_pattern.format(pk),
                    code,
                    name,
                    title,
                    description,
                    state,
                    "open" if state in Report.OPEN_STATES else "closed",
                    lat,
                    lon,
                    address,
                    *rest,
                ],
                strict=True,
            )
        )


class _Echo:
    """A file-like object whose write() hands back what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(reports: QuerySet[Report]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(FIELD_NAMES)
    batch: list[str] = []
    for row in public_rows(reports):
        batch.append(writer.writerow([cell(v) for v in row.values()]))
        if len(batch) >= WRITE_ROWS:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def geojson_chunks(reports: QuerySet[Report]) -> Iterator[str]:
    """A FeatureCollection; a report without a location has a null geometry (RFC 7946 3.2)."""
    yield '{"type":"FeatureCollection","features":['
    batch: list[str] = []
    first = True
    for row in public_rows(reports):
        lat, lon = row.pop("lat"), row.pop("lon")
        geometry = (
            {"type": "Point", "coordinates": [lon, lat]}
            if lat is not None and lon is not None
            else None
        )
        feature = {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": row}
        text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
        batch.append(text if first else "," + text)
        first = False
        if len(batch) >= WRITE_ROWS:
            yield "".join(batch)
            batch = []
    yield "".join(batch) + "]}"
