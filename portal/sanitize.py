"""The one HTML sanitiser (nh3, the Rust ammonia library). Every piece of user or third-party HTML that
reaches a page goes through a function here; nothing else imports nh3."""

from __future__ import annotations

from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

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

# maxNesting 40 (commonmark's preset says 20, where a list of 9 levels was already cut: each level counts twice).
_markdown = MarkdownIt(
    "commonmark", {"html": False, "linkify": False, "typographer": False, "maxNesting": 40}
).enable(["table", "strikethrough"])
MARKDOWN_MAX_NESTING = _markdown.options.maxNesting


def _image_as_link(self, tokens, idx, options, env):
    """`![alt](url)` in a post: pages show no third-party images (privacy, the CSP's img-src), so it becomes a
    link to the picture named by its alt text (the address when there is none) — never lost without a word."""
    token = tokens[idx]
    label = self.renderInlineAsText(token.children or [], options, env).strip() or token.attrGet("src") or ""
    href = escapeHtml(token.attrGet("src") or "")
    return f'<a href="{href}">{escapeHtml(label)}</a>'


_markdown.add_render_rule("image", _image_as_link)
_block_tokenize = _markdown.block.tokenize


def _tokenize_noting_cuts(state, startLine, endLine):
    """markdown-it drops whatever lies deeper than `maxNesting` quotes or lists; note it so it can be refused."""
    if state.level >= state.md.options.maxNesting:
        line = state.skipEmptyLines(startLine)
        if line < endLine and state.sCount[line] >= state.blkIndent:
            state.env["nesting_cut"] = True
    return _block_tokenize(state, startLine, endLine)


_markdown.block.tokenize = _tokenize_noting_cuts


def markdown_too_deep(text: str) -> bool:
    """Whether part of this Markdown would not be shown: quotes or lists nested past `MARKDOWN_MAX_NESTING`."""
    env: dict = {}
    _markdown.parse(text or "", env)
    return bool(env.get("nesting_cut"))


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
