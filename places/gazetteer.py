"""The embedded gazetteer: address search and reverse lookup with no network.

Names are compared in a normal form (accents and case removed, punctuation dropped,
common abbreviations expanded: "St." → "street"), applied alike to the stored names and
to what the resident types, so "queen st", "Queen St." and "QUEEN STREET" are one
search. A prefix of a word matches; when nothing does, a fuzzy comparison (difflib)
forgives a typo. The external Nominatim-compatible geocoder (places.geocoding), when
configured, is asked only when the gazetteer knows no match.
"""

from __future__ import annotations

import csv
import difflib
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Q

from civic import ratelimit
from places import geo, geocoding
from places.geocoding import GeocodingError
from places.geocoding import Place as Found
from places.models import Place

RESULT_LIMIT = 8
# Rows read for one search: enough to rank, never the whole table.
CANDIDATES = 60
# Names compared by the fuzzy fallback (those sharing the query's first letter).
FUZZY_CANDIDATES = 5000
FUZZY_CUTOFF = 0.72
# Reverse lookup: the nearest street within this distance, else nothing.
NEAREST_METRES = 400

ABBREVIATIONS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "sq": "square",
    "gr": "grove",
    "gdns": "gardens",
    "pl": "place",
    "cres": "crescent",
    "ct": "court",
    "dr": "drive",
    "blvd": "boulevard",
    "hwy": "highway",
    "pde": "parade",
    "tce": "terrace",
    "wk": "walk",
    "mkt": "market",
    "stn": "station",
}
KIND_RANK = {Place.Kind.STREET: 0, Place.Kind.LANDMARK: 1, Place.Kind.POSTCODE: 2}
_NON_WORD = re.compile(r"[^\w]+")
_HOUSE_NUMBER = re.compile(r"^(\d+[a-z]?( ?- ?\d+[a-z]?)? )+")
_POSSESSIVE = re.compile("['\u2019](?=s\\b)")


