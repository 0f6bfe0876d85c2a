from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic import privacy
from civic.models import OutboundEmail, PrivateOriginal, RetriedWork, Task

# What the worker records on every row it retries.
RETRIED_FIELDS = ("state", "attempts", "next_attempt_at", "claimed_at", "last_error")


class RetriedWorkAdmin(admin.ModelAdmin):
    """Rows the worker sends or runs: read-only, with their last error and a retry."""

    actions = ["retry_now"]
    list_filter = ("state",)
    date_hierarchy = "created_at"

    @admin.display(description=_("last error"))
    def short_error(self, obj: RetriedWork) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request, queryset) -> None:
        model = queryset.model
        count = queryset.exclude(state=model.State.SENT).update(
            state=model.State.PENDING, next_attempt_at=timezone.now()
        )
        self.message_user(request, self.retried_message(count), messages.SUCCESS)

    def retried_message(self, count: int) -> str:
        raise NotImplementedError

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OutboundEmail)
class OutboundEmailAdmin(RetriedWorkAdmin):
    list_display = (
        "subject",
        "to",
        "state",
        "attempts",
        "next_attempt_at",
        "short_error",
        "created_at",
    )
    search_fields = ("to", "subject")
    readonly_fields = (
        "to",
        "subject",
        "body_text",
        "body_html",
        "headers",
        *RETRIED_FIELDS,
        "created_at",
        "sent_at",
    )

    def retried_message(self, count: int) -> str:
        return ngettext("%d email will be sent again.", "%d emails will be sent again.", count) % (
            count
        )


@admin.register(Task)
class TaskAdmin(RetriedWorkAdmin):
    """What requests handed to the worker: pending, running, done or failing (and why)."""

    list_display = ("name", "state", "attempts", "next_attempt_at", "short_error", "created_at")
    list_filter = ("state", "name")
    readonly_fields = ("name", "payload", *RETRIED_FIELDS, "created_at", "sent_at")

    def retried_message(self, count: int) -> str:
        return ngettext("%d task will run again.", "%d tasks will run again.", count) % count


class ReadOnlyInlineMixin:
    """An inline of what an object owns that staff may see but not edit there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return True


class PrivateOriginalInline(ReadOnlyInlineMixin, GenericTabularInline):
    """What the author typed before personal data was hidden, on the object's own page
    (which staff see only within their authority)."""

    model = PrivateOriginal
    fields = ("field", "hidden", "original", "updated_at")
    readonly_fields = fields
    verbose_name = _("text as typed, before personal data was hidden")
    verbose_name_plural = _("texts as typed, before personal data was hidden (staff only)")

    @admin.display(description=_("hidden"))
    def hidden(self, obj: PrivateOriginal) -> str:
        return privacy.kind_labels(obj.kinds)


@admin.register(PrivateOriginal)
class PrivateOriginalAdmin(admin.ModelAdmin):
    """Every kept original, searchable. All authorities' texts are here, so only
    administrators see this list; staff see an object's originals on its own page."""

    list_display = ("target_link", "field", "hidden", "excerpt", "updated_at")
    list_filter = ("content_type", "field")
    list_select_related = ("content_type",)
    search_fields = ("original",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "content_type",
        "object_id",
        "target_link",
        "field",
        "kinds",
        "original",
        "created_at",
        "updated_at",
    )

    @admin.display(description=_("object"))
    def target_link(self, obj: PrivateOriginal) -> str:
        model = obj.content_type
        try:
            url = reverse(f"admin:{model.app_label}_{model.model}_change", args=[obj.object_id])
        except NoReverseMatch:
            return f"{model.name} {obj.object_id}"
        return format_html('<a href="{}">{} {}</a>', url, model.name, obj.object_id)

    @admin.display(description=_("hidden"))
    def hidden(self, obj: PrivateOriginal) -> str:
        return privacy.kind_labels(obj.kinds)

    @admin.display(description=_("original text"))
    def excerpt(self, obj: PrivateOriginal) -> str:
        flat = " ".join(obj.original.split())
        return flat if len(flat) <= 100 else flat[:99] + "…"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
