"""A comment's, a follow's and a support's thread are each the first column of a
composite index or unique constraint already: their own single-column indexes only
cost every write.

Dropped by name rather than by AlterField, which on SQLite would copy the whole table."""

import django.db.models.deletion
from django.db import migrations, models

DROPPED = {
    "discussions_comment_thread_id_974546d6": "discussions_comment",
    "discussions_follow_thread_id_479e6c62": "discussions_follow",
    "discussions_support_thread_id_63536e57": "discussions_support",
}


def _thread(related_name: str, **extra) -> models.ForeignKey:
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to="discussions.thread",
        **extra,
    )


class Migration(migrations.Migration):
    dependencies = [("discussions", "0005_moderation_assign")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("thread_id")',
                )
                for name, table in DROPPED.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="comment",
                    name="thread",
                    field=_thread("comments", verbose_name="thread"),
                ),
                migrations.AlterField(model_name="follow", name="thread", field=_thread("follows")),
                migrations.AlterField(
                    model_name="support", name="thread", field=_thread("supports")
                ),
            ],
        )
    ]
