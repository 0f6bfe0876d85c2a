from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Delivery")

    def ready(self) -> None:
        from delivery import handlers

        # Reports publish their changes; delivery turns them into rows the worker sends.
        handlers.subscribe()
