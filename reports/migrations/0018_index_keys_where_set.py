"""Four keys most reports leave empty (reporter, duplicate of, assignee, API key),
indexed only where they are set: every lookup by one implies it is set, and a new
report no longer writes index entries for the empty ones.

The old indexes are dropped by name rather than by AlterField, which on SQLite would
copy the whole table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# name of the dropped index → (field, column, related model, related_name, verbose name)
DROPPED = {
    "reports_report_reporter_id_d54be306": (
        "reporter",
        "reporter_id",
        settings.AUTH_USER_MODEL,
        "reports",
        "reporter",
    ),
    "reports_report_duplicate_of_id_61348c9b": (
        "duplicate_of",
        "duplicate_of_id",
        "reports.report",
        "duplicates",
        "duplicate of",
    ),
    "reports_report_assignee_id_12cff25a": (
        "assignee",
        "assignee_id",
        settings.AUTH_USER_MODEL,
        "assigned_reports",
        "assigned to",
    ),
    "reports_report_api_key_id_5f5b7dac": (
        "api_key",
        "api_key_id",
        "open311.apikey",
        "reports",
        "API key",
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("open311", "0001_initial"),
        ("reports", "0017_drop_indexes_kept_by_composites"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "reports_report" ("{column}")',
                )
                for name, (_field, column, *_rest) in DROPPED.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="report",
                    name=field,
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name=related_name,
                        to=to,
                        verbose_name=verbose_name,
                    ),
                )
                for field, _column, to, related_name, verbose_name in DROPPED.values()
            ],
        ),
        *(
            migrations.AddIndex(
                model_name="report",
                index=models.Index(
                    condition=models.Q((f"{field}__isnull", False)),
                    fields=[field],
                    name=f"report_{field}_set",
                ),
            )
            for field, *_rest in DROPPED.values()
        ),
    ]
