"""Reports in the admin: every change goes through `reports.actions`."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.admin import PrivateOriginalInline
from discussions.models import ModerationEntry
from reports import actions as report_actions
from reports.actions.changes import DETAIL_FIELDS
from reports.admin.scoped import AuthorityScopedAdmin, ReadOnlyInline
from reports.forms.admin import ReportAdminForm
from reports.models import (
    Photo,
    Report,
    ReportUpdate,
)


class PhotoInline(ReadOnlyInline):
    model = Photo
    fields = ("preview", "width", "height", "order", "created_at")
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def preview(self, obj: Photo) -> str:
        return format_html(
            '<a href="{}"><img src="{}" alt="" height="80"></a>',
            obj.image.url,
            obj.thumbnail.url,
        )


class ReportUpdateInline(ReadOnlyInline):
    model = ReportUpdate
    fields = ("created_at", "state", "note", "is_official", "author")
    readonly_fields = fields
    verbose_name_plural = _("public timeline")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("author")


class ReportActionForm(ActionForm):
    """The changelist's action bar, with the note or reason the actions need."""

    reason = forms.CharField(
        label=_("Note (public, for a status) or reason (for hiding):"),
        required=False,
        max_length=2000,
    )


def _action_reason(request: HttpRequest) -> str:
    return request.POST.get("reason", "").strip()


def _required_reason(modeladmin: admin.ModelAdmin, request: HttpRequest) -> str:
    """The action's reason, or "" after telling the staff member that one is needed."""
    reason = _action_reason(request)
    if not reason:
        modeladmin.message_user(
            request,
            _("Say why in the box beside the action: the reason is kept in the log."),
            messages.ERROR,
        )
    return reason


def _state_action(state: str, label):
    def action(modeladmin: ReportAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        changed = 0
        note = _action_reason(request)
        for report in queryset.exclude(state=state):
            report_actions.change_state(report, state, by=request.user, note=note)
            changed += 1
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d report is now “%(state)s”.",
                "%(count)d reports are now “%(state)s”.",
                changed,
            )
            % {"count": changed, "state": Report.State(state).label},
            messages.SUCCESS,
        )

    action.__name__ = f"mark_{state}"
    return admin.action(description=label, permissions=["change"])(action)


# Fields the form saves directly; every other editable field belongs to an action.


