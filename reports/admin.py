"""Admin for services, authorities, reports and deliveries.

Staff of an authority (members of its staff group, which carries the model
permissions they need) see and change only their own authority's reports and
deliveries; superusers see everything.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports.forms.admin import AuthorityAdminForm, ReportAdminForm
from reports.models import (
    Authority,
    Contact,
    Delivery,
    Photo,
    Report,
    ReportUpdate,
    Service,
    ServiceAttribute,
)


class AuthorityScopedAdmin(admin.ModelAdmin):
    """Rows of the user's own authorities only (by `authority_path`), unless superuser."""

    authority_path = "authority"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        groups = request.user.groups.filter(authority__isnull=False)
        return queryset.filter(**{f"{self.authority_path}__staff_group__in": groups})


# ---------------------------------------------------------------------------
# Services


class ServiceAttributeInline(admin.StackedInline):
    model = ServiceAttribute
    extra = 0
    fields = (
        ("code", "datatype", "order"),
        ("required", "variable"),
        "description",
        "datatype_description",
        "values",
    )


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "group", "type", "is_active", "attribute_count", "order")
    list_filter = ("is_active", "group", "type")
    list_editable = ("order",)
    search_fields = ("name", "code", "group", "keywords")
    prepopulated_fields = {"code": ("name",)}
    inlines = [ServiceAttributeInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(attribute_total=Count("attributes"))

    @admin.display(description=_("questions"), ordering="attribute_total")
    def attribute_count(self, obj: Service) -> int:
        return obj.attribute_total


# ---------------------------------------------------------------------------
# Authorities


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    autocomplete_fields = ("service",)
    fields = ("service", "email", "upstream_service_code")


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    form = AuthorityAdminForm
    list_display = (
        "name",
        "slug",
        "send_method",
        "is_active",
        "contact_count",
        "staff_count",
        "has_boundary",
    )
    list_filter = ("is_active", "send_method")
    search_fields = ("name", "slug", "email")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("staff_group",)
    readonly_fields = ("staff_members",)
    inlines = [ContactInline]
    fieldsets = (
        (None, {"fields": ("name", "slug", "is_active")}),
        (_("Public contact"), {"fields": ("email", "phone", "website")}),
        (_("Area"), {"fields": ("boundary",)}),
        (
            _("Sending reports"),
            {"fields": ("send_method", "endpoint", "api_key", "jurisdiction")},
        ),
        (_("Staff"), {"fields": ("staff_group", "staff_members")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                contact_total=Count("contacts", distinct=True),
                staff_total=Count("staff_group__user", distinct=True),
            )
        )

    @admin.display(description=_("contacts"), ordering="contact_total")
    def contact_count(self, obj: Authority) -> int:
        return obj.contact_total

    @admin.display(description=_("staff"), ordering="staff_total")
    def staff_count(self, obj: Authority) -> int:
        return obj.staff_total

    @admin.display(description=_("area"), boolean=True)
    def has_boundary(self, obj: Authority) -> bool:
        return bool(obj.boundary)

    @admin.display(description=_("staff members"))
    def staff_members(self, obj: Authority) -> str:
        if obj.staff_group_id is None:
            return "—"
        users = obj.staff_group.user_set.order_by("email").only(
            "email", "first_name", "last_name", "is_staff"
        )
        if not users:
            return _("Nobody yet. Add users to the group “%(group)s” and tick “staff status”.") % {
                "group": obj.staff_group.name
            }
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} &lt;{}&gt;{}</li>",
                (
                    (
                        user.get_full_name() or "—",
                        user.email,
                        "" if user.is_staff else _(" (no staff status: cannot sign in here)"),
                    )
                    for user in users
                ),
            ),
        )


# ---------------------------------------------------------------------------
# Reports


