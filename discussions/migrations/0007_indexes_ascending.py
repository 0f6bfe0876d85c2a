"""A thread's lists' indexes, ascending: read backwards for newest first, and a new or
active thread's entry goes to their right end, where SQLite appends, not to their left
end, where it rebalances pages every other write."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("discussions", "0006_drop_indexes_kept_by_composites")]

    # Each new index is built before its descending twin is dropped: no query is left
    # without one meanwhile.
    operations = [
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(
                fields=["kind", "last_activity_at"], name="discussions_kind_819fcf_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(fields=["last_activity_at"], name="discussions_last_ac_bd6b6c_idx"),
        ),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(fields=["created_at"], name="discussions_created_a583de_idx"),
        ),
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(fields=["support_count"], name="discussions_support_104034_idx"),
        ),
        migrations.RemoveIndex(model_name="thread", name="discussions_kind_ee1cf2_idx"),
        migrations.RemoveIndex(model_name="thread", name="discussions_last_ac_4cf865_idx"),
        migrations.RemoveIndex(model_name="thread", name="discussions_created_74fb6b_idx"),
        migrations.RemoveIndex(model_name="thread", name="discussions_support_cc33b5_idx"),
    ]
