"""Pages that close the loop: the reporter's "Has this been fixed?" link, and the
residents' "Still broken" button on a fixed or closed report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from discussions.actions import NotAllowed
from reports.access import report_for_user
from reports.forms.reopen import QuestionnaireForm, StillBrokenForm
from reports.models import Questionnaire
from reports.reopening import (
    LinkError,
    answer_questionnaire,
    confirm_still_broken,
    questionnaire_for_token,
)


@require_http_methods(["GET", "POST"])
def questionnaire(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the question (mail scanners that follow links change nothing);
    POST records the answer, once."""
    try:
        item = questionnaire_for_token(token)
    except LinkError as error:
        return render(request, "reports/questionnaire.html", {"error": error.message}, status=410)
    initial = {"answer": request.GET.get("answer")} if request.GET.get("answer") else None
    form = QuestionnaireForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            answer_questionnaire(item, form.cleaned_data["answer"], note=form.cleaned_data["note"])
        except LinkError as error:
            return render(
                request, "reports/questionnaire.html", {"error": error.message}, status=410
            )
        if form.cleaned_data["answer"] == Questionnaire.Answer.FIXED:
            messages.success(request, _("Thank you: the report is marked fixed."))
        else:
            messages.success(
                request,
                _("Thank you: the report is open again and goes back to those responsible."),
            )
        return redirect(item.report)
    return render(request, "reports/questionnaire.html", {"form": form, "report": item.report})


@login_required
@require_POST
def still_broken(request: HttpRequest, pk: int) -> HttpResponse:
    report, _access = report_for_user(request.user, pk)
    form = StillBrokenForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "reports/still_broken.html", {"form": form, "report": report}, status=400
        )
    try:
        reopened = confirm_still_broken(
            report, request.user, note=form.cleaned_data["note"], photos=form.cleaned_data["photos"]
        )
    except NotAllowed as refusal:
        messages.error(request, refusal.message)
        return redirect(report)
    if reopened:
        messages.success(
            request, _("Thank you: the report is open again and goes back to those responsible.")
        )
    else:
        messages.success(
            request,
            _("Thank you: noted. The report reopens when a few more residents say the same."),
        )
    return redirect(report)
