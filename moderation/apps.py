from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        # Each area registers its audit actions, event subscribers, screens and restriction providers.
        from . import registration
        from .cases import insights

        registration.register()
        insights.register()