@admin.register(Report)
class ReportAdmin(AuthorityScopedAdmin):
    form = ReportAdminForm
    list_display = (
        "id",
        "title",
        "service",
        "state",
        "authority",
        "source",
        "requested_at",
        "is_hidden",
    )
    list_display_links = ("id", "title")
    list_filter = ("state", "service", "authority", "source", "is_hidden")
    list_select_related = ("service", "authority")
    search_fields = ("title", "description", "address")
    date_hierarchy = "requested_at"
    autocomplete_fields = ("service", "authority")
    readonly_fields = (
        "reporter",
        "moderation_log",
        "state",
        "public_page",
        "requested_at",
        "updated_at",
        "acknowledged_at",
        "closed_at",
        "source",
        "api_key",
        "token",
        "thread",
        "device_id",
        "account_id",
        "target_at",
        "assignee",
    )
    fieldsets = (
        (
            _("Change the status or answer publicly"),
            {
                "fields": ("state", "new_state", "public_note", "moderation_reason"),
                "description": _(
                    "The new status and the note appear on the report's public timeline."
                ),
            },
        ),
        (
            None,
            {
                "fields": (
                    "public_page",
                    "title",
                    "service",
                    "description",
                    "address",
                    ("lat", "lon"),
                    "attributes",
                    "authority",
                    ("expected_at", "target_at"),
                    "assignee",
                    "duplicate_of",
                    "is_hidden",
                )
            },
        ),
        (
            _("Reporter (private: never shown publicly)"),
            {
                "fields": (
                    "reporter",
                    "contact_name",
                    "contact_email",
                    "contact_phone",
                    "show_name",
                )
            },
        ),
        (
            _("Record"),
            {
                "classes": ("collapse",),
                "fields": (
                    "requested_at",
                    "updated_at",
                    "acknowledged_at",
                    "closed_at",
                    "source",
                    "api_key",
                    "device_id",
                    "account_id",
                    "media_url",
                    "token",
                    "thread",
                ),
            },
        ),
        (_("Moderation log"), {"fields": ("moderation_log",)}),
    )
    # Delivery adds its own (delivery/admin.py): the report's way to each authority.
    inlines = [PhotoInline, ReportUpdateInline, PrivateOriginalInline]
    actions = [
        _state_action(Report.State.ACKNOWLEDGED, _("Mark as acknowledged")),
        _state_action(Report.State.IN_PROGRESS, _("Mark as in progress")),
        _state_action(Report.State.FIXED, _("Mark as fixed")),
        _state_action(Report.State.CLOSED, _("Mark as closed")),
        "hide",
        "unhide",
    ]
    action_form = ReportActionForm

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        # The form limits what it accepts to what this user may see.
        return type(form.__name__, (form,), {"user": request.user})

    def get_autocomplete_fields(self, request: HttpRequest) -> tuple[str, ...]:
        # Autocomplete asks the related admin, which authority staff may not use.
        return self.autocomplete_fields if request.user.is_superuser else ()

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip().lstrip("#")
        if term.isdigit():
            queryset |= self.get_queryset(request).filter(pk=int(term))
        return queryset, may_have_duplicates

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Reports are made by the one submit function (web form, Open311, seeder),
        # never here: a report made in the admin would have no thread or delivery.
        return False

    @admin.display(description=_("moderation log"))
    def moderation_log(self, obj: Report) -> str:
        """Every staff action on the report and its discussion, newest first (read-only)."""
        if not obj.pk or not obj.thread_id:
            return "—"
        entries = list(ModerationEntry.objects.for_thread(obj.thread_id)[:200])
        if not entries:
            return _("Nothing yet.")
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            _("when"),
            _("by"),
            _("what"),
            _("why"),
            _("original values"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{} ({} {})</td><td>{}</td><td><code>{}</code></td>"
                "</tr>",
                (
                    (
                        entry.created_at.strftime("%Y-%m-%d %H:%M"),
                        entry.actor.email if entry.actor else _("the system"),
                        entry.get_action_display(),
                        entry.get_target_type_display(),
                        entry.target_id,
                        entry.reason or "—",
                        json.dumps(entry.original, ensure_ascii=False),
                    )
                    for entry in entries
                ),
            ),
        )

    @admin.display(description=_("public page"))
    def public_page(self, obj: Report) -> str:
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("View on the site"))

    def save_model(self, request: HttpRequest, obj: Report, form, change: bool) -> None:
        """Save the plain fields; hand every owned field to its action, in one transaction
        (see `reports.actions`), so the thread, the log and the followers keep up."""
        data, changed, user = form.cleaned_data, set(form.changed_data), request.user
        reason = data.get("moderation_reason", "").strip()
        note = data.get("public_note", "").strip()
        with transaction.atomic():
            details = {field: data[field] for field in DETAIL_FIELDS if field in changed}
            if details:
                report_actions.edit_details(obj, by=user, changes=details, reason=reason)
            if changed & {"title", "description"}:
                report_actions.edit_report(
                    obj,
                    by=user,
                    title=data["title"] if "title" in changed else None,
                    description=data["description"] if "description" in changed else None,
                    reason=reason,
                )
            if changed & {"service", "authority"}:
                report_actions.reassign_report(
                    obj,
                    by=user,
                    service=data["service"],
                    authority=data["authority"],
                    reason=reason,
                )
            if "is_hidden" in changed:
                if data["is_hidden"]:
                    report_actions.hide_report(obj, by=user, reason=reason)
                else:
                    report_actions.unhide_report(obj, by=user, reason=reason)
            state = Report.objects.values_list("state", flat=True).get(pk=obj.pk)
            new_state = data.get("new_state") or state
            expected_at = data["expected_at"] if "expected_at" in changed else report_actions.KEEP
            original = data.get("duplicate_of")
            if new_state == Report.State.DUPLICATE and (
                state != Report.State.DUPLICATE or "duplicate_of" in changed
            ):
                report_actions.mark_duplicate(
                    obj, original, by=user, note=note, expected_at=expected_at
                )
            elif new_state != state or note or expected_at is not report_actions.KEEP:
                report_actions.change_state(
                    obj, new_state, by=user, note=note, expected_at=expected_at
                )

    @admin.action(description=_("Hide from the public"), permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = _required_reason(self, request)
        if not reason:
            return
        count = 0
        for report in queryset.filter(is_hidden=False):
            report_actions.hide_report(report, by=request.user, reason=reason)
            count += 1
        self.message_user(
            request,
            ngettext("%d report hidden.", "%d reports hidden.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Show to the public again"), permissions=["change"])
    def unhide(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for report in queryset.filter(is_hidden=True):
            report_actions.unhide_report(report, by=request.user, reason=_action_reason(request))
            count += 1
        self.message_user(
            request,
            ngettext("%d report shown again.", "%d reports shown again.", count) % count,
            messages.SUCCESS,
        )


# ---------------------------------------------------------------------------
# Deliveries
