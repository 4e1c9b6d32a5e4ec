from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        from portal import audit, extensions
        from search import api as search_api

        from . import caching, insights, pages
        from .search_documents import QuestionDocuments

        # What community contributes to lower layers' pages and services (README: Layers and registries).
        extensions.register_cache_stamp("community", caching.community_generation)
        from .status import PostStatus

        # the staff actions' audit entries: "status: published → hidden" in the reader's language
        audit.register_change_format("community.", "status", _("Status"), lambda value: str(PostStatus(value).label))
        extensions.register_page_section("topic", extensions.PageSection(
            "community", lambda topic, request: pages.topic_questions(topic),
            template="community/includes/topic_section.html", stamps=("community",),
        ))
        # "Featured questions" (moderators' curation) above it: its rows come with the community section's query
        # (`pages.topic_questions` returns `featured_questions`), so it costs the topic page no query of its own.
        extensions.register_page_section("topic", extensions.PageSection(
            "community_featured", lambda topic, request: {}, template="community/includes/featured_questions.html",
            order=50, stamps=("community",),
        ))
        extensions.register_page_section("profile", extensions.PageSection(
            "community", lambda member, request: pages.member_activity(member, request.user),
            template="community/includes/profile_activity.html",
        ))
        extensions.register_member_annotations("community", pages.member_stats_annotations)
        search_api.register_document_provider("question", QuestionDocuments())

        from . import handlers

        handlers.register()
        insights.register()
