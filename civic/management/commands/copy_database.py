"""Move the whole site to another database: SQLite to PostgreSQL when a city outgrows one machine.

    DATABASE_URL=sqlite:///data/civic.sqlite3 python manage.py copy_database postgres://…/civic

Migrates the target, copies every row with dumpdata/loaddata (natural keys for
content types and permissions, which the target's migrations create), resets the
target's sequences so new rows get fresh ids, and compares the row count of every
table. Stop the web and worker processes first so nothing changes meanwhile.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import dj_database_url
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections

TARGET = "target"
# Created by the target's own migrations; everything else refers to them by natural key.
CREATED_BY_MIGRATE = ["contenttypes", "auth.permission"]


def row_counts(alias: str) -> dict[str, int]:
    return {
        model._meta.label: model._base_manager.using(alias).count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


class Command(BaseCommand):
    help = "Copy every row of this database into another (empty) one and compare the counts."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "target_url", help="The target database, e.g. postgres://user:pw@host/db"
        )

    def handle(self, *args, target_url: str, **options) -> None:
        databases = {
            DEFAULT_DB_ALIAS: connections.settings[DEFAULT_DB_ALIAS],
            TARGET: dj_database_url.parse(target_url),
        }
        connections.settings[TARGET] = connections.configure_settings(databases)[TARGET]
        self.stdout.write("Migrating the target…")
        call_command("migrate", database=TARGET, interactive=False, verbosity=0)
        created = {label for label in row_counts(TARGET) if row_counts(TARGET)[label]}
        expected_created = {"contenttypes.ContentType", "auth.Permission"}
        if created - expected_created:
            raise CommandError(f"The target is not empty: {', '.join(sorted(created))}.")

        with tempfile.TemporaryDirectory() as tmp:
            dump = Path(tmp) / "data.json"
            self.stdout.write("Copying rows…")
            call_command(
                "dumpdata",
                natural_foreign=True,
                exclude=CREATED_BY_MIGRATE,
                output=str(dump),
                verbosity=0,
            )
            call_command("loaddata", str(dump), database=TARGET, verbosity=0)

        target = connections[TARGET]
        models = [m for m in apps.get_models(include_auto_created=True) if m._meta.managed]
        with target.cursor() as cursor:
            for sql in target.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)

        source_counts, target_counts = row_counts(DEFAULT_DB_ALIAS), row_counts(TARGET)
        different = {
            label: (n, target_counts.get(label))
            for label, n in source_counts.items()
            if target_counts.get(label) != n
        }
        for label, n in sorted(source_counts.items()):
            if n:
                self.stdout.write(f"  {label}: {n}")
        if different:
            raise CommandError(f"Counts differ (source, target): {different}")
        total = sum(source_counts.values())
        self.stdout.write(
            self.style.SUCCESS(f"Copied {total:,} rows; every table's count matches.")
        )
