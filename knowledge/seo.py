"""Structured data (JSON-LD) for article pages."""

from __future__ import annotations

from django.utils.html import strip_tags


def breadcrumb_list(request, crumbs: list) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": index, "name": page.title, "item": request.build_absolute_uri(page.get_url(request))}
            for index, page in enumerate(crumbs, start=1)
        ],
    }


def article_json_ld(request, article, organisation: str, tags: list) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": article.title,
        "description": article.summary,
        "inLanguage": article.locale.language_code,
        "datePublished": article.first_published_at.isoformat() if article.first_published_at else None,
        "dateModified": article.last_published_at.isoformat() if article.last_published_at else None,
        "mainEntityOfPage": request.build_absolute_uri(article.get_url(request)),
        "author": {"@type": "Organization", "name": organisation},
        "publisher": {"@type": "Organization", "name": organisation},
        "keywords": ", ".join(tag.name for tag in tags),
    }


def faq_json_ld(items: list) -> dict | None:
    if not items:
        return None
    return {
        "@context": "https://schema.org",
        "@type": "FAQPage",
        "mainEntity": [
            {
                "@type": "Question",
                "name": item["question"],
                "acceptedAnswer": {"@type": "Answer", "text": strip_tags(str(item["answer"])).strip()},
            }
            for item in items
        ],
    }
