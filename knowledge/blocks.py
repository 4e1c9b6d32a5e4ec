"""StreamField blocks for help articles."""

import hashlib

from django.core.cache import cache
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.embeds.embeds import get_embed
from wagtail.embeds.exceptions import EmbedException
from wagtail.images.blocks import ImageChooserBlock

from portal.sanitize import clean_embed

EMBED_RETRY_SECONDS = 3600
RICH_FEATURES = ["bold", "italic", "link", "ol", "ul", "code", "superscript", "subscript"]


# Ids the article template gives elements of its own; a heading never takes one of them.
RESERVED_IDS = frozenset({
    "main", "helpful", "helpful-heading", "related-heading", "contents-heading", "header-q", "header-suggest",
})


class HeadingAnchors:
    """Unique, non-empty `id`s for the headings of one page, in any script.

    "Before you start" -> "before-you-start", "はじめに" -> "はじめに" (Unicode slug), a heading with nothing
    left after slugifying ("???") -> "section-3" (its position among the page's headings); a repeat gets
    "-2", "-3", ... The article page puts one instance in its template context (`heading_anchors`) so
    every heading block of the page shares it.
    """

    def __init__(self, reserved=RESERVED_IDS):
        self.used: set[str] = set(reserved)
        self.count = 0

    def allocate(self, text: str) -> str:
        self.count += 1
        base = slugify(text or "", allow_unicode=True)[:80].strip("-_") or f"section-{self.count}"
        anchor, n = base, 1
        while anchor in self.used:
            n += 1
            anchor = f"{base}-{n}"
        self.used.add(anchor)
        return anchor


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=150, label=_("Heading"))
    level = blocks.ChoiceBlock(choices=[("h2", _("Section")), ("h3", _("Subsection"))], default="h2")

    class Meta:
        icon = "title"
        template = "blocks/heading.html"
        label = _("Heading")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        anchors = context.get("heading_anchors")
        if not isinstance(anchors, HeadingAnchors):
            anchors = HeadingAnchors()  # rendered on its own (e.g. the block preview): unique within itself
        context["heading_id"] = anchors.allocate(value["text"])
        return context


class StepsBlock(blocks.ListBlock):
    def __init__(self, **kwargs):
        super().__init__(blocks.RichTextBlock(features=RICH_FEATURES, label=_("Step")), **kwargs)

    class Meta:
        icon = "list-ol"
        template = "blocks/steps.html"
        label = _("Numbered steps")


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("tip", _("Tip")), ("note", _("Note")), ("warning", _("Warning"))], default="note"
    )
    text = blocks.RichTextBlock(features=RICH_FEATURES)

    class Meta:
        icon = "warning"
        template = "blocks/callout.html"
        label = _("Callout")


class CodeBlock(blocks.StructBlock):
    language = blocks.CharBlock(max_length=20, required=False, default="text")
    code = blocks.TextBlock()

    class Meta:
        icon = "code"
        template = "blocks/code.html"
        label = _("Code")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(max_length=200, help_text=_("Describe the image for people who cannot see it."))
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "blocks/image.html"
        label = _("Image with caption")


class VideoBlock(blocks.StructBlock):
    """A video that embeds when its provider answers and degrades to a plain link when it does not."""

    url = blocks.URLBlock(label=_("Video URL"))
    title = blocks.CharBlock(max_length=200)

    class Meta:
        icon = "media"
        template = "blocks/video.html"
        label = _("Video")

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context)
        context["embed_html"] = ""
        failure_key = "embed-failed:" + hashlib.sha256(value["url"].encode()).hexdigest()
        if cache.get(failure_key):
            return context  # the provider did not answer recently: show the link without waiting again
        try:
            context["embed_html"] = clean_embed(get_embed(value["url"], max_width=720).html)
        except (EmbedException, OSError, ValueError):
            cache.set(failure_key, True, EMBED_RETRY_SECONDS)
        return context


class FAQItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(max_length=250)
    answer = blocks.RichTextBlock(features=RICH_FEATURES)


class FAQBlock(blocks.ListBlock):
    def __init__(self, **kwargs):
        super().__init__(FAQItemBlock(), **kwargs)

    class Meta:
        icon = "help"
        template = "blocks/faq.html"
        label = _("Frequently asked questions")


class ArticleBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=RICH_FEATURES, icon="pilcrow", label=_("Rich text"))
    steps = StepsBlock()
    callout = CalloutBlock()
    code = CodeBlock()
    image = ImageBlock()
    video = VideoBlock()
    table = TableBlock(template="blocks/table.html")
    faq = FAQBlock()
