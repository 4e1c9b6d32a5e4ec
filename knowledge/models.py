"""Help-center pages: topics and articles, plus the helpfulness ledger and daily stats."""

from __future__ import annotations

import math
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from portal import extensions

from .admin_forms import HelpPageForm
from .blocks import ArticleBodyBlock, HeadingAnchors

TOPIC_ICONS = [
    ("user", _("Account")),
    ("card", _("Billing")),
    ("truck", _("Shipping")),
    ("wrench", _("Setup")),
    ("bug", _("Troubleshooting")),
    ("shield", _("Privacy")),
    ("book", _("General")),
]
CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
WORDS_PER_MINUTE = 220
CJK_CHARS_PER_MINUTE = 500
CONTENTS_MIN = 3  # an article with this many sections (h2 headings) or more gets "On this page" links


class TopicPageTag(TaggedItemBase):
    content_object = ParentalKey("knowledge.TopicPage", related_name="tagged_items", on_delete=models.CASCADE)


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey("knowledge.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE)


class TopicPage(Page):
    """A topic landing page. Its articles are its children plus any article carrying one of its tags."""

    intro = models.TextField(_("introduction"), max_length=600, blank=True)
    icon = models.CharField(_("icon"), max_length=20, choices=TOPIC_ICONS, default="book")
    tags = ClusterTaggableManager(
        through=TopicPageTag,
        blank=True,
        help_text=_("Articles with any of these tags are listed on the topic page."),
    )

    parent_page_types = ["portal.HomePage"]
    subpage_types = ["knowledge.ArticlePage"]
    base_form_class = HelpPageForm
    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("icon"),
        FieldPanel("tags"),
        InlinePanel("promoted_items", label=_("Promoted articles"), max_num=6),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("topic")

    def get_context(self, request, *args, **kwargs):
        # The page's own data (knowledge.services, registered in KnowledgeConfig.ready) and the sections of
        # higher apps (community's "From the community"). Their cache stamps are read before their content,
        # so a cached copy is never newer than the stamps it records.
        sections = extensions.section_context("topic", self, request)
        self.cache_stamps = sections.stamps
        context = super().get_context(request, *args, **kwargs)
        context.update(sections.context)
        return context


class TopicPromotedItem(Orderable):
    topic = ParentalKey(TopicPage, related_name="promoted_items", on_delete=models.CASCADE)
    article = models.ForeignKey("knowledge.ArticlePage", on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("article")]


class ArticlePage(Page):
    summary = models.CharField(
        _("summary"), max_length=250, help_text=_("One sentence shown in listings and search engines.")
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"))
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True)
    last_reviewed = models.DateField(_("last reviewed"), default=timezone.localdate)
    reading_minutes = models.PositiveSmallIntegerField(default=1, editable=False)
    import_digest = models.CharField(max_length=64, blank=True, editable=False)  # set by import_articles
    # An article written from a solved community question: where it came from and whose answer it uses
    # (shown on the article as a credit with a link; the question links to the article).
    source_url = models.CharField(_("based on the community question at"), max_length=300, blank=True)
    credited_to = models.CharField(_("answer by"), max_length=150, blank=True)

    parent_page_types = ["knowledge.TopicPage"]
    subpage_types: list[str] = []
    base_form_class = HelpPageForm
    page_view_counter = "article"  # the page cache counts every view (knowledge.apps registers the counter)
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("tags"), FieldPanel("last_reviewed"), FieldPanel("source_url"), FieldPanel("credited_to")],
            heading=_("Classification"),
        ),
        InlinePanel("related_items", label=_("Related articles"), max_num=5),
    ]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]

    class Meta:
        verbose_name = _("article")

    def save(self, *args, **kwargs):
        self.reading_minutes = estimate_reading_minutes(self.body_text)
        if not self.search_description:
            self.search_description = self.summary
        return super().save(*args, **kwargs)

    @property
    def body_text(self) -> str:
        return strip_tags(str(self.body.render_as_block())) if self.body else ""

    @cached_property
    def faq_items(self) -> list[dict]:
        return [item for block in self.body if block.block_type == "faq" for item in block.value]

    def get_context(self, request, *args, **kwargs):
        # The page's data comes from knowledge.services (registered in KnowledgeConfig.ready: the services
        # import these models, so the models do not import them).
        sections = extensions.section_context("article", self, request)
        self.cache_stamps = sections.stamps
        context = super().get_context(request, *args, **kwargs)
        context.update(sections.context)
        context["heading_anchors"] = HeadingAnchors()  # unique heading ids across the page's blocks
        context["contents"] = self.contents()
        return context

    def contents(self) -> list[tuple[str, str]]:
        """The table of contents of a long article: (anchor, text) of each section heading (h2), with the ids the
        heading blocks are given when the body renders (the same allocation, in the same order); empty for an
        article of fewer than CONTENTS_MIN sections."""
        anchors, sections = HeadingAnchors(), []
        for block in self.body:
            if block.block_type == "heading":
                anchor = anchors.allocate(block.value["text"])
                if block.value["level"] != "h3":
                    sections.append((anchor, block.value["text"]))
        return sections if len(sections) >= CONTENTS_MIN else []


