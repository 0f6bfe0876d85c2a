from django.db import migrations
from django.db.models import OuterRef, Subquery


def link_threads_to_reports(apps, schema_editor):
    Thread = apps.get_model("discussions", "Thread")
    Report = apps.get_model("reports", "Report")
    report_pk = Report.objects.filter(thread=OuterRef("pk")).values("pk")[:1]
    Thread.objects.filter(kind="report").update(owner_id=Subquery(report_pk))


class Migration(migrations.Migration):
    """A report's thread now derives its page address from the report it belongs to."""

    dependencies = [
        ("reports", "0004_delivery_never_gives_up"),
        ("discussions", "0003_thread_owner_moderation_log"),
    ]

    operations = [migrations.RunPython(link_threads_to_reports, migrations.RunPython.noop)]
