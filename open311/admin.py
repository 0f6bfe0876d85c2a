"""API keys in the admin: the raw key is shown once, on the page after "Save"."""

from __future__ import annotations

import secrets

from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from open311.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "contact_email",
        "is_active",
        "can_post",
        "authority",
        "can_post_updates",
        "report_count",
        "created_at",
        "last_used_at",
    ]
    list_filter = ["is_active", "can_post", "can_post_updates"]
    list_select_related = ["authority"]
    search_fields = ["name", "contact_email", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = [
        "name",
        "contact_email",
        "can_post",
        "authority",
        "can_post_updates",
        "is_active",
        *readonly_fields,
    ]
    actions = ["revoke", "reactivate"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(report_total=Count("reports"))

    @admin.display(description=_("reports"), ordering="report_total")
    def report_count(self, key: ApiKey) -> int:
        return key.report_total

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        if not change:
            # Same scheme as ApiKey.create_key: only the hash is stored.
            raw = secrets.token_urlsafe(24)
            obj.prefix, obj.key_hash = raw[:8], ApiKey.hash(raw)
            request._open311_raw_key = raw
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue=None):
        raw = getattr(request, "_open311_raw_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        # Rendered straight into this response: the key is never stored, not even
        # in the messages framework's cookie.
        return TemplateResponse(
            request,
            "open311/admin/key_created.html",
            {
                **self.admin_site.each_context(request),
                "title": _("API key created"),
                "key": obj,
                "raw_key": raw,
                "opts": self.model._meta,
            },
        )

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset) -> HttpResponse | None:
        count = queryset.update(is_active=False)
        self.message_user(
            request,
            ngettext("Revoked %d key.", "Revoked %d keys.", count) % count,
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Reactivate the selected keys"))
    def reactivate(self, request: HttpRequest, queryset) -> HttpResponse | None:
        count = queryset.update(is_active=True)
        self.message_user(
            request,
            ngettext("Reactivated %d key.", "Reactivated %d keys.", count) % count,
            messages.SUCCESS,
        )
        return None
