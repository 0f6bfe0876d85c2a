"""Address search: the non-map way to place a report's pin.

Asks a Nominatim-compatible geocoder (settings.GEOCODER_URL, e.g. the OpenStreetMap
search API) for places matching what the resident typed, inside settings.SERVICE_AREA
only. Answers are cached for a day by normalised query: the public Nominatim allows
at most one request per second and asks every application to cache.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import math
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from places import geo

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
RESULT_LIMIT = 5
CACHE_SECONDS = 24 * 60 * 60
# A search answer is a few kilobytes; anything far bigger is not one.
MAX_RESPONSE_BYTES = 1_000_000
MAX_NAME_LENGTH = 300


class GeocodingError(Exception):
    """The geocoder could not answer (down, slow, or answered nonsense)."""


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float
    display_name: str


def is_enabled() -> bool:
    return bool(settings.GEOCODER_URL)


def normalise(query: str) -> str:
    """The cache key's view of a query: "12  High st " and "12 high ST" are one search."""
    return " ".join(query.split()).casefold()


def search(query: str) -> list[Place]:
    """Places inside the service area matching `query`, best first (at most RESULT_LIMIT).

    Raises GeocodingError when the geocoder is off, unreachable, slow or answers
    something that is not a Nominatim result list; callers turn it into a message.
    """
    if not is_enabled():
        raise GeocodingError("GEOCODER_URL is not set")
    normalised = normalise(query)
    if not normalised:
        return []
    language = get_language() or settings.LANGUAGE_CODE
    # The URL and area are part of the key: changing either must not serve old answers.
    fingerprint = "|".join(
        [settings.GEOCODER_URL, ",".join(map(str, settings.SERVICE_AREA)), language, normalised]
    )
    key = "geocode:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return [Place(**item) for item in cached]
    places = _parse(_fetch(normalised, language))
    cache.set(key, [asdict(place) for place in places], CACHE_SECONDS)
    return places


def _fetch(query: str, language: str) -> bytes:
    west, south, east, north = settings.SERVICE_AREA
    params = {
        "q": query,
        "format": "jsonv2",
        "limit": RESULT_LIMIT,
        "viewbox": f"{west},{north},{east},{south}",
        "bounded": 1,
    }
    separator = "&" if "?" in settings.GEOCODER_URL else "?"
    request = urllib.request.Request(
        f"{settings.GEOCODER_URL}{separator}{urlencode(params)}",
        headers={
            # Nominatim's usage policy: identify the application and a way to reach its operators.
            "User-Agent": settings.GEOCODER_USER_AGENT,
            "Accept": "application/json",
            "Accept-Language": language,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return response.read(MAX_RESPONSE_BYTES + 1)
    # URLError (refused, DNS, HTTP status >= 400) and TimeoutError are OSErrors;
    # ValueError is a malformed GEOCODER_URL.
    except (OSError, http.client.HTTPException, ValueError) as exc:
        logger.warning("Geocoder request failed: %r", exc)
        raise GeocodingError(str(exc)) from exc


def _parse(body: bytes) -> list[Place]:
    if len(body) > MAX_RESPONSE_BYTES:
        raise GeocodingError("The geocoder's answer is too large.")
    try:
        items = json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        logger.warning("Geocoder answered something that is not JSON: %r", body[:200])
        raise GeocodingError("The geocoder's answer is not JSON.") from exc
    if not isinstance(items, list):
        logger.warning("Geocoder answered something that is not a list: %r", body[:200])
        raise GeocodingError("The geocoder's answer is not a list of places.")
    places = []
    for item in items:
        place = _place(item)
        # bounded=1 is a request, not a promise: some geocoders (and Nominatim at the
        # edges) still answer with places outside the box.
        if place is not None and geo.in_service_area(place.lat, place.lon):
            places.append(place)
    return places[:RESULT_LIMIT]


def _place(item: object) -> Place | None:
    """One result (Nominatim gives lat and lon as strings), or None when it is unusable."""
    if not isinstance(item, dict):
        return None
    try:
        lat, lon = float(item["lat"]), float(item["lon"])
    except (KeyError, TypeError, ValueError):
        return None
    name = item.get("display_name")
    if not (math.isfinite(lat) and math.isfinite(lon)) or not isinstance(name, str):
        return None
    name = " ".join(name.split())[:MAX_NAME_LENGTH]
    return Place(lat=lat, lon=lon, display_name=name) if name else None
