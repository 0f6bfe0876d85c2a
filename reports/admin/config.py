"""Services with their questions, and authorities with their routing table."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from reports.forms.admin import AuthorityAdminForm
from reports.models import (
    Authority,
    Contact,
    Service,
    ServiceAttribute,
)

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
    list_display = (
        "name",
        "code",
        "group",
        "type",
        "is_active",
        "target_working_days",
        "attribute_count",
        "order",
    )
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
        (
            _("Federation with its Open311 back end"),
            {
                "fields": ("sync_services", "import_requests", "push_updates"),
                "description": _(
                    "With the Open311 send method. The worker does each; Delivery → "
                    "upstream syncs shows how each went and its last error."
                ),
            },
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
