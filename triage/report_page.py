"""The staff panels on a report's page: a public answer (status, note, expected date),
its place on the map when it was to be confirmed, "not ours" and hide or show.

The report page (reports/views/detail.py) asks `panels` for their blank forms; each
POST here answers with the page again when the form has errors (the form keeps what
was typed), else post/redirect/get. Assignment is in triage/views.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from discussions.models import ModerationEntry
from reports.access import ReportAccess, report_access, report_for_user
from reports.actions import place_report
from reports.forms.report import PlacePinForm
from reports.models import Report
from reports.views.detail import render_detail, report_for_viewer
from triage.forms.queue import AssignForm
from triage.forms.staff import ReassignForm, StaffUpdateForm, VisibilityForm


def assign_form_for(report: Report) -> AssignForm:
    """The report page's assignment box (one query: the authority's staff)."""
    colleagues = (
        list(report.authority.active_staff().select_related("profile").order_by("email"))
        if report.authority_id
        else []
    )
    return AssignForm(report=report, colleagues=colleagues)


def panels(request: HttpRequest, report: Report, access: ReportAccess) -> dict:
    """The blank forms of the panels `access` allows, and the moderation log."""
    context = {}
    if access.answer:
        context["staff_form"] = StaffUpdateForm(report=report)
        context["assign_form"] = assign_form_for(report)
        if not report.has_location:
            context["pin_form"] = PlacePinForm(initial={"address": report.address})
    if access.moderate:
        context["reassign_form"] = ReassignForm(report=report)
        context["visibility_form"] = VisibilityForm(report=report)
        if report.thread_id:
            context["moderation_log"] = list(
                ModerationEntry.objects.for_thread(report.thread_id)[:50]
            )
    return context


def _get_report_for_staff(request: HttpRequest, pk: int) -> Report:
    """The report a staff member answers on, with what its status, facts and timeline
    fragments show; 404 when they may not see it, 403 when they may not answer."""
    report, _access = report_for_user(
        request.user,
        pk,
        queryset=Report.objects.select_related(
            "service", "authority", "reporter__profile", "duplicate_of"
        ),
        need="answer",
    )
    return report


@login_required
@require_POST
def staff_update(request: HttpRequest, pk: int) -> HttpResponse:
    """A staff member's public answer from the report page: new status, note, expected date.

    htmx gets the panel's form back (with its errors, or fresh) plus the status, facts and
    timeline out of band; without JavaScript, post/redirect/get to the report page.
    """
    report = _get_report_for_staff(request, pk)
    form = StaffUpdateForm(request.POST, report=report)
    if not form.is_valid():
        # htmx swaps only successful responses, so an invalid form answers 200.
        if request.htmx:
            context = {"report": report, "staff_form": form}
            return render(request, "triage/partials/staff_form.html", context)
        return render_detail(request, *report_for_viewer(request, pk), staff_form=form)
    form.save(by=request.user)
    message = _("Your update is published on the timeline.")
    if not request.htmx:
        messages.success(request, message)
        return redirect(report)
    context = {
        "report": report,
        "updates": list(report.updates.select_related("author")),
        "staff_form": StaffUpdateForm(report=report, canned_responses=form.canned_responses),
        "message": message,
    }
    return render(request, "triage/partials/staff_updated.html", context)


@login_required
@require_POST
def place_pin(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff give a report whose location was to be confirmed its place on the map."""
    report = _get_report_for_staff(request, pk)
    form = PlacePinForm(request.POST, ident=request.user.pk)
    if not form.is_valid():
        return render_detail(request, *report_for_viewer(request, pk), pin_form=form)
    lat, lon = form.cleaned_data["point"]
    place_report(report, lat=lat, lon=lon, by=request.user)
    messages.success(request, _("The report is on the map now."))
    return redirect(report)


def _staff_moderation(request: HttpRequest, pk: int, form_class, message: str):
    """The "not ours" and hide/show forms: post/redirect/get, or the page with errors."""
    report, _access = report_for_user(
        request.user,
        pk,
        queryset=Report.objects.select_related("service", "authority"),
        need="moderate",
    )
    form = form_class(request.POST, report=report)
    if form.is_valid() and form.save(by=request.user) is not None:
        messages.success(request, message)
        # Passed on, the report may have left this staff member's reach.
        if report_access(request.user, report).view:
            return redirect(report)
        return redirect("reports:list")
    name = "reassign_form" if form_class is ReassignForm else "visibility_form"
    return render_detail(request, *report_for_viewer(request, pk), **{name: form})


@login_required
@require_POST
def staff_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_moderation(
        request, pk, ReassignForm, _("The report is passed on; its timeline says so.")
    )


@login_required
@require_POST
def staff_visibility(request: HttpRequest, pk: int) -> HttpResponse:
    return _staff_moderation(request, pk, VisibilityForm, _("Done: the moderation log keeps why."))
