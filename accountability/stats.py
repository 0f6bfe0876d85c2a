"""Public stats: how quickly each authority, and each category, answers and fixes reports.

Computed by the worker, never by a visitor: `refresh()` (the "stats" job in
reports/jobs.py) recomputes every figure every REFRESH_SECONDS and stores them in the
shared cache under one key with no expiry; the pages only read that key (`cached()`),
so a page view costs one cache read whatever the data size. Until the worker's first
round has run there is nothing to read, and the pages say the figures are being prepared.

The cache holds plain numbers (seconds, counts, ISO dates), never translated text, so
one entry serves every language.

How the figures are computed, the same way on SQLite and PostgreSQL:
- counts are SQL aggregates grouped by authority or by category (`Count(filter=…)`);
- medians and the 90th percentile are order statistics: each group's count is known
  from the aggregate, so the value at a wanted rank is one `ORDER BY duration LIMIT 2
  OFFSET rank` query (the duration a native expression on both databases). No window
  function, no percentile_cont, and no list of durations in Python: the database sorts
  and two numbers come back;
- the weekly chart counts reports received and fixed per week with TruncWeek, grouped
  in SQL (52 rows each).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django import forms
from django.core.cache import cache
from django.db.models import Count, F, FloatField, Func, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from civic import versions
from reports.models import Report

# The worker recomputes every this many seconds (reports/jobs.py).
REFRESH_SECONDS = 600
CACHE_KEY = "stats:figures:v2"
# Bumped by each refresh: the stats page is kept (civic/kept.py) until new figures come.
VERSION = "stats"
WEEKS = 52
DEFAULT_PERIOD = "12m"
# Period key → (label, days back; None for all time).
PERIODS: dict[str, tuple[str, int | None]] = {
    "30d": (gettext_lazy("Last 30 days"), 30),
    "12m": (gettext_lazy("Last 12 months"), 365),
    "all": (gettext_lazy("All time"), None),
}
DAY = 86400


class StatsPeriodForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=[(key, label) for key, (label, _days) in PERIODS.items()],
        required=False,
    )

    def clean_period(self) -> str:
        return self.cleaned_data["period"] or DEFAULT_PERIOD


def period_from(data) -> str:
    """The period asked for; a missing or unknown value means the default, not an error."""
    form = StatsPeriodForm(data)
    return form.cleaned_data["period"] if form.is_valid() else DEFAULT_PERIOD


# Order statistics ---------------------------------------------------------------


def _ranks(n: int) -> dict[str, tuple[int, int, float]]:
    """For a group of n sorted values: (low rank, high rank, weight of the high one) of
    the median and of the 90th percentile (inclusive method, as statistics.quantiles)."""
    ranks = {}
    for name, share in (("median", 0.5), ("p90", 0.9)):
        position = (n - 1) * share
        low = math.floor(position)
        ranks[name] = (low, min(low + 1, n - 1), position - low)
    return ranks


class Seconds(Func):
    """Seconds from `start` to `end` as a float, computed by the database itself.

    Django's own datetime subtraction is a Python function on SQLite, called per row,
    and comes back as a timedelta to convert; this is native on both databases."""

    output_field = FloatField()

    def __init__(self, end: str, start: str = "requested_at") -> None:
        super().__init__(F(end), F(start))

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))::double precision",
            arg_joiner=" - ",
            **extra,
        )


def order_statistics(
    reports: QuerySet[Report],
    group: str,
    end: str,
    counts: dict,
    quantiles: tuple[str, ...] = ("median", "p90"),
) -> dict[object, dict[str, float]]:
    """Median and/or 90th percentile of (end - requested_at), in seconds, per `group`
    value, over the reports where `end` is set; `counts[group value]` must be how many
    such reports each group has (from the aggregate query).

    Each wanted rank is one `ORDER BY took LIMIT 2 OFFSET rank` query on the group's
    reports: the database sorts (in C, on a native expression) and sends two numbers,
    so nothing but those numbers ever reaches Python. The number of queries follows the
    number of groups, never the number of reports."""
    timed = (
        reports.filter(**{f"{end}__isnull": False})
        .annotate(took=Seconds(end))
        .order_by("took")
        .values_list("took", flat=True)
    )
    result: dict[object, dict[str, float]] = {}
    for key, n in counts.items():
        if not n:
            continue
        members = (
            timed.filter(**{f"{group}__isnull": True})
            if key is None
            else timed.filter(**{group: key})
        )
        values = {}
        for name, (low, high, weight) in _ranks(n).items():
            if name not in quantiles:
                continue
            # Julian days carry ~50 microseconds of float noise: whole milliseconds. A
            # clock skew upstream must not produce a negative duration.
            pair = [max(round(v, 3), 0.0) for v in members[low : high + 1]]
            if pair:
                values[name] = pair[0] + (pair[-1] - pair[0]) * weight
        result[key] = values
    return result


# The figures ----------------------------------------------------------------------


def _within_target_q(now: datetime) -> tuple[Q, Q]:
    """(fixed by the due time, counted): a report counts when it was fixed, or when it
    is still open and its due time has passed; closed as not ours or duplicate, or not
    yet due, it does not. Needs `with_due()`."""
    fixed_in_time = Q(state=Report.State.FIXED, closed_at__isnull=False, closed_at__lte=F("due_at"))
    counted = Q(due_at__isnull=False) & (
        Q(state=Report.State.FIXED) | Q(state__in=Report.OPEN_STATES, due_at__lt=now)
    )
    return fixed_in_time, counted


def _groups(
    reports: QuerySet[Report], group: str, name: str, slug: str | None, now: datetime
) -> list[dict]:
    fixed_in_time, counted = _within_target_q(now)
    fixed = Q(state=Report.State.FIXED)
    rows = (
        reports.with_due()
        .order_by()
        .values(group, name, *([slug] if slug else []))
        .annotate(
            received=Count("id"),
            open=Count("id", filter=Q(state__in=Report.OPEN_STATES)),
            fixed=Count("id", filter=fixed),
            fixed_timed=Count("id", filter=fixed & Q(closed_at__isnull=False)),
            acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
            reopened=Count("id", filter=Q(reopen_count__gt=0)),
            in_time=Count("id", filter=fixed_in_time),
            due=Count("id", filter=counted),
        )
    )
    rows = list(rows)
    ack = order_statistics(
        reports, group, "acknowledged_at", {r[group]: r["acknowledged"] for r in rows}
    )
    fix = order_statistics(
        reports.filter(state=Report.State.FIXED),
        group,
        "closed_at",
        {r[group]: r["fixed_timed"] for r in rows},
        quantiles=("median",),
    )
    result = []
    for row in rows:
        key = row[group]
        result.append(
            {
                "id": key,
                "name": row[name],
                "slug": row[slug] if slug else None,
                "received": row["received"],
                "open": row["open"],
                "fixed": row["fixed"],
                "acknowledge_median": ack.get(key, {}).get("median"),
                "acknowledge_p90": ack.get(key, {}).get("p90"),
                "fix_median": fix.get(key, {}).get("median"),
                "reopened": row["reopened"],
                "in_time": row["in_time"],
                "due": row["due"],
            }
        )
    # Unassigned reports (no authority yet) come last.
    result.sort(key=lambda r: (r["name"] is None, (r["name"] or "").casefold()))
    return result


def _weekly(now: datetime) -> list[dict]:
    """Reports received and fixed per week (Monday to Sunday, the site's time zone),
    for the last WEEKS weeks, this one included; weeks with none are zeros."""
    today = timezone.localtime(now).date()
    first = today - timedelta(days=today.weekday(), weeks=WEEKS - 1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    visible = Report.objects.visible().order_by()

    def per_week(reports: QuerySet[Report], field: str) -> dict[date, int]:
        counted = (
            reports.filter(**{f"{field}__gte": start})
            .annotate(week=TruncWeek(field))
            .values("week")
            .annotate(n=Count("id"))
            .values_list("week", "n")
        )
        # A datetime on both databases: its local date is the Monday.
        return {_as_date(week): n for week, n in counted}

    received = per_week(visible, "requested_at")
    fixed = per_week(visible.filter(state=Report.State.FIXED), "closed_at")
    weeks = [first + timedelta(weeks=i) for i in range(WEEKS)]
    return [
        {"week": week.isoformat(), "received": received.get(week, 0), "fixed": fixed.get(week, 0)}
        for week in weeks
    ]


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _open_overdue() -> dict[object, int]:
    rows = (
        Report.objects.visible()
        .overdue()
        .order_by()
        .values("authority_id")
        .annotate(n=Count("id"))
        .values_list("authority_id", "n")
    )
    return dict(rows)


def compute(now: datetime | None = None) -> dict:
    """Every figure the stats and authority pages show, as plain numbers."""
    now = now or timezone.now()
    periods = {}
    for period, (_label, days) in PERIODS.items():
        reports = Report.objects.visible().order_by()
        if days is not None:
            reports = reports.filter(requested_at__gte=now - timedelta(days=days))
        periods[period] = {
            "authorities": _groups(
                reports, "authority_id", "authority__name", "authority__slug", now
            ),
            "services": _groups(reports, "service_id", "service__name", None, now),
        }
    return {
        "computed_at": now.isoformat(),
        "periods": periods,
        "weeks": _weekly(now),
        "open_overdue": _open_overdue(),
    }


def refresh() -> int:
    """The worker's job: recompute and store, with no expiry (the next round replaces it)."""
    cache.set(CACHE_KEY, compute(), timeout=None)
    versions.bump(VERSION)
    return 1


def cached() -> dict | None:
    """The figures the worker stored, or None before its first round."""
    return cache.get(CACHE_KEY)


# For display ----------------------------------------------------------------------


def humane_duration(seconds: float | None) -> str:
    """ "3 days 4 hours", "5 hours", "12 minutes"; "—" when there is nothing to measure.

    Two units at most, and minutes only for answers within the hour: a reader compares
    "2 days" with "5 days", not minutes.
    """
    if seconds is None:
        return "—"
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        text = ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        if hours:
            text += " " + ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        return text
    if hours:
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if minutes:
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return _("less than a minute")


TABLE_KEYS = ("name", "received", "open", "fixed")


def for_display(rows: list[dict]) -> list[dict]:
    """The cached rows of a table by authority or category, with names and durations as
    text in the current language."""
    return [
        {
            **{key: row[key] for key in TABLE_KEYS},
            "name": row["name"] if row["name"] is not None else _("Not yet assigned"),
            "acknowledge_median": humane_duration(row["acknowledge_median"]),
            "acknowledge_p90": humane_duration(row["acknowledge_p90"]),
            "fix_median": humane_duration(row["fix_median"]),
        }
        for row in rows
    ]


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def league(figures: dict, period: str) -> list[dict]:
    """The league table of authorities (not the unassigned reports): reports, median
    days to fix, share fixed within target, reopened share, open overdue now. Best share
    within target first; an authority with no deadline to judge comes last."""
    overdue = figures["open_overdue"]
    rows = []
    for row in figures["periods"][period]["authorities"]:
        if row["id"] is None:
            continue
        rows.append(
            {
                "name": row["name"],
                "slug": row["slug"],
                "received": row["received"],
                "fix_median_days": (
                    row["fix_median"] / DAY if row["fix_median"] is not None else None
                ),
                "within_target": share(row["in_time"], row["due"]),
                "reopened": share(row["reopened"], row["received"]),
                "open_overdue": overdue.get(row["id"], 0),
            }
        )
    rows.sort(
        key=lambda r: (r["within_target"] is None, -(r["within_target"] or 0), r["name"].casefold())
    )
    return rows


def authority_row(figures: dict, period: str, authority_id: int) -> dict | None:
    for row in figures["periods"][period]["authorities"]:
        if row["id"] == authority_id:
            return row
    return None


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return _("%(n)s%%") % {"n": formats.number_format(round(value * 100))}


def days(value: float | None) -> str:
    return "—" if value is None else formats.number_format(value, 1)


def league_for_display(rows: list[dict]) -> list[dict]:
    return [
        {
            **row,
            "fix_median_days": days(row["fix_median_days"]),
            "within_target": percent(row["within_target"]),
            "reopened": percent(row["reopened"]),
        }
        for row in rows
    ]
