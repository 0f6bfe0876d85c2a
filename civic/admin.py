from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.models import OutboundEmail, RetriedWork, Task

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
