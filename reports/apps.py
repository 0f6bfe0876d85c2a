from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from discussions.models import Thread, register_owner_page

        # A report's thread is shown on the report's page.
        register_owner_page(Thread.Kind.REPORT, "reports:detail")

        from discussions.live import register_owner_fragments
        from reports.live import report_fragments

        # Its status and timeline move with the thread's version: the live poll sends them.
        register_owner_fragments(Thread.Kind.REPORT, report_fragments)
