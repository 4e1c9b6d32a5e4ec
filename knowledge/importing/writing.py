"""Writing an imported file: its topic (found, translated or created), its page and revision, and the second pass
that links related and promoted articles once every slug exists."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Locale, Site

from ..models import ArticlePage, ArticleRelatedItem, TopicPage, TopicPromotedItem
from .files import ArticleFile, ArticleFileError


def topic_for(item: ArticleFile, locale: Locale, *, create: bool, publish: bool, user=None) -> TopicPage:
    """The topic of the file's article, in the file's language: found, translated from another language, or
    (with `create`) created."""
    slug = item.topic
    topic = TopicPage.objects.filter(slug=slug, locale=locale).first()
    if topic is None:
        source = TopicPage.objects.filter(slug=slug).first()
        if source is not None:
            topic = _translate_topic(item, source, locale, publish=publish, user=user)
        elif create:
            topic = _create_topic(item, locale, publish=publish, user=user)
        else:
            raise ArticleFileError(f"unknown topic '{slug}': create it in the admin first, or import with --create-topics")
    return topic


def _translate_topic(item: ArticleFile, source: TopicPage, locale: Locale, *, publish: bool, user=None) -> TopicPage:
    """The topic translated into the file's language, titled by the file's `topic_title:` when it has one (a topic
    already translated keeps its editors' title: it is never looked at here). Published with the article, a draft
    with a draft, like a topic the import creates."""
    topic = source.copy_for_translation(locale, copy_parents=True, alias=False)
    if item.topic_title:
        topic.title = topic.draft_title = item.topic_title
        topic.save(update_fields=["title", "draft_title"])
    else:
        item.notes.append(
            f"topic '{item.topic}' translated into {locale.language_code} with the title “{topic.title}” of the "
            f"{source.locale.language_code} topic: give the file a topic_title, or translate the title in the admin"
        )
    revision = topic.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return topic


def _create_topic(item: ArticleFile, locale: Locale, *, publish: bool, user=None) -> TopicPage:
    """A new topic under the home page of the file's language (the default site's home, or its translation)."""
    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    home = site.root_page.get_translation_or_none(locale) if site else None
    if home is None:
        raise ArticleFileError(f"cannot create topic '{item.topic}': the site has no home page in language '{locale.language_code}'")
    title = item.topic_title or item.topic.replace("-", " ").capitalize()
    topic = home.add_child(instance=TopicPage(title=title, slug=item.topic, locale=locale, live=False))
    revision = topic.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return topic


def write(item: ArticleFile, *, publish: bool, user=None, create_topics: bool = False) -> str:
    locale = Locale.objects.get(language_code=item.language)
    topic = topic_for(item, locale, create=create_topics, publish=publish, user=user)
    page = ArticlePage.objects.filter(slug=item.slug, locale=locale).first()
    translation_key = None
    if item.translation_of:
        original = ArticlePage.objects.filter(slug=item.translation_of).exclude(locale=locale).first()
        if original is None:
            raise ArticleFileError(f"translation_of '{item.translation_of}': no such article")
        translation_key = original.translation_key
    if page is not None:
        latest = page.get_latest_revision_as_object()
        if latest.import_digest == item.digest and (page.live or not publish):
            return "unchanged"
        page = latest
        action = "updated"
    else:
        page = ArticlePage(locale=locale, slug=item.slug)
        if translation_key:
            page.translation_key = translation_key
        action = "created"
    page.title = item.title
    page.summary = item.summary
    page.search_description = item.summary
    page.body = item.body
    page.import_digest = item.digest
    if item.last_reviewed:
        page.last_reviewed = item.last_reviewed
    page.tags.set(item.tags)
    if action == "created":
        page.live = False
        topic.add_child(instance=page)
    elif page.get_parent().pk != topic.pk:
        page.move(topic, pos="last-child")
        page.refresh_from_db()
        page = page.get_latest_revision_as_object()
    revision = page.save_revision(user=user, log_action=True)
    if publish:
        revision.publish(user=user)
    return action


def link_related(items: list[ArticleFile]) -> None:
    """Second pass: editor-picked related articles and promoted articles, once every slug exists."""
    for item in items:
        locale = Locale.objects.get(language_code=item.language)
        page = ArticlePage.objects.filter(slug=item.slug, locale=locale).first()
        if page is None:
            continue
        related = {p.slug: p for p in ArticlePage.objects.filter(slug__in=item.related, locale=locale)}
        wanted = [related[slug] for slug in item.related if slug in related]
        current = list(page.related_items.order_by("sort_order").values_list("related_id", flat=True))
        if current != [p.pk for p in wanted]:
            with transaction.atomic():
                ArticleRelatedItem.objects.filter(article=page).delete()
                ArticleRelatedItem.objects.bulk_create(
                    ArticleRelatedItem(article=page, related=r, sort_order=i) for i, r in enumerate(wanted)
                )
        topic = page.get_parent().specific
        if item.promoted and not TopicPromotedItem.objects.filter(topic=topic, article=page).exists():
            TopicPromotedItem.objects.create(
                topic=topic, article=page, sort_order=TopicPromotedItem.objects.filter(topic=topic).count()
            )
