from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic import privacy
from civic.admin import PrivateOriginalInline
from volunteers.models import Opportunity, Signup


class SignupInline(admin.TabularInline):
    model = Signup
    extra = 0
    raw_id_fields = ["user"]
    fields = ["user", "state", "note", "show_name", "muted", "created_at", "queued_at"]
    readonly_fields = ["created_at", "queued_at"]


class StartFilter(admin.SimpleListFilter):
    title = _("date")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.filter(end_at__gt=timezone.now())
        if self.value() == "past":
            return queryset.filter(end_at__lte=timezone.now())
        return queryset


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["title", "start_at", "state", "capacity", "confirmed", "waiting", "organiser"]
    list_filter = ["state", StartFilter, "start_at"]
    date_hierarchy = "start_at"
    search_fields = ["title", "meeting_point"]
    list_select_related = ["organiser"]
    raw_id_fields = ["thread", "organiser"]
    readonly_fields = ["created_at", "updated_at", "reminded_at", "close_asked_at", "sequence"]
    inlines = [SignupInline, PrivateOriginalInline]

    def save_model(self, request, obj, form, change) -> None:
        # An administrator's edit is public text like the organiser's: masked, and kept.
        masked = {name: privacy.mask(getattr(obj, name)) for name in ("title", "description")}
        for name, result in masked.items():
            setattr(obj, name, result.text)
        super().save_model(request, obj, form, change)
        privacy.keep(obj, masked, new=not change)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_confirmed=Count("signups", filter=Q(signups__state__in=Signup.HOLDING_STATES)),
                n_waiting=Count("signups", filter=Q(signups__state=Signup.State.WAITLISTED)),
            )
        )

    @admin.display(description=_("confirmed"), ordering="n_confirmed")
    def confirmed(self, obj) -> int:
        return obj.n_confirmed

    @admin.display(description=_("waiting"), ordering="n_waiting")
    def waiting(self, obj) -> int:
        return obj.n_waiting


@admin.register(Signup)
class SignupAdmin(admin.ModelAdmin):
    list_display = ["user", "opportunity", "state", "created_at"]
    list_filter = ["state"]
    list_select_related = ["user", "opportunity"]
    raw_id_fields = ["user", "opportunity"]
    search_fields = ["user__email", "opportunity__title"]
