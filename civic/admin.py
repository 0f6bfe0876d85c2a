from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.models import OutboundEmail


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = (
        "subject",
        "to",
        "state",
        "attempts",
        "next_attempt_at",
        "short_error",
        "created_at",
    )
    list_filter = ("state",)
    search_fields = ("to", "subject")
    date_hierarchy = "created_at"
    readonly_fields = (
        "to",
        "subject",
        "body_text",
        "body_html",
        "headers",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    actions = ["retry_now"]

    @admin.display(description=_("last error"))
    def short_error(self, obj: OutboundEmail) -> str:
        return obj.last_error[:80]

    @admin.action(description=_("Retry now"))
    def retry_now(self, request, queryset) -> None:
        count = queryset.exclude(state=OutboundEmail.State.SENT).update(
            state=OutboundEmail.State.PENDING, next_attempt_at=timezone.now()
        )
        self.message_user(
            request,
            ngettext("%d email will be sent again.", "%d emails will be sent again.", count)
            % count,
            messages.SUCCESS,
        )

    def has_add_permission(self, request) -> bool:
        return False
