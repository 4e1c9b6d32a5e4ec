"""Template helpers for moderation's parts of community pages (the post and comment tool slots)."""

from __future__ import annotations

from django import template

from .. import review

register = template.Library()

SHORT_KINDS = {"q": "question", "a": "answer", "c": "comment"}


@register.simple_tag(takes_context=True)
def open_review_item(context, post):
    """The post's open review item, or None. The open items of the whole question page are read in one
    query, the first time a moderator's tool row asks, and kept on the page's question object."""
    question_id = post.pk if post.kind == "question" else post.question_id
    question = context.get("question")
    holder = question if question is not None and getattr(question, "pk", None) == question_id else post
    items = getattr(holder, "_moderation_open_items", None)
    if items is None:
        items = review.open_items_for_question(question_id)
        holder._moderation_open_items = items
    return items.get((post.kind, post.pk))


@register.simple_tag
def review_item_url(item) -> str:
    return review.admin_url(item)


@register.filter
def post_kind(kind: str) -> str:
    """The URL name of a post kind from the templates' short one ("q" → "question")."""
    return SHORT_KINDS.get(kind, kind)
