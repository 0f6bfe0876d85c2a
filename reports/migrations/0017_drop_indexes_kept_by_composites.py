"""A report's category and a timeline entry's report are each the first column of a
composite index already: their own single-column indexes only cost every write.

Dropped by name rather than by AlterField, which on SQLite would copy the whole table."""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = {
    "reports_report_service_id_00177b27": ("reports_report", "service_id"),
    "reports_reportupdate_report_id_b7d522c5": ("reports_reportupdate", "report_id"),
}


class Migration(migrations.Migration):
    dependencies = [("reports", "0016_federation")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for name, (table, column) in DROPPED.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="report",
                    name="service",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reports",
                        to="reports.service",
                        verbose_name="category",
                    ),
                ),
                migrations.AlterField(
                    model_name="reportupdate",
                    name="report",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="updates",
                        to="reports.report",
                        verbose_name="report",
                    ),
                ),
            ],
        )
    ]
