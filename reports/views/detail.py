"""The report page: built once per data version for those who see it alike."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civic import kept, privacy, signed_in, versions
from discussions.models import Comment
from discussions.queries import discussion_context, viewer_signature
from reports.access import ReportAccess, report_for_user
from reports.actions.own import edit_until, is_reporter, may_edit
from reports.forms.reopen import StillBrokenForm
from reports.models import Report, ReportUpdate
from reports.reopening import has_confirmed

# What other rooms add to the page of a report for whoever may act on it (triage's
# staff panels): each provider takes (request, report, access) and returns context.
_panels: list = []


def register_panels(provider) -> None:
    """Add `provider(request, report, access) -> dict` to every report page's context."""
    if provider not in _panels:
        _panels.append(provider)


def report_for_viewer(request: HttpRequest, pk: int) -> tuple[Report, ReportAccess]:
    """The report with everything its page shows, and what the viewer may do with it."""
    return report_for_user(
        request.user,
        pk,
        queryset=Report.objects.select_related(
            "service", "authority", "reporter__profile", "thread", "duplicate_of"
        ).prefetch_related(
            "photos",
            Prefetch("updates", queryset=ReportUpdate.objects.select_related("author")),
            "service__attributes",
        ),
    )


def render_detail(request: HttpRequest, report: Report, access: ReportAccess, **forms):
    """The report page, with the panels of whoever may act on it (see `register_panels`);
    `forms` stand in for a panel's blank form: the one just posted, with its errors."""
    context = {
        "report": report,
        "photos": list(report.photos.all()),
        "updates": list(report.updates.all()),
        "answers": report.answers(),
        "can_moderate": access.answer,
    }
    if access.answer:
        context["private_originals"] = _private_originals(report, context["updates"])
    for provider in _panels:
        context.update(provider(request, report, access))
    context.update(forms)
    if report.thread is not None:
        context.update(discussion_context(request, report.thread))
    context["still_broken"] = _still_broken_context(request, report)
    if is_reporter(report, request.user) and not report.is_hidden:
        context["own"] = {
            "edit_until": edit_until(report),
            "may_edit": may_edit(report, request.user),
        }
    return render(request, "reports/detail.html", context)


def _private_originals(report: Report, updates: list[ReportUpdate]) -> list[dict]:
    """What the report's author, commenters and staff typed before personal data was
    hidden, for those who answer the report (one query). Never on a page that is kept
    for residents: `report_detail` builds it for staff and moderators only."""
    comments = (
        Comment.objects.filter(thread_id=report.thread_id).values("pk") if report.thread_id else []
    )
    labels = {
        "title": _("Title"),
        "description": _("Description"),
    }
    found = []
    for kept_original in privacy.originals_of(
        (Report, [report.pk]),
        (ReportUpdate, [update.pk for update in updates]),
        (Comment, comments),
    ):
        model = kept_original.content_type.model
        if model == "comment":
            label = _("Comment %(number)d") % {"number": kept_original.object_id}
        elif model == "reportupdate":
            label = _("Timeline note")
        else:
            label = labels.get(kept_original.field, kept_original.field)
        found.append(
            {
                "label": label,
                "comment_id": kept_original.object_id if model == "comment" else None,
                "hidden": privacy.kind_labels(kept_original.kinds),
                "original": kept_original.original,
            }
        )
    return found


def _still_broken_context(request: HttpRequest, report: Report) -> dict | None:
    """The "Still broken" box of a fixed or closed report (one query for a signed-in viewer)."""
    if report.state not in (Report.State.FIXED, Report.State.CLOSED) or report.is_hidden:
        return None
    confirmed = has_confirmed(report, request.user)
    return {
        "confirmed": confirmed,
        "can_confirm": request.user.is_authenticated and not confirmed,
        "form": StillBrokenForm(),
    }


@require_GET
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report page. Built once per data version (civic/versions.py) for visitors
    without a session, and for signed-in residents with the same view of it (see
    `_resident_view`); staff, and whoever moderates here, get it built for them."""

    def build() -> HttpResponse:
        return render_detail(request, *report_for_viewer(request, pk))

    row = _report_row(request, pk)
    # Kept under its own thread's version: a comment elsewhere leaves it as it is.
    names = versions.thread_page(row[0]) if row and row[0] else None
    if names:
        # Who they are and the page's versions, in one query (civic/signed_in.py).
        signed_in.prefetch(request, names)
    user = request.user
    if user.is_staff or user.is_superuser:
        return build()  # they may answer or moderate: panels of their own
    if names is None:
        return kept.cached_page(request, build) if not user.is_authenticated else build()
    if not user.is_authenticated:
        return kept.cached_page(request, build, names=names)
    # Kept in this process while neither who they are nor the page's data changed:
    # whatever changes their part there bumps one of those versions (a comment, a
    # follow, a flag, a "me too", a sign-up, "still broken", their groups, name, email).
    (viewer,) = versions.memo(
        f"resident-view|{user.pk}|{pk}",
        signed_in.versions_for(request, (versions.USERS, *names)),
        lambda: (_resident_view(user, pk, row),),
    )
    if viewer is None:
        return build()
    return kept.cached_page(request, build, names=names, viewer=viewer)


def _report_row(request: HttpRequest, pk: int) -> tuple | None:
    """The report's thread, state and reporter (None if hidden or absent), which key its
    page. In plain SQL, as the page is served from the cache; for a signed-in viewer of
    a report seen before, kept in this process under the reports' version, read with
    who they are and the page's versions in one query."""
    thread_id = _threads_of.get(pk, 0, float("inf"))
    if thread_id is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return _read_row(pk)
    signed_in.prefetch(request, (*versions.thread_page(thread_id), versions.REPORTS))
    version = signed_in.versions_for(request, (versions.REPORTS,))
    (row,) = versions.memo(f"report-row|{pk}", version, lambda: (_read_row(pk),))
    return row


def _read_row(pk: int) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT thread_id, state, reporter_id FROM {Report._meta.db_table}"
            " WHERE id = %s AND NOT is_hidden",
            [pk],
        )
        row = cursor.fetchone()
    if row and row[0]:
        _threads_of.put(pk, 0, row[0])  # a report's thread never changes
    return row


# Report → its thread, in this process.
_threads_of = versions.Memo(budget=200_000)


def _resident_view(user, pk: int, row: tuple) -> tuple | None:
    """What the report page shows that depends on a signed-in resident (their state in the
    discussion, the calls and the "still broken" box), as a key, given the report's
    thread, state and reporter; None for whoever moderates its thread. Three queries or
    so, against a dozen and the rendering of the page."""
    thread_id, state, reporter_id = row
    discussion = viewer_signature(thread_id, user)
    if discussion is None:
        return None
    confirmed = state in (Report.State.FIXED, Report.State.CLOSED) and has_confirmed(
        Report.objects.only("id", "closed_at").get(pk=pk), user
    )
    # The reporter sees their own report differently (their name, their follow).
    return (discussion, confirmed, reporter_id == user.pk and user.pk)
