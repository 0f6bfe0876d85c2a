"""The embedded gazetteer: streets, landmarks and postcodes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceQuerySet(models.QuerySet):
    def in_bbox(self, west: float, south: float, east: float, north: float):
        return self.filter(lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east)


class Place(models.Model):
    """The embedded gazetteer: a named point (street, landmark, postcode) for address
    search and reverse lookup with no network. See places/gazetteer.py."""

    class Kind(models.TextChoices):
        STREET = "street", _("Street")
        LANDMARK = "landmark", _("Landmark")
        POSTCODE = "postcode", _("Postcode")

    name = models.CharField(_("name"), max_length=200)
    # Accents and case removed, abbreviations expanded (places.gazetteer.normalise).
    search_name = models.CharField(_("search name"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.STREET)
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    # The source's own id (an OpenStreetMap id, an address register's id): Open311 address_id.
    ref = models.CharField(_("reference"), max_length=120, blank=True, db_index=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        db_table = "reports_place"  # made in the reports app; kept
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["name"]
        indexes = [models.Index(fields=["lat", "lon"])]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "search_name", "lat", "lon"], name="one_place_per_point"
            )
        ]

    def __str__(self) -> str:
        return self.name
