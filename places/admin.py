"""The gazetteer in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from places.models import Place


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    """The gazetteer (filled by seed_demo and `manage.py import_places`): fix a name or a point."""

    list_display = ["name", "kind", "lat", "lon", "ref"]
    list_filter = ["kind"]
    search_fields = ["name", "search_name", "ref"]
    readonly_fields = ["search_name"]

    def save_model(self, request: HttpRequest, obj: Place, form, change: bool) -> None:
        from places.gazetteer import normalise

        obj.search_name = normalise(obj.name)[:200]
        super().save_model(request, obj, form, change)
