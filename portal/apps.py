from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from . import audit, timezones  # noqa: F401 - timezones registers its system check

        audit.install_guard()

        from .insights import pageviews

        pageviews.register()
