from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from reports.views.detail import register_panels
        from triage.report_page import panels

        # A report's page shows its staff the panels they may use.
        register_panels(panels)
