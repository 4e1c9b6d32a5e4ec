"""Structured data (JSON-LD) for help-center pages; every URL on the public address (PORTAL_BASE_URL)."""

from __future__ import annotations

from django.templatetags.static import static

from portal.seo import plain_text
from portal.site_url import absolute_url

SOCIAL_IMAGE = "img/social-card.png"  # 1200×630, also the pages' og:image
LOGO = "img/logo.png"  # 512×512


def social_image_url() -> str:
    return absolute_url(static(SOCIAL_IMAGE))


def organisation_data(name: str) -> dict:
    return {"@type": "Organization", "name": name, "logo": {"@type": "ImageObject", "url": absolute_url(static(LOGO)), "width": 512, "height": 512}}


def breadcrumb_list(request, crumbs: list) -> dict:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": index, "name": page.title, "item": absolute_url(page.get_url(request))}
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
        "mainEntityOfPage": absolute_url(article.get_url(request)),
        "url": absolute_url(article.get_url(request)),
        "image": [social_image_url()],
        "author": {"@type": "Organization", "name": organisation},
        "publisher": organisation_data(organisation),
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
                "acceptedAnswer": {"@type": "Answer", "text": plain_text(str(item["answer"]))},
            }
            for item in items
        ],
    }