def normalise(text: str) -> str:
    """The searchable form of a name or a query: "Rue de l'Église, St." → "rue de l eglise street"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    # "Mary's" reads "marys"; "l'Église" reads "l eglise".
    plain = _POSSESSIVE.sub("", plain)
    words = _NON_WORD.sub(" ", plain).replace("_", " ").split()
    return " ".join(ABBREVIATIONS.get(word, word) for word in words)


def _found(place: Place) -> Found:
    return Found(lat=place.lat, lon=place.lon, display_name=place.name)


def search(query: str, limit: int = RESULT_LIMIT) -> list[Found]:
    """Gazetteer places matching `query`, best first: names starting with it, then names
    with a word starting with it, then (only when none) the closest spellings."""
    # "14 Queen St": the house number is not part of the street's name.
    wanted = _HOUSE_NUMBER.sub("", normalise(query)) or normalise(query)
    if not wanted:
        return []
    rows = list(
        Place.objects.filter(
            Q(search_name__startswith=wanted) | Q(search_name__contains=f" {wanted}")
        )
        .only("name", "search_name", "kind", "lat", "lon")
        .order_by("search_name", "pk")[:CANDIDATES]
    )
    if rows:
        rows.sort(
            key=lambda p: (
                not p.search_name.startswith(wanted),
                KIND_RANK.get(p.kind, 9),
                len(p.search_name),
                p.search_name,
            )
        )
    else:
        rows = _closest(wanted, limit)
    return [_found(place) for place in _distinct(rows)[:limit]]


def _closest(wanted: str, limit: int) -> list[Place]:
    """Names that are a typo away: compared whole and by their start (what was typed so far)."""
    names = list(
        Place.objects.filter(search_name__startswith=wanted[0])
        .values_list("search_name", flat=True)
        .distinct()[:FUZZY_CANDIDATES]
    )
    scored = []
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(wanted)
    for name in names:
        best = 0.0
        for candidate in (name, name[: len(wanted) + 1]):
            matcher.set_seq1(candidate)
            if matcher.real_quick_ratio() >= FUZZY_CUTOFF and matcher.quick_ratio() >= FUZZY_CUTOFF:
                best = max(best, matcher.ratio())
        if best >= FUZZY_CUTOFF:
            scored.append((best, name))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    best_names = [name for _score, name in scored[:limit]]
    if not best_names:
        return []
    places = list(Place.objects.filter(search_name__in=best_names).order_by("pk"))
    order = {name: i for i, name in enumerate(best_names)}
    places.sort(key=lambda p: (order[p.search_name], KIND_RANK.get(p.kind, 9)))
    return places


def _distinct(places: Iterable[Place]) -> list[Place]:
    """One entry per name and kind: a long street imported as several points shows once."""
    seen, unique = set(), []
    for place in places:
        key = (place.search_name, place.kind)
        if key not in seen:
            seen.add(key)
            unique.append(place)
    return unique


def by_ref(ref: str) -> Found | None:
    """The place with this reference (an Open311 address_id), if the gazetteer has it."""
    ref = ref.strip()
    if not ref:
        return None
    place = Place.objects.filter(ref=ref).order_by("pk").first()
    return _found(place) if place else None


def nearest_street(lat: float, lon: float, max_metres: float = NEAREST_METRES) -> Place | None:
    """The street nearest to a point (for the address field when a pin is placed)."""
    candidates = Place.objects.filter(kind=Place.Kind.STREET).in_bbox(
        *geo.radius_bbox(lat, lon, max_metres)
    )[:500]
    best, best_distance = None, max_metres
    for place in candidates:
        distance = geo.distance_metres(lat, lon, place.lat, place.lon)
        if distance <= best_distance:
            best, best_distance = place, distance
    return best


@dataclass
class Lookup:
    """The answer to an address search: places, or why there are none."""

    places: list[Found] = field(default_factory=list)
    # "" (searched), "rate_limited" or "unavailable" (the external geocoder).
    problem: str = ""
    # Seconds until the address-search limit allows another search (when rate_limited).
    wait: int = 0


def lookup(query: str, *, ident: object) -> Lookup:
    """The gazetteer first; the external geocoder (rate-limited per `ident`) only when the
    gazetteer has nothing and one is configured."""
    places = search(query)
    if places or not geocoding.is_enabled():
        return Lookup(places)
    if wait := ratelimit.hit("geocode", ident):
        return Lookup(problem="rate_limited", wait=wait)
    try:
        return Lookup(geocoding.search(query))
    except GeocodingError:
        return Lookup(problem="unavailable")


# ---------------------------------------------------------------------------
# Filling the gazetteer


@dataclass
class PlaceRow:
    name: str
    kind: str
    lat: float
    lon: float
    ref: str = ""


def make_place(row: PlaceRow) -> Place:
    return Place(
        name=row.name[:200],
        search_name=normalise(row.name)[:200],
        kind=row.kind,
        lat=round(row.lat, 6),
        lon=round(row.lon, 6),
        ref=row.ref[:120],
    )


def save_places(rows: Iterable[PlaceRow], batch: int = 1000) -> int:
    """Insert the rows (a place already there is left as is); returns how many were read."""
    count, pending = 0, []
    for row in rows:
        pending.append(make_place(row))
        count += 1
        if len(pending) >= batch:
            Place.objects.bulk_create(pending, ignore_conflicts=True)
            pending = []
    if pending:
        Place.objects.bulk_create(pending, ignore_conflicts=True)
    return count


class PlaceFileError(ValueError):
    """A file the importer cannot read; the message says what is wrong."""


KIND_ALIASES = {
    "street": Place.Kind.STREET,
    "road": Place.Kind.STREET,
    "highway": Place.Kind.STREET,
    "landmark": Place.Kind.LANDMARK,
    "poi": Place.Kind.LANDMARK,
    "amenity": Place.Kind.LANDMARK,
    "postcode": Place.Kind.POSTCODE,
    "postal_code": Place.Kind.POSTCODE,
    "zip": Place.Kind.POSTCODE,
}


def _kind(value: str, properties: dict | None = None) -> str:
    value = (value or "").strip().lower()
    if value in KIND_ALIASES:
        return KIND_ALIASES[value]
    properties = properties or {}
    # OpenStreetMap tags: ways with `highway` are streets; a postal_code is a postcode.
    if properties.get("highway"):
        return Place.Kind.STREET
    if properties.get("postal_code") and not properties.get("name"):
        return Place.Kind.POSTCODE
    return Place.Kind.LANDMARK


def _point(geometry: dict) -> tuple[float, float] | None:
    """(lat, lon) standing for a geometry: the point, or one on the line, or inside the area."""
    from shapely.geometry import shape

    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    if geom.is_empty:
        return None
    if geom.geom_type in ("LineString", "MultiLineString"):
        point = geom.interpolate(0.5, normalized=True)
    else:
        point = geom.representative_point()
    return point.y, point.x


def read_geojson(stream: io.TextIOBase) -> Iterator[PlaceRow]:
    """Features with a name (OpenStreetMap extracts as exported by osmium or overpass)."""
    try:
        document = json.load(stream)
    except ValueError as exc:
        raise PlaceFileError(f"Not a GeoJSON file: {exc}") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise PlaceFileError("Not a GeoJSON FeatureCollection.")
    for feature in document.get("features") or []:
        if not isinstance(feature, dict):
            continue
        properties = feature.get("properties") or {}
        name = properties.get("name") or properties.get("addr:street") or ""
        kind = _kind(properties.get("kind", ""), properties)
        if not name and kind == Place.Kind.POSTCODE:
            name = properties.get("postal_code", "")
        point = _point(feature.get("geometry") or {})
        if not str(name).strip() or point is None:
            continue
        if not geo.in_service_area(*point):
            continue
        ref = properties.get("ref") or properties.get("@id") or feature.get("id") or ""
        yield PlaceRow(str(name).strip(), kind, point[0], point[1], str(ref))


CSV_NAME = ("name", "street", "address")
CSV_LAT = ("lat", "latitude", "y")
CSV_LON = ("lon", "lng", "long", "longitude", "x")


def read_csv(stream: io.TextIOBase) -> Iterator[PlaceRow]:
    """A CSV with a header: name (or street/address), lat, lon, and optional kind and ref."""
    reader = csv.DictReader(stream)
    headers = {h.strip().lower(): h for h in reader.fieldnames or []}

    def column(options: tuple[str, ...]) -> str | None:
        return next((headers[o] for o in options if o in headers), None)

    name_col, lat_col, lon_col = column(CSV_NAME), column(CSV_LAT), column(CSV_LON)
    if not (name_col and lat_col and lon_col):
        raise PlaceFileError(
            "The CSV needs a header with name, lat and lon columns (and optionally kind, ref)."
        )
    kind_col, ref_col = column(("kind", "type")), column(("ref", "id"))
    for line in reader:
        name = (line.get(name_col) or "").strip()
        try:
            lat, lon = float(line[lat_col]), float(line[lon_col])
        except (TypeError, ValueError):
            continue
        if not name or not (math.isfinite(lat) and math.isfinite(lon)):
            continue
        if not geo.in_service_area(lat, lon):
            continue
        kind = _kind((line.get(kind_col) if kind_col else "") or "street")
        ref = (line.get(ref_col) or "").strip() if ref_col else ""
        yield PlaceRow(name, kind, lat, lon, ref)


# ---------------------------------------------------------------------------
# The demo city (seed_demo): its streets as lines of points, a few landmarks, postcodes

# name, (lat, lon) from, (lat, lon) to: streets run across the demo service area.
DEMO_STREETS = [
    ("High Street", (51.510, -0.215), (51.510, -0.065)),
    ("Station Road", (51.480, -0.150), (51.540, -0.150)),
    ("Church Lane", (51.525, -0.200), (51.525, -0.120)),
    ("Mill Road", (51.490, -0.110), (51.540, -0.110)),
    ("Park Avenue", (51.495, -0.210), (51.495, -0.080)),
    ("Queen Street", (51.518, -0.190), (51.518, -0.070)),
    ("Victoria Road", (51.480, -0.190), (51.545, -0.190)),
    ("Riverside Walk", (51.475, -0.225), (51.500, -0.060)),
    ("Market Square", (51.5125, -0.142), (51.5125, -0.136)),
    ("Elm Grove", (51.530, -0.090), (51.545, -0.070)),
    ("Rue de l'Église", (51.535, -0.160), (51.535, -0.130)),
]
DEMO_LANDMARKS = [
    ("Central Library", 51.5112, -0.1405),
    ("Riverside Station", 51.5098, -0.1502),
    ("Town Hall", 51.5131, -0.1380),
    ("Victoria Park", 51.4985, -0.1880),
    ("St Mary's Church", 51.5248, -0.1610),
    ("Café de la Gare", 51.5102, -0.1490),
    ("Queen's Playground", 51.5190, -0.1000),
]
DEMO_POSTCODES = [
    ("RV1 1AA", 51.5110, -0.1400),
    ("RV1 2BB", 51.5250, -0.1600),
    ("RV2 3CC", 51.4950, -0.1850),
]
# One point every this many degrees along a demo street (about 350 m).
DEMO_STEP = 0.005


def _along(start: tuple[float, float], end: tuple[float, float]) -> list[tuple[float, float]]:
    steps = max(1, round(max(abs(end[0] - start[0]), abs(end[1] - start[1])) / DEMO_STEP))
    return [
        (start[0] + (end[0] - start[0]) * i / steps, start[1] + (end[1] - start[1]) * i / steps)
        for i in range(steps + 1)
    ]


def demo_place_rows() -> list[PlaceRow]:
    rows = []
    for n, (name, start, end) in enumerate(DEMO_STREETS, start=1):
        for lat, lon in _along(start, end):
            rows.append(PlaceRow(name, Place.Kind.STREET, lat, lon, f"demo-street-{n}"))
    for n, (name, lat, lon) in enumerate(DEMO_LANDMARKS, start=1):
        rows.append(PlaceRow(name, Place.Kind.LANDMARK, lat, lon, f"demo-landmark-{n}"))
    for name, lat, lon in DEMO_POSTCODES:
        rows.append(PlaceRow(name, Place.Kind.POSTCODE, lat, lon, name.replace(" ", "")))
    return [row for row in rows if geo.in_service_area(row.lat, row.lon)]


def seed_demo_places() -> int:
    """Fill the gazetteer with the demo city (idempotent); returns the places it holds."""
    save_places(demo_place_rows())
    return Place.objects.count()
