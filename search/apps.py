from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.utils.translation import pgettext_lazy

        from portal import audit, extensions

        from . import insights
        from .health import search_status

        extensions.register_health_check("search", search_status)
        insights.register()
        audit.define_action("search.synonyms.create", pgettext_lazy("audit log", "Create synonym group"),
                            pgettext_lazy("audit log", "Synonym group created"))
        audit.define_action("search.synonyms.edit", pgettext_lazy("audit log", "Edit synonym group"),
                            pgettext_lazy("audit log", "Synonym group edited"))
        audit.define_action("search.synonyms.delete", pgettext_lazy("audit log", "Delete synonym group"),
                            pgettext_lazy("audit log", "Synonym group deleted"))
