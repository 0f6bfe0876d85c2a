"""A report's lists' indexes, ascending: read backwards for newest first, and a new
report's entry goes to their right end, where SQLite appends, not to their left end,
where it rebalances pages every other report."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0018_index_keys_where_set")]

    # Each new index is built before its descending twin is dropped: no query is left
    # without one meanwhile.
    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["requested_at", "id"], name="reports_rep_request_21551d_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["updated_at"], name="reports_rep_updated_b54274_idx"),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["state", "requested_at"], name="reports_rep_state_14b7cf_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                fields=["service", "requested_at"], name="reports_rep_service_941f83_idx"
            ),
        ),
        migrations.RemoveIndex(model_name="report", name="reports_rep_request_12ed19_idx"),
        migrations.RemoveIndex(model_name="report", name="reports_rep_updated_e1c3a8_idx"),
        migrations.RemoveIndex(model_name="report", name="reports_rep_state_4dac7d_idx"),
        migrations.RemoveIndex(model_name="report", name="reports_rep_service_106a12_idx"),
    ]
