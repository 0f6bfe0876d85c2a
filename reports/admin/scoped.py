"""What every authority-scoped admin shares: staff see their own authority's rows."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from civic.admin import ReadOnlyInlineMixin


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


class ReadOnlyInline(ReadOnlyInlineMixin, admin.TabularInline):
    """What the report owns and staff may see but not edit here."""
