"""Area alerts: "email me about new reports" around a point, in an authority's area,
in a drawn polygon, or for one service.

The worker's `run_alerts()` reads new reports (and new timeline entries) since its
cursor in batches. For each batch, ONE query loads every alert that could match
any report of the batch (by service, by authority, or by an area whose bounding
box meets the batch's), then the exact test (distance, point in polygon with
shapely) runs in memory and one bulk insert records the matches. So the cost
grows with the number of new reports, not with the number of alerts.

`send_due_alerts()` then sends one email per address with every due match, with a
one-click unsubscribe link and List-Unsubscribe headers.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import datetime, timedelta

import numpy
import shapely
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from shapely.geometry import Point, shape
from shapely.prepared import prep

from alerts.models import Alert, AlertCursor, AlertNotice
from civic.links import absolute_url
from civic.models import Profile, language_of
from civic.outbox import queue_email
from places.geo import EARTH_RADIUS_METRES, distance_metres
from reports.models import Report, ReportUpdate

BATCH = 500
DAILY = timedelta(days=1)
UNSUBSCRIBE_SALT = "reports.alerts.unsubscribe"
CONFIRM_SALT = "reports.alerts.confirm"


class _Matcher:
    """The exact test of one alert against a point, built once per batch."""

    def __init__(self, alert: Alert, areas: dict) -> None:
        self.alert = alert
        self.area = None
        self.shape = None
        if alert.kind == Alert.Kind.POLYGON:
            self.shape = shape(alert.polygon)
            self.area = prep(self.shape)
        elif alert.kind == Alert.Kind.AUTHORITY and alert.authority.boundary:
            # The authority's area is its boundary (shared by its alerts in the batch).
            if alert.authority_id not in areas:
                areas[alert.authority_id] = prep(shape(alert.authority.boundary))
            self.area = areas[alert.authority_id]

    def matches(self, report: Report) -> bool:
        alert = self.alert
        if alert.kind == Alert.Kind.SERVICE:
            return report.service_id == alert.service_id
        if alert.kind == Alert.Kind.AUTHORITY:
            if self.area is None:  # no boundary: the reports routed to it
                return report.authority_id == alert.authority_id
            return self.area.contains(Point(report.lon, report.lat))
        if not (
            alert.south <= report.lat <= alert.north and alert.west <= report.lon <= alert.east
        ):
            return False
        if alert.kind == Alert.Kind.RADIUS:
            return distance_metres(alert.lat, alert.lon, report.lat, report.lon) <= alert.radius
        return self.area.contains(Point(report.lon, report.lat))


def candidate_alerts(reports: list[Report], *, updates_only: bool = False) -> list[Alert]:
    """Every active alert that might match one of `reports`: one query."""
    if not reports:
        return []
    west = min(r.lon for r in reports)
    east = max(r.lon for r in reports)
    south = min(r.lat for r in reports)
    north = max(r.lat for r in reports)
    by_area = Q(
        kind__in=(Alert.Kind.RADIUS, Alert.Kind.POLYGON),
        west__lte=east,
        east__gte=west,
        south__lte=north,
        north__gte=south,
    )
    by_service = Q(kind=Alert.Kind.SERVICE, service_id__in={r.service_id for r in reports})
    # An authority's area is its boundary: any authority alert may match.
    by_authority = Q(kind=Alert.Kind.AUTHORITY)
    alerts = Alert.objects.active().filter(by_area | by_service | by_authority)
    if updates_only:
        alerts = alerts.filter(include_updates=True)
    return list(alerts.select_related("user__profile", "authority"))


def match(reports: list[Report], alerts: list[Alert]) -> list[tuple[Alert, Report]]:
    """The (alert, report) pairs that match. Reports are sorted by latitude once, so an
    area alert only looks at the reports inside its latitude band (a binary search),
    and a service or authority alert reuses its key's list: thousands of alerts against
    a batch stay cheap."""
    areas: dict = {}
    by_lat = sorted(reports, key=lambda r: r.lat)
    lats = [r.lat for r in by_lat]
    lat_array = numpy.array(lats, dtype=float)
    lon_array = numpy.array([r.lon for r in by_lat], dtype=float)
    by_service: dict[int, list[Report]] = defaultdict(list)
    for report in reports:
        by_service[report.service_id].append(report)
    by_authority: dict[int, list[Report]] = {}
    pairs = []
    for alert in alerts:
        matcher = _Matcher(alert, areas)
        if alert.kind == Alert.Kind.SERVICE:
            pairs.extend((alert, r) for r in by_service.get(alert.service_id, ()))
        elif alert.kind == Alert.Kind.AUTHORITY:
            if alert.authority_id not in by_authority:
                by_authority[alert.authority_id] = [r for r in reports if matcher.matches(r)]
            pairs.extend((alert, r) for r in by_authority[alert.authority_id])
        else:
            start, end = bisect_left(lats, alert.south), bisect_right(lats, alert.north)
            if start == end:
                continue
            lat, lon = lat_array[start:end], lon_array[start:end]
            inside = (lon >= alert.west) & (lon <= alert.east)
            if alert.kind == Alert.Kind.RADIUS:
                inside &= _distances(alert.lat, alert.lon, lat, lon) <= alert.radius
            else:
                inside &= shapely.contains_xy(matcher.shape, lon, lat)
            pairs.extend((alert, by_lat[start + i]) for i in numpy.flatnonzero(inside))
    return pairs


def _distances(lat: float, lon: float, lats, lons):
    """Haversine distances in metres from one point to arrays of points."""
    phi1, phi2 = math.radians(lat), numpy.radians(lats)
    dphi, dlam = phi2 - phi1, numpy.radians(lons - lon)
    a = numpy.sin(dphi / 2) ** 2 + math.cos(phi1) * numpy.cos(phi2) * numpy.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_METRES * numpy.arcsin(numpy.minimum(1.0, numpy.sqrt(a)))


# --- the worker job --------------------------------------------------------------------


def _frequency(alert: Alert) -> str:
    if alert.user_id:
        profile = Profile.of(alert.user)
        return profile.email_alerts if profile else Profile.Frequency.DAILY
    return alert.frequency


def _due_at(alert: Alert, now: datetime) -> datetime | None:
    frequency = _frequency(alert)
    if frequency == Profile.Frequency.OFF:
        return None
    if frequency == Profile.Frequency.DAILY:
        return max(now, (alert.last_sent_at or now) + DAILY) if alert.last_sent_at else now + DAILY
    return now


def _notices(pairs, now: datetime, update_of=None) -> list[AlertNotice]:
    notices = []
    for alert, report in pairs:
        due = _due_at(alert, now)
        if due is None or (alert.user_id and alert.user_id == report.reporter_id and not update_of):
            continue  # switched off, or the reporter's own report
        notices.append(
            AlertNotice(
                alert=alert,
                report=report,
                update=update_of.get(report.pk) if update_of else None,
                created_at=now,
                due_at=due,
            )
        )
    return notices


@transaction.atomic
def run_alerts(now: datetime | None = None, batch: int = BATCH) -> int:
    """Match one batch of new reports and one batch of new timeline entries against the
    alerts; returns how many matches were recorded. Queries: the cursor, the reports,
    their candidate alerts, the insert; the same again for updates; the cursor's save."""
    now = now or timezone.now()
    cursor, _created = AlertCursor.objects.select_for_update().get_or_create(name="alerts")
    if _created:
        # Start from now: a new site (or a new job) does not mail the whole history.
        cursor.last_report_id = (
            Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        cursor.last_update_id = (
            ReportUpdate.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        cursor.save()
        return 0
    recorded = 0
    reports = list(Report.objects.filter(pk__gt=cursor.last_report_id).order_by("pk")[:batch])
    if reports:
        cursor.last_report_id = reports[-1].pk
        visible = [r for r in reports if not r.is_hidden]
        notices = _notices(match(visible, candidate_alerts(visible)), now)
        AlertNotice.objects.bulk_create(notices, ignore_conflicts=True)
        recorded += len(notices)
    updates = list(
        ReportUpdate.objects.filter(pk__gt=cursor.last_update_id)
        .exclude(state=Report.State.SUBMITTED, note="")  # a report's first entry is the report
        .select_related("report")
        .order_by("pk")[:batch]
    )
    if updates:
        last_update = max(u.pk for u in updates)
        cursor.last_update_id = last_update
        latest = {}
        for update in updates:
            if not update.report.is_hidden:
                latest[update.report_id] = update
        changed = [u.report for u in latest.values()]
        pairs = match(changed, candidate_alerts(changed, updates_only=True))
        notices = _notices(pairs, now, update_of=latest)
        AlertNotice.objects.bulk_create(notices, ignore_conflicts=True)
        recorded += len(notices)
    cursor.save()
    return recorded


# --- tokens ----------------------------------------------------------------------------


def unsubscribe_token(alert: Alert) -> str:
    return signing.dumps(alert.pk, salt=UNSUBSCRIBE_SALT, compress=False)


def confirm_token(alert: Alert) -> str:
    return signing.dumps(alert.pk, salt=CONFIRM_SALT, compress=False)


def read_token(token: str, salt: str, max_age: int | None = None) -> int | None:
    try:
        return int(signing.loads(token, salt=salt, max_age=max_age))
    except (signing.BadSignature, ValueError, TypeError):
        return None


# --- sending ---------------------------------------------------------------------------


def send_due_alerts(now: datetime | None = None, limit: int = 200) -> int:
    """One email per address with every due match of its alerts; returns emails queued."""
    now = now or timezone.now()
    due = list(
        AlertNotice.objects.filter(due_at__lte=now)
        .select_related(
            "alert__service",
            "alert__authority",
            "alert__user__profile",
            "report__service",
            "update",
        )
        .order_by("alert__email", "created_at", "pk")[: limit * 20]
    )
    by_email: dict[str, list[AlertNotice]] = defaultdict(list)
    for notice in due:
        by_email[notice.alert.email].append(notice)
    sent = 0
    for email, notices in list(by_email.items())[:limit]:
        with transaction.atomic():
            taken = AlertNotice.objects.filter(pk__in=[n.pk for n in notices]).delete()[0]
            if not taken:
                continue
            alerts = {n.alert_id: n.alert for n in notices}
            entries = [
                {
                    "report": n.report,
                    "url": absolute_url(n.report.get_absolute_url()),
                    "update": n.update,
                    "alert": n.alert,
                }
                for n in notices
                if not n.report.is_hidden
            ]
            if not entries:
                continue
            first = next(iter(alerts.values()))
            unsubscribe_all = absolute_url(
                reverse("alerts:unsubscribe", args=[unsubscribe_token(first)]) + "?all=1"
            )
            with translation.override(language_of(first.user)):
                queue_email(
                    email,
                    "alert-digest",
                    {
                        "entries": entries,
                        "alerts": [
                            {
                                "alert": alert,
                                "unsubscribe_url": absolute_url(
                                    reverse(
                                        "alerts:unsubscribe",
                                        args=[unsubscribe_token(alert)],
                                    )
                                ),
                            }
                            for alert in alerts.values()
                        ],
                        "unsubscribe_url": unsubscribe_all,
                    },
                    headers={
                        "List-Unsubscribe": f"<{unsubscribe_all}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                )
            Alert.objects.filter(pk__in=list(alerts)).update(last_sent_at=now)
            sent += 1
    return sent


def export_alerts(user) -> list[dict]:
    return [
        {
            "kind": alert.kind,
            "described": alert.describe(),
            "email": alert.email,
            "lat": alert.lat,
            "lon": alert.lon,
            "radius": alert.radius,
            "polygon": alert.polygon,
            "include_updates": alert.include_updates,
            "created_at": alert.created_at.isoformat(),
        }
        for alert in Alert.objects.filter(user=user).select_related("authority", "service")
    ]
