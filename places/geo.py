"""Geography, in one place: the service area, distances, boxes around a point or a
shape, the bbox parameter of maps and lists, and "within so many metres" in SQL.

Points are plain WGS84 floats (lat, lon); boxes are (west, south, east, north), the
order of Open311's and GeoJSON's bbox. No GeoDjango: indexed lat/lon columns and a
haversine term do what point reports need, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import (
    ExpressionWrapper,
    F,
    FloatField,
    QuerySet,
    Value,
)
from django.db.models.functions import (
    Cos,
    Power,
    Radians,
    Sin,
)
from django.utils.translation import gettext as _
from shapely.geometry import shape

EARTH_RADIUS_METRES = 6_371_008.8

Box = tuple[float, float, float, float]


def service_area() -> Box:
    """The area this site covers: reports, topics and calls outside it are refused."""
    return settings.SERVICE_AREA


def service_area_size() -> float:
    west, south, east, north = service_area()
    return (north - south) * (east - west)


def in_service_area(lat: float, lon: float) -> bool:
    west, south, east, north = service_area()
    return south <= lat <= north and west <= lon <= east


def distance_metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlam = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * math.asin(min(1.0, math.sqrt(a)))


def radius_bbox(lat: float, lon: float, radius: float) -> Box:
    """The box that holds every point within `radius` metres of (lat, lon)."""
    dlat = math.degrees(radius / EARTH_RADIUS_METRES)
    cos_lat = math.cos(math.radians(lat))
    dlon = 180.0 if cos_lat < 1e-6 else min(180.0, dlat / cos_lat)
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def polygon_bbox(geometry: dict) -> Box:
    """The bounds of a GeoJSON geometry."""
    return shape(geometry).bounds  # (minx=west, miny=south, maxx=east, maxy=north)


def near(queryset: QuerySet, lat: float, lon: float, radius: float) -> QuerySet:
    """Rows (with `lat` and `lon` columns) within `radius` metres: a box on the indexed
    columns, then the exact haversine test in SQL.

    The test compares the haversine term with sin²(d/2R), which is monotonic in the
    distance d, so no asin/sqrt is needed; Django provides the trigonometric functions
    on SQLite as on PostgreSQL.
    """
    west, south, east, north = radius_bbox(lat, lon, radius)
    queryset = queryset.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)
    phi, lam = math.radians(lat), math.radians(lon)
    haversine = Power(Sin((Radians(F("lat")) - Value(phi)) / 2), 2) + Value(
        math.cos(math.radians(lat))
    ) * Cos(Radians(F("lat"))) * Power(Sin((Radians(F("lon")) - Value(lam)) / 2), 2)
    limit = math.sin(min(radius / EARTH_RADIUS_METRES, math.pi) / 2) ** 2
    return queryset.alias(haversine=ExpressionWrapper(haversine, output_field=FloatField())).filter(
        haversine__lte=limit
    )


def parse_bbox(raw: str) -> Box:
    """`west,south,east,north` in degrees, as maps and lists send it; ValidationError
    with a message saying what is wrong otherwise."""
    try:
        west, south, east, north = (float(part) for part in raw.split(","))
    except ValueError as exc:
        raise ValidationError(
            _("bbox must be four numbers: west,south,east,north."), code="bbox_format"
        ) from exc
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ValidationError(_("bbox must be finite numbers."), code="bbox_format")
    if not (-90 <= south < north <= 90):
        raise ValidationError(
            _("bbox latitudes must be between -90 and 90, south below north."),
            code="bbox_range",
        )
    if not (-180 <= west < east <= 180):
        raise ValidationError(
            _("bbox longitudes must be between -180 and 180, west left of east."),
            code="bbox_range",
        )
    return west, south, east, north