class ArticleRelatedItem(Orderable):
    article = ParentalKey(ArticlePage, related_name="related_items", on_delete=models.CASCADE)
    related = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("related")]


def estimate_reading_minutes(text: str) -> int:
    cjk = len(CJK_RE.findall(text))
    words = len(CJK_RE.sub(" ", text).split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE + cjk / CJK_CHARS_PER_MINUTE))


class ArticleHelpfulness(models.Model):
    """Denormalised "Was this helpful?" counters (rule 6), kept off the page so revisions never touch them.

    Updated with F() by knowledge.services; `manage.py recompute_helpfulness` rebuilds them from
    ArticleFeedback and must agree.
    """

    article = models.OneToOneField(
        ArticlePage, primary_key=True, on_delete=models.CASCADE, related_name="helpfulness"
    )
    yes = models.PositiveIntegerField(default=0)
    no = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("article helpfulness")
        verbose_name_plural = _("article helpfulness")

    def __str__(self) -> str:
        return f"{self.article_id}: {self.yes} yes / {self.no} no"

    @property
    def total(self) -> int:
        return self.yes + self.no

    @property
    def ratio(self) -> float | None:
        return None if self.total == 0 else self.yes / self.total

    @property
    def ratio_percent(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio:.0%}"


class ArticleFeedback(models.Model):
    """One "Was this helpful?" answer per visitor and article: a signed-in user, or a session."""

    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    session_key = models.CharField(max_length=64, blank=True, default="")
    helpful = models.BooleanField()
    comment = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Anonymous votes only: keyed hashes (never the address itself) of (day, article, IP, user agent,
    # accept-language) and of (day, article, IP), and whether the vote counts in the counters and
    # rankings (see knowledge.services.record_helpful_vote for the rule).
    fingerprint = models.CharField(max_length=32, blank=True, default="")
    network = models.CharField(max_length=32, blank=True, default="")
    counted = models.BooleanField(_("counted in the totals"), default=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="feedback_one_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="feedback_one_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="feedback_has_visitor"
            ),
        ]
        indexes = [
            models.Index(fields=["article", "updated_at"]),
            models.Index(fields=["article", "network"], condition=~Q(network=""), name="feedback_network"),
            models.Index(fields=["article", "fingerprint"], condition=~Q(fingerprint=""), name="feedback_fingerprint"),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


class ArticleDailyStat(models.Model):
    """Views per article and day, flushed from the cache counters; feeds trending and popular lists."""

    article = models.ForeignKey(ArticlePage, on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="one_stat_per_article_day")]
        indexes = [models.Index(fields=["day", "article"])]

    def __str__(self) -> str:
        return f"{self.article_id} {self.day}: {self.views}"

