from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from discussions.models import Thread, register_owner_page

        # A report's thread is shown on the report's page.
        register_owner_page(Thread.Kind.REPORT, "reports:detail")
