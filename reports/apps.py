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

        from django.db.models.signals import post_delete, post_save

        from reports.models import Authority, Contact, Service, ServiceAttribute

        # Services, their questions, authorities and who takes which service are
        # configuration, edited in the admin (or a shell, or a fixture): whatever the path,
        # cached API answers, map data and routing that show or use them must not outlive
        # a change. Reports' own changes bump the version in reports/actions/ instead.
        for model in (Service, ServiceAttribute, Authority, Contact):
            for signal in (post_save, post_delete):
                signal.connect(_configuration_changed, sender=model, dispatch_uid=f"v-{model}")


def _configuration_changed(sender, **kwargs) -> None:
    from civic import versions

    versions.bump(versions.SERVICES)
    versions.bump(versions.REPORTS)  # requests show their service's and authority's names
