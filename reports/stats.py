"""Public stats: how quickly each authority, and each category, answers and fixes reports.

Medians and percentiles cannot be computed portably in SQL, so one query fetches the
timestamps of every report in the period and Python does the arithmetic. With 100,000
reports that takes a moment, so the result is cached for STATS_SECONDS in the shared
cache. The cache holds plain numbers (seconds), never translated text, so one entry
serves every language.
"""

from __future__ import annotations

import statistics
from datetime import timedelta

from django import forms
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from reports.models import Report

STATS_SECONDS = 600
DEFAULT_PERIOD = "12m"
# Period key → (label, days back; None for all time).
PERIODS: dict[str, tuple[str, int | None]] = {
    "30d": (gettext_lazy("Last 30 days"), 30),
    "12m": (gettext_lazy("Last 12 months"), 365),
    "all": (gettext_lazy("All time"), None),
}


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


def _seconds(start, end) -> float:
    # A clock skew upstream must not produce a negative duration.
    return max((end - start).total_seconds(), 0.0)


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    # "inclusive": the observed durations are the whole population, not a sample.
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


class _Group:
    __slots__ = ("fixed", "name", "open", "received", "to_acknowledge", "to_fix")

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.received = 0
        self.open = 0
        self.fixed = 0
        self.to_acknowledge: list[float] = []
        self.to_fix: list[float] = []

    def add(self, state: str, requested_at, acknowledged_at, closed_at) -> None:
        self.received += 1
        if state in Report.OPEN_STATES:
            self.open += 1
        if acknowledged_at is not None:
            self.to_acknowledge.append(_seconds(requested_at, acknowledged_at))
        if state == Report.State.FIXED:
            self.fixed += 1
            if closed_at is not None:
                self.to_fix.append(_seconds(requested_at, closed_at))

    def row(self) -> dict:
        ack, fix = self.to_acknowledge, self.to_fix
        return {
            "name": self.name,
            "received": self.received,
            "open": self.open,
            "fixed": self.fixed,
            "acknowledge_median": statistics.median(ack) if ack else None,
            "acknowledge_p90": _p90(ack) if ack else None,
            "fix_median": statistics.median(fix) if fix else None,
        }


def _rows(groups: dict) -> list[dict]:
    # Unassigned reports (no authority yet) come last.
    ordered = sorted(groups.values(), key=lambda g: (g.name is None, (g.name or "").casefold()))
    return [group.row() for group in ordered]


def compute_stats(period: str) -> dict:
    """Rows per authority and per service for the visible reports received in `period`."""
    days = PERIODS[period][1]
    reports = Report.objects.visible().order_by()
    if days is not None:
        reports = reports.filter(requested_at__gte=timezone.now() - timedelta(days=days))
    by_authority: dict = {}
    by_service: dict = {}
    for row in reports.values_list(
        "authority_id",
        "authority__name",
        "service_id",
        "service__name",
        "state",
        "requested_at",
        "acknowledged_at",
        "closed_at",
    ).iterator(chunk_size=5000):
        authority_id, authority_name, service_id, service_name, *timing = row
        if authority_id not in by_authority:
            by_authority[authority_id] = _Group(authority_name)
        if service_id not in by_service:
            by_service[service_id] = _Group(service_name)
        by_authority[authority_id].add(*timing)
        by_service[service_id].add(*timing)
    return {"authorities": _rows(by_authority), "services": _rows(by_service)}


def cached_stats(period: str) -> dict:
    return cache.get_or_set(f"stats:{period}", lambda: compute_stats(period), STATS_SECONDS)


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


def for_display(rows: list[dict]) -> list[dict]:
    """The cached rows with names and durations as text in the current language."""
    return [
        {
            **row,
            "name": row["name"] if row["name"] is not None else _("Not yet assigned"),
            "acknowledge_median": humane_duration(row["acknowledge_median"]),
            "acknowledge_p90": humane_duration(row["acknowledge_p90"]),
            "fix_median": humane_duration(row["fix_median"]),
        }
        for row in rows
    ]
