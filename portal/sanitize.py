"""The one HTML sanitiser (nh3, the Rust ammonia library). Every piece of user or third-party HTML that
reaches a page goes through a function here; nothing else imports nh3."""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "hr", "i", "kbd", "li",
    "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto"}
EMBED_HOSTS = {"www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def clean_html(html: str, *, user_content: bool = True) -> str:
    """Keep a small allow-list of formatting. Links in user content get rel="nofollow ugc noopener"."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener" if user_content else "noopener",
        strip_comments=True,
    )


def render_markdown(text: str, *, user_content: bool = True) -> str:
    """Markdown (raw HTML disabled) → sanitised HTML. Store the result in a *_html field."""
    return clean_html(_markdown.render(text or ""), user_content=user_content)


def _embed_attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "iframe" and attribute == "src":
        parts = urlsplit(value)
        return value if parts.scheme == "https" and parts.hostname in EMBED_HOSTS else None
    return value


def clean_embed(html: str) -> str:
    """Provider embed HTML (oEmbed): only an iframe from a known video host survives."""
    return nh3.clean(
        html,
        tags={"iframe"},
        attributes={"iframe": {"src", "title", "width", "height", "allow", "allowfullscreen", "loading"}},
        url_schemes={"https"},
        attribute_filter=_embed_attribute_filter,
        link_rel=None,
    )
