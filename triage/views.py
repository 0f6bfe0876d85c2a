"""Staff triage: an authority's queue of open reports, its bulk actions, and assigning
a report to a colleague from its page.

Who may: staff of the authority (members of its staff group with staff status, as
`reports.access` asks) and superusers, who pick the authority. Each bulk action goes
through the same action as a one-report change (`reports.actions`), report by report,
so each report gets its own moderation log entry; what a report refuses is reported
back, and the others go through.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from reports import actions
from reports.access import report_access, report_for_user
from reports.models import Authority, Report, Service
from triage.forms.queue import AssignForm, BulkActionForm, QueueFilterForm, person_name
from triage.models import CannedResponse

QUEUE_PER_PAGE = 30


def staff_authorities(user) -> QuerySet[Authority]:
    """The authorities whose queue `user` may work: their own, or all for a superuser."""
    if user.is_superuser:
        return Authority.objects.all()
    if not (user.is_authenticated and user.is_staff and user.is_active):
        return Authority.objects.none()
    return Authority.objects.filter(staff_group__in=user.groups.all())


def _get_authority_for_staff(request: HttpRequest, slug: str | None) -> tuple[Authority, list]:
    """The authority whose queue is asked for (`slug`, else the first of the user's) and
    every authority they may choose; 403 for anyone who is nobody's staff."""
    authorities = list(staff_authorities(request.user).order_by("name"))
    if not authorities:
        raise PermissionDenied
    chosen = next((a for a in authorities if a.slug == slug), None)
    if slug and chosen is None:
        raise PermissionDenied
    return chosen or authorities[0], authorities


def _queue_context(request, authority, authorities, query: QueryDict, bulk_form=None) -> dict:
    colleagues = list(authority.active_staff().select_related("profile").order_by("email"))
    services = list(Service.objects.all())
    form = QueueFilterForm(query, services=services, colleagues=colleagues)
    reports = (
        Report.objects.filter(authority=authority)
        .open()
        .with_due()
        .select_related("service", "thread", "assignee__profile")
    )
    now = timezone.now()
    if form.is_valid():
        reports = form.filter_queue(reports, user=request.user, now=now)
    else:
        reports = reports.order_by("requested_at", "id")
    page = Paginator(reports, QUEUE_PER_PAGE).get_page(query.get("page"))
    rows = list(page.object_list)
    for report in rows:
        report.overdue_now = report.is_overdue(now)
        report.assignee_name = person_name(report.assignee) if report.assignee_id else ""
    ticked = set()
    if bulk_form is not None and bulk_form.is_bound:
        ticked = {int(v) for v in bulk_form.data.getlist("reports") if v.isdigit()}
    responses = list(CannedResponse.objects.filter(authority=authority))
    filters = {k: v for k, v in query.items() if k not in ("page", "authority") and v}
    return {
        "authority": authority,
        "authorities": authorities,
        "form": form,
        "page": page,
        "rows": rows,
        "bulk_form": bulk_form or BulkActionForm(colleagues=colleagues, responses=responses),
        "canned_responses": responses,
        "ticked": ticked,
        "filter_query": urlencode(filters),
        "page_query": urlencode({**filters, "page": page.number}),
    }


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """A staff member's queue: their authority's open reports, filtered and sorted."""
    authority, authorities = _get_authority_for_staff(request, request.GET.get("authority"))
    context = _queue_context(request, authority, authorities, request.GET)
    return render(request, "triage/queue.html", context)


def _queue_url(authority: Authority, authorities: list, query: str) -> str:
    params = QueryDict(query, mutable=True)
    if len(authorities) > 1:
        params["authority"] = authority.slug
    url = reverse("triage:queue")
    return f"{url}?{params.urlencode()}" if params else url


@login_required
@require_POST
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Apply one action to the ticked reports, each through its own action call."""
    authority, authorities = _get_authority_for_staff(request, request.POST.get("authority"))
    colleagues = list(authority.active_staff().select_related("profile"))
    responses = list(CannedResponse.objects.filter(authority=authority))
    form = BulkActionForm(request.POST, colleagues=colleagues, responses=responses)
    back = request.POST.get("filters", "")
    if not form.is_valid():
        messages.error(request, _("Nothing was changed: please correct what is marked below."))
        query = QueryDict(back)
        context = _queue_context(request, authority, authorities, query, bulk_form=form)
        return render(request, "triage/queue.html", context, status=400)
    done, refused = _apply_bulk(request.user, form)
    if done:
        messages.success(
            request,
            ngettext(
                "Done for %(count)d report: %(numbers)s.",
                "Done for %(count)d reports: %(numbers)s.",
                len(done),
            )
            % {"count": len(done), "numbers": ", ".join(f"#{pk}" for pk in done)},
        )
    for pk, why in refused:
        messages.warning(
            request, _("Report #%(number)d was not changed: %(why)s") % {"number": pk, "why": why}
        )
    return redirect(_queue_url(authority, authorities, back))


def _apply_bulk(user, form: BulkActionForm) -> tuple[list[int], list[tuple[int, str]]]:
    data = form.cleaned_data
    wanted = data["reports"]
    found = {
        report.pk: report
        for report in Report.objects.filter(pk__in=wanted).select_related("authority", "service")
    }
    done: list[int] = []
    refused: list[tuple[int, str]] = []
    for pk in wanted:
        report = found.get(pk)
        access = report_access(user, report) if report is not None else None
        if report is None or not access.view:
            refused.append((pk, _("there is no such report.")))
            continue
        if not access.answer:
            refused.append((pk, _("it belongs to another authority.")))
            continue
        try:
            # One transaction per report: one refusal does not undo the others.
            with transaction.atomic():
                _apply_one(report, user, form)
        except actions.NotAllowed as refusal:
            refused.append((pk, str(refusal.message)))
            continue
        done.append(pk)
    return done, refused


def _apply_one(report: Report, user, form: BulkActionForm) -> None:
    data = form.cleaned_data
    if data["action"] == "assign":
        actions.assign_report(report, to=form.assignee_user, by=user)
    elif data["action"] == "state":
        state = data["state"] or report.state
        if state == report.state and not data["note"]:
            # Nothing to say: no empty entry on its timeline.
            raise actions.NotAllowed(_("it has that status already."))
        actions.change_state(report, state, by=user, note=data["note"])
    else:
        if report.state == Report.State.DUPLICATE and report.duplicate_of_id == form.original.pk:
            raise actions.NotAllowed(_("it is already a duplicate of that report."))
        actions.mark_duplicate(report, form.original, by=user, note=data["note"])


@login_required
@require_POST
def staff_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the report to a colleague (or to nobody) from its page's staff panel."""
    report, _access = report_for_user(
        request.user,
        pk,
        queryset=Report.objects.select_related("service", "authority"),
        need="answer",
    )
    colleagues = list(report.authority.active_staff()) if report.authority_id else []
    form = AssignForm(request.POST, report=report, colleagues=colleagues)
    if form.is_valid():
        try:
            actions.assign_report(report, to=form.cleaned_data["assignee"], by=request.user)
        except actions.NotAllowed as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The assignment is saved."))
    else:
        messages.error(request, _("Choose a colleague from the list."))
    return redirect(f"{report.get_absolute_url()}#staff-panel")
