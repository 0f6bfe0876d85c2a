"""A report's page parts that change with its thread's version: the live poll of an
open report page sends them out of band, so an official answer shows up without a
reload (status line, timeline and facts, the same partials the page includes)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest
from django.template.loader import render_to_string

from reports.models import Report, ReportUpdate


def report_fragments(request: HttpRequest, thread) -> str:
    report = (
        Report.objects.select_related("service", "authority", "reporter__profile", "duplicate_of")
        .prefetch_related(
            Prefetch("updates", queryset=ReportUpdate.objects.select_related("author"))
        )
        .filter(pk=thread.owner_id, is_hidden=False)
        .first()
    )
    if report is None:
        return ""
    context = {"report": report, "updates": list(report.updates.all()), "oob": True}
    return "".join(
        render_to_string(f"reports/partials/{name}.html", context, request=request)
        for name in ("status", "timeline", "facts")
    )
