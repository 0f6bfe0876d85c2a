"""People: suspending and reinstating an account, with the moderation log."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from reports import actions as report_actions
from reports.admin.report import _action_reason, _required_reason

User = get_user_model()


class SuspendActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason (kept in the moderation log):"), required=False, max_length=1000
    )


admin.site.unregister(User)


@admin.register(User)
class CivicUserAdmin(UserAdmin):
    action_form = SuspendActionForm
    actions = ["suspend", "reinstate"]

    @admin.action(description=_("Suspend: refuse sign-in and hide what they published"))
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> None:
        reason = _required_reason(self, request)
        if not reason:
            return
        count = 0
        for user in queryset.filter(is_active=True):
            try:
                report_actions.suspend_user(user, by=request.user, reason=reason)
                count += 1
            except report_actions.NotAllowed as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
        self.message_user(
            request,
            ngettext("%d account suspended.", "%d accounts suspended.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Reinstate: allow sign-in and show again what was hidden"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = 0
        for user in queryset.filter(is_active=False):
            report_actions.reinstate_user(user, by=request.user, reason=_action_reason(request))
            count += 1
        self.message_user(
            request,
            ngettext("%d account reinstated.", "%d accounts reinstated.", count) % count,
            messages.SUCCESS,
        )
