"""Deliveries and webhooks in the admin.

A report's deliveries show on its admin page; the deliveries list has "retry now" and
flags the stuck ones. Webhooks: an authority's staff set up their own receivers and read the
delivery log (state, tries, the receiver's status, the last error), with "retry now".

Staff of an authority (their group holds the webhook permissions, see
STAFF_PERMISSIONS) see and manage only their authority's webhooks; superusers see all.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from civic.admin import RETRIED_FIELDS, RetriedWorkAdmin
from delivery.models import Delivery, UpdatePush, UpstreamSync, Webhook, WebhookDelivery
from delivery.webhooks import inside_the_network
from reports.admin import AuthorityScopedAdmin, ReadOnlyInline, ReportAdmin
from reports.models import Authority


def _own_authorities(request: HttpRequest) -> QuerySet:
    authorities = Authority.objects.all()
    if request.user.is_superuser:
        return authorities
    return authorities.filter(staff_group__in=request.user.groups.all())


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=Webhook.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("What the receiver hears about, for this authority's reports."),
    )

    class Meta:
        model = Webhook
        fields = ["authority", "url", "events", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Use an http:// or https:// address."))
        reason = inside_the_network(url)
        if reason:
            raise forms.ValidationError(
                _("%(reason)s. Use the receiver's public address.") % {"reason": reason}
            )
        return url


@admin.register(Webhook)
class WebhookAdmin(AuthorityScopedAdmin):
    form = WebhookForm
    list_display = ("url", "authority", "is_active", "event_list", "pending", "failed", "log")
    list_filter = ("is_active", ("authority", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("authority",)
    search_fields = ("url",)
    readonly_fields = ("secret", "created_at", "signing_help")
    fields = ("authority", "url", "events", "is_active", "secret", "signing_help", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        State = WebhookDelivery.State
        return (
            super()
            .get_queryset(request)
            .annotate(
                pending_total=Count(
                    "deliveries", filter=Q(deliveries__state__in=[State.PENDING, State.SENDING])
                ),
                failed_total=Count("deliveries", filter=Q(deliveries__state=State.FAILED)),
            )
        )

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "authority":
            kwargs["queryset"] = _own_authorities(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("events"))
    def event_list(self, obj: Webhook) -> str:
        return ", ".join(obj.events or []) or "—"

    @admin.display(description=_("waiting"), ordering="pending_total")
    def pending(self, obj: Webhook) -> int:
        return obj.pending_total

    @admin.display(description=_("given up"), ordering="failed_total")
    def failed(self, obj: Webhook) -> int:
        return obj.failed_total

    @admin.display(description=_("delivery log"))
    def log(self, obj: Webhook) -> str:
        url = reverse("admin:delivery_webhookdelivery_changelist")
        return format_html('<a href="{}?webhook__id__exact={}">{}</a>', url, obj.pk, _("log"))

    @admin.display(description=_("checking the signature"))
    def signing_help(self, obj: Webhook) -> str:
        return format_html(
            '{} <a href="{}#webhooks">{}</a>',
            _(
                "Each POST carries X-Civic-Signature: t=(unix time),v1=(hex HMAC-SHA256 of "
                "“t.body” with this secret)."
            ),
            reverse("open311:index"),
            _("How to check it"),
        )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AuthorityScopedAdmin):
    authority_path = "webhook__authority"
    list_display = (
        "created_at",
        "event_name",
        "report_id",
        "state",
        "attempts",
        "http_status",
        "short_error",
        "next_attempt_at",
        "receiver",
    )
    list_filter = ("state", "event", ("webhook__authority", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("webhook__authority",)
    search_fields = ("delivery_id", "last_error")
    readonly_fields = (
        "webhook",
        "report_id",
        "event",
        "delivery_id",
        "state",
        "attempts",
        "response_status",
        "last_error",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "created_at",
        "pretty_payload",
    )
    exclude = ("payload", "report", "claim_token")
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("event"), ordering="event")
    def event_name(self, obj: WebhookDelivery) -> str:
        return obj.event

    @admin.display(description=_("HTTP"), ordering="response_status")
    def http_status(self, obj: WebhookDelivery) -> int | None:
        return obj.response_status

    @admin.display(description=_("receiver"))
    def receiver(self, obj: WebhookDelivery) -> str:
        return urlsplit(obj.webhook.url).netloc

    @admin.display(description=_("last error"))
    def short_error(self, obj: WebhookDelivery) -> str:
        return obj.last_error[:80]

    @admin.display(description=_("payload"))
    def pretty_payload(self, obj: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False))

    @admin.action(description=_("Retry now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        # Not a row being sent right now: that could send it twice.
        State = WebhookDelivery.State
        count = queryset.filter(state__in=[State.PENDING, State.FAILED]).update(
            state=State.PENDING,
            next_attempt_at=timezone.now(),
            claimed_at=None,
            claim_token="",
        )
        self.message_user(
            request,
            ngettext(
                "%d webhook delivery will be tried again now.",
                "%d webhook deliveries will be tried again now.",
                count,
            )
            % count,
            messages.SUCCESS,
        )


# ---------------------------------------------------------------------------
# Deliveries of reports to authorities


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


# ---------------------------------------------------------------------------
# Federation with the authorities' Open311 back ends (delivery/federation.py)


@admin.register(UpstreamSync)
class UpstreamSyncAdmin(AuthorityScopedAdmin):
    """How each federation run went: when it last worked, what it did, its last error."""

    list_display = (
        "authority",
        "kind",
        "failing",
        "last_success_at",
        "summary",
        "short_error",
        "next_attempt_at",
    )
    list_filter = ("kind", "authority")
    list_select_related = ("authority",)
    readonly_fields = (
        "authority",
        "kind",
        "summary",
        "last_run_at",
        "last_success_at",
        "attempts",
        "next_attempt_at",
        "last_error",
        "cursor_at",
        "cursor_id",
    )
    actions = ["run_now"]

    @admin.display(description=_("failing"), boolean=True)
    def failing(self, obj: UpstreamSync) -> bool:
        return obj.is_failing

    @admin.display(description=_("last error"))
    def short_error(self, obj: UpstreamSync) -> str:
        # One row per authority and kind: room for the whole reason, after the address.
        return obj.last_error[:300]

    @admin.action(description=_("Run at the next round"), permissions=["change"])
    def run_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(next_attempt_at=timezone.now())
        self.message_user(
            request,
            ngettext(
                "%d sync runs at the worker's next round.",
                "%d syncs run at the worker's next round.",
                count,
            )
            % count,
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(UpdatePush)
class UpdatePushAdmin(AuthorityScopedAdmin, RetriedWorkAdmin):
    list_display = (
        "comment",
        "report",
        "authority",
        "state",
        "attempts",
        "next_attempt_at",
        "short_error",
        "sent_at",
    )
    list_filter = ("state", "authority")
    list_select_related = ("comment", "report", "authority")
    readonly_fields = (
        "comment",
        "report",
        "authority",
        *RETRIED_FIELDS,
        "sent_at",
        "external_id",
        "created_at",
    )

    def retried_message(self, count: int) -> str:
        return (
            ngettext(
                "%d comment will be sent upstream again now.",
                "%d comments will be sent upstream again now.",
                count,
            )
            % count
        )


# ---------------------------------------------------------------------------
# Users: suspending and reinstating (here, not in civic: it hides reports too)


ReportAdmin.inlines = [*ReportAdmin.inlines, DeliveryInline]
