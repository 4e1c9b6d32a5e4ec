"""What search engines read about community pages: canonical URLs, descriptions, breadcrumbs."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from portal.site_url import absolute_url


def question_path_prefixes() -> dict[str, str]:
    """The question URL up to its id, per language ("" = the default language): "/community/q/", "/ja/community/q/"."""
    prefixes = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes[code] = reverse("question_detail", kwargs={"pk": 1, "slug": "q"})[: -len("1/q/")]
    prefixes[""] = prefixes[settings.LANGUAGE_CODE]
    return prefixes


def question_canonical_path(question) -> str:
    """A question's one canonical URL: in the question's own language, whatever the reader's interface language."""
    language = question.language if question.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        return question.get_absolute_url()


def question_breadcrumb_ld(question) -> dict:
    """schema.org BreadcrumbList matching the page's visible breadcrumb: Community › topic › question."""
    community = reverse("community_index")
    crumbs = [(gettext("Community"), community)]
    if question.topic_id and question.topic:
        crumbs.append((question.topic.title, f"{community}?{urlencode({'topic': question.topic.slug})}"))
    crumbs.append((question.title, question_canonical_path(question)))
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute_url(url)}
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }
