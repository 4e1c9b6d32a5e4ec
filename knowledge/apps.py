from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from portal import extensions
        from search import api as search_api

        from . import insights, services, signal_handlers  # noqa: F401 - signal_handlers connects its receivers
        from .search_documents import ArticleDocuments

        # The home page's topics and popular articles, the topic and article pages' own data (the models
        # cannot import the services that import them), article views counted by the page cache.
        for kind, context in (
            ("home", lambda home, request: services.home_page_context(home)),
            ("topic", lambda topic, request: services.topic_page_context(topic)),
            ("article", services.article_page_context),
        ):
            extensions.register_page_section(kind, extensions.PageSection("knowledge", context, order=10))
        extensions.register_view_counter("article", services.count_article_view)
        search_api.register_document_provider("article", ArticleDocuments())
        search_api.register_topic_labels(services.topic_titles)
        insights.register()
