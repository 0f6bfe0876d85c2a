from django.db import migrations
from django.db.models import Exists, OuterRef


def mark_anonymous_threads(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Thread = apps.get_model("discussions", "Thread")
    anonymous = Report.objects.filter(thread=OuterRef("pk"), show_name=False)
    Thread.objects.filter(Exists(anonymous)).update(author_is_anonymous=True)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_thread_owner_from_report"),
        ("discussions", "0004_thread_author_is_anonymous"),
    ]

    operations = [migrations.RunPython(mark_anonymous_threads, migrations.RunPython.noop)]
