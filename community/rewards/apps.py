from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "community.rewards"
    label = "rewards"
    verbose_name = _("Rewards and reputation")

    def ready(self) -> None:
        from . import registration

        registration.register()
