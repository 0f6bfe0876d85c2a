"""A reporter's own report: edit its text for a while after sending it, withdraw it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from reports.actions import NotAllowed, edit_own_report, withdraw_own_report
from reports.actions.own import edit_until, is_reporter, may_edit
from reports.forms.own import OwnReportForm
from reports.models import Report


def _own(request: HttpRequest, pk: int) -> Report:
    report = get_object_or_404(Report.objects.select_related("service"), pk=pk)
    if not is_reporter(report, request.user):
        raise Http404  # someone else's report: as if there were no such page
    return report


@login_required
@require_http_methods(["GET", "POST"])
def edit_own(request: HttpRequest, pk: int) -> HttpResponse:
    report = _own(request, pk)
    if not may_edit(report, request.user):
        messages.error(
            request, _("The time to edit this report is over. Add a comment to say more.")
        )
        return redirect(report)
    form = OwnReportForm(
        request.POST or None,
        initial={"title": report.title, "description": report.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            edit_own_report(
                report,
                by=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
            )
        except NotAllowed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Your report is updated."))
        return redirect(report)
    return render(
        request,
        "reports/own_edit.html",
        {"report": report, "form": form, "edit_until": edit_until(report)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw_own(request: HttpRequest, pk: int) -> HttpResponse:
    report = _own(request, pk)
    if report.is_hidden:
        messages.info(request, _("This report is not public."))
        return redirect("me")
    if request.method == "POST":
        withdraw_own_report(report, by=request.user)
        messages.success(
            request,
            _("Report #%(number)d is withdrawn: nobody else sees it now.") % {"number": report.pk},
        )
        return redirect("me")
    return render(request, "reports/own_withdraw.html", {"report": report})
