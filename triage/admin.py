"""Canned responses in the admin: each authority's staff keep their own."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from reports.admin import AuthorityScopedAdmin
from reports.models import Authority
from triage.models import CannedResponse


@admin.register(CannedResponse)
class CannedResponseAdmin(AuthorityScopedAdmin):
    """An authority's ready-made public notes; its staff see and write only theirs."""

    list_display = ("title", "authority", "state", "order")
    list_filter = ("authority", "state")
    list_editable = ("order",)
    list_select_related = ("authority",)
    search_fields = ("title", "text")
    fields = ("authority", "state", "title", "text", "order")

    def get_list_filter(self, request: HttpRequest):
        # Staff see their own authority's only: no filter listing every authority.
        return self.list_filter if request.user.is_superuser else ("state",)

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "authority" and not request.user.is_superuser:
            kwargs["queryset"] = Authority.objects.filter(staff_group__in=request.user.groups.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
