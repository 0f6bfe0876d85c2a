"""Which authorities must receive a report: point-in-polygon over their boundaries."""

from __future__ import annotations

import json
from functools import lru_cache

from django.conf import settings
from shapely.geometry import Point, shape
from shapely.prepared import prep

from civic import versions
from reports.models import Authority, Service


@lru_cache(maxsize=256)
def _prepared(boundary_json: str):
    return prep(shape(json.loads(boundary_json)))


def covers(authority: Authority, lat: float, lon: float) -> bool:
    if not authority.boundary:
        return False
    # Prepared once per instance: the candidates below are kept, and a city's boundary
    # can be thousands of points.
    area = authority.__dict__.get("_prepared_boundary")
    if area is None:
        area = _prepared(json.dumps(authority.boundary, sort_keys=True))
        authority.__dict__["_prepared_boundary"] = area
    return area.covers(Point(lon, lat))


# On a service kept in this process (`keep_candidates_with`): its candidates, once read.
_KEPT = "_routing_candidates"


def keep_candidates_with(services: list[Service]) -> list[Service]:
    """`services`, each to keep its candidates once read for as long as it is itself kept
    (the active services, kept under the services' version: reports/forms/report.py),
    so routing a report among them reads no version of its own."""
    for service in services:
        service.__dict__[_KEPT] = {}
    return services


def candidates(service: Service) -> list[Authority]:
    """Active authorities with a contact for this service: kept in this process while
    the services' version holds (authorities, services and contacts bump it). Read-only:
    requests share them."""
    kept = service.__dict__.get(_KEPT)
    if kept is not None:
        if "authorities" not in kept:
            kept["authorities"] = _read_candidates(service)
        return kept["authorities"]
    return versions.memo(
        f"routing:candidates:{service.pk}",
        versions.current(versions.SERVICES),
        lambda: _read_candidates(service),
        max_age=600,
    )


def _read_candidates(service: Service) -> list[Authority]:
    return list(Authority.objects.filter(is_active=True, contacts__service=service).distinct())


def route(
    service: Service,
    lat: float | None,
    lon: float | None,
    candidates_: list[Authority] | None = None,
) -> list[Authority]:
    """The active authorities whose area holds the point and who take this service.

    When none does, the configured default authority catches the report, so
    nothing is left without someone responsible.
    """
    candidates_ = candidates(service) if candidates_ is None else candidates_
    # A report whose location is to be confirmed has no point: the default catches it.
    located = lat is not None and lon is not None
    chosen = [a for a in candidates_ if located and covers(a, lat, lon)]
    if chosen:
        return chosen
    if settings.DEFAULT_AUTHORITY_SLUG:
        default = Authority.objects.filter(slug=settings.DEFAULT_AUTHORITY_SLUG, is_active=True)
        return list(default[:1])
    # Without a configured default, an authority that takes the service and has
    # no boundary at all covers everywhere.
    return [a for a in candidates_ if not a.boundary][:1]
