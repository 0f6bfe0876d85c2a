"""manage.py import_places FILE: fill the gazetteer from GeoJSON or CSV."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from places import gazetteer as places
from places.models import Place


class Command(BaseCommand):
    help = (
        "Import streets, landmarks and postcodes into the gazetteer from a GeoJSON "
        "FeatureCollection (e.g. an OpenStreetMap extract) or a CSV with name, lat, lon "
        "and optional kind and ref columns. Places outside SERVICE_AREA are skipped; "
        "importing the same file again adds nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format", choices=["geojson", "csv"], help="Default: from the file's extension."
        )
        parser.add_argument("--replace", action="store_true", help="Delete every place first.")

    def handle(
        self, *args, file: Path, format: str | None = None, replace: bool = False, **options
    ):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        fmt = format or ("csv" if file.suffix.lower() == ".csv" else "geojson")
        before = Place.objects.count()
        with file.open(encoding="utf-8-sig", newline="") as stream:
            reader = places.read_csv if fmt == "csv" else places.read_geojson
            try:
                with transaction.atomic():
                    if replace:
                        Place.objects.all().delete()
                        before = 0
                    rows = tqdm(
                        reader(stream),
                        desc="Places",
                        unit="place",
                        file=self.stderr._out,
                        disable=options.get("verbosity", 1) == 0,
                    )
                    read = places.save_places(rows)
            except places.PlaceFileError as exc:
                raise CommandError(f"{file}: {exc}") from exc
        added = Place.objects.count() - before
        self.stdout.write(self.style.SUCCESS(f"Read {read} places from {file.name}; {added} new."))
