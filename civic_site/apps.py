from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CivicSiteConfig(AppConfig):
    name = "civic_site"
    verbose_name = _("Site")