class ReadOnlyInline(admin.TabularInline):
    """What the report owns and staff may see but not edit here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return True


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


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = (
        "authority",
        "method",
        "state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("authority")


def _state_action(state: str, label):
    def action(modeladmin: ReportAdmin, request: HttpRequest, queryset: QuerySet) -> None:
        changed = 0
        for report in queryset.exclude(state=state).select_related("authority"):
            report.set_state(state, by=request.user)
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
    raw_id_fields = ("reporter", "duplicate_of")
    readonly_fields = (
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
    )
    fieldsets = (
        (
            _("Change the status or answer publicly"),
            {
                "fields": ("state", "new_state", "public_note"),
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
                    "expected_at",
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
    )
    inlines = [PhotoInline, ReportUpdateInline, DeliveryInline]
    actions = [
        _state_action(Report.State.ACKNOWLEDGED, _("Mark as acknowledged")),
        _state_action(Report.State.IN_PROGRESS, _("Mark as in progress")),
        _state_action(Report.State.FIXED, _("Mark as fixed")),
        _state_action(Report.State.CLOSED, _("Mark as closed")),
        "hide",
        "unhide",
    ]

    def get_autocomplete_fields(self, request: HttpRequest) -> tuple[str, ...]:
        # Autocomplete asks the related admin, which authority staff may not use.
        return self.autocomplete_fields if request.user.is_superuser else ()

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Handing a report to another authority is for administrators.
            readonly += ("authority",)
        return readonly

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

    @admin.display(description=_("public page"))
    def public_page(self, obj: Report) -> str:
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("View on the site"))

    def save_model(self, request: HttpRequest, obj: Report, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        new_state = form.cleaned_data.get("new_state") or obj.state
        note = form.cleaned_data.get("public_note", "").strip()
        if new_state != obj.state or note:
            obj.set_state(new_state, by=request.user, note=note)

    @admin.action(description=_("Hide from the public"), permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(is_hidden=True)
        self.message_user(
            request,
            ngettext("%d report hidden.", "%d reports hidden.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Show to the public again"), permissions=["change"])
    def unhide(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(is_hidden=False)
        self.message_user(
            request,
            ngettext("%d report shown again.", "%d reports shown again.", count) % count,
            messages.SUCCESS,
        )


# ---------------------------------------------------------------------------
# Deliveries


class StuckFilter(admin.SimpleListFilter):
    """Deliveries that keep failing (settings.DELIVERY_STUCK_AFTER tries or more)."""

    title = _("stuck")
    parameter_name = "stuck"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("yes", _("Stuck (still retried)")), ("no", _("Not stuck"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.stuck()
        if self.value() == "no":
            return queryset.not_stuck()
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(AuthorityScopedAdmin):
    list_display = (
        "report",
        "authority",
        "method",
        "state",
        "attempts",
        "stuck",
        "next_attempt_at",
        "short_error",
        "sent_at",
    )
    list_filter = (StuckFilter, "state", "method", "authority")
    list_select_related = ("report", "authority")
    search_fields = ("report__title", "external_id", "last_error")
    raw_id_fields = ("report",)
    readonly_fields = (
        "report",
        "authority",
        "method",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "sent_at",
        "external_id",
        "created_at",
        "stuck_notified_at",
    )
    actions = ["retry_now"]

    @admin.display(description=_("stuck"), boolean=True)
    def stuck(self, obj: Delivery) -> bool:
        return obj.is_stuck

    @admin.display(description=_("last error"))
    def short_error(self, obj: Delivery) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.exclude(state=Delivery.State.SENT).update(
            state=Delivery.State.PENDING, next_attempt_at=timezone.now(), claimed_at=None
        )
        self.message_user(
            request,
            ngettext(
                "%d delivery will be tried again now.",
                "%d deliveries will be tried again now.",
                count,
            )
            % count,
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# Admin autodiscovery imports each app's admin module only: the API keys' admin lives
# beside the API, so it is registered from here.
from reports.open311 import admin as open311_admin  # noqa: E402, F401
