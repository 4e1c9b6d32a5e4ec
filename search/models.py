"""The denormalised source of truth for search: one row per live article or visible question.

Written synchronously, in the same transaction as the content (see `search/indexing.py`). The database
backend queries it directly (SQLite FTS5 with the trigram tokenizer; PostgreSQL full text + pg_trgm);
the Elasticsearch backend is fed from it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        QUESTION = "question", _("Question")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.PositiveIntegerField()
    url = models.CharField(max_length=300)
    title = models.CharField(max_length=255)
    body = models.TextField(blank=True, help_text="Plain text: an article's summary and body; a question and its answers.")
    accepted_text = models.TextField(blank=True, help_text="The accepted answer's text (boosted).")
    tags = models.CharField(max_length=400, blank=True, help_text="Tag slugs separated by spaces.")
    topic_slug = models.CharField(max_length=120, blank=True)
    topic_title = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=8)
    is_solved = models.BooleanField(default=False)
    answer_count = models.PositiveIntegerField(default=0)
    votes = models.IntegerField(default=0, help_text="Question score.")
    helpful_ratio = models.FloatField(null=True, blank=True, help_text="Articles: share of 'Yes' votes.")
    views = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    indexed_at = models.DateTimeField(auto_now=True, db_index=True, help_text="When this row was last written.")
    quality = models.FloatField(
        null=True, db_default=1.0, editable=False,
        help_text="The ranking lift that does not depend on the query or the day (see search/backends/db_ranking.py): "
        "the embedded engine reads the best matches of a common term in this order instead of ranking all of them.",
    )

    class Meta:
        verbose_name = _("search document")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_once")]
        indexes = [
            models.Index(fields=["language", "kind"], name="search_doc_lang_kind"),
            models.Index(fields=["-updated_at"], name="search_doc_updated"),
            models.Index(fields=["-quality", "id"], name="search_doc_quality"),
            # The orders of the "newest" and "votes" sorts: a common term's page is read in index order.
            models.Index(fields=["-created_at", "-id"], name="search_doc_newest"),
            models.Index(fields=["-votes", "-answer_count", "-id"], name="search_doc_votes"),
            # The small columns by id, apart from the long text stored before some of them in the row: the facet
            # sample of a common term reads this index instead of walking each row's text pages.
            models.Index(
                fields=["id", "kind", "tags", "topic_slug", "topic_title", "language", "is_solved", "answer_count", "votes"],
                name="search_doc_facets",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.title}"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"


class SearchWord(models.Model):
    """The words of the indexed text (lower case, Latin script), with how many documents hold each: the typo
    correction picks the known word closest to a mistyped one, and compound words ("email" / "e-mail",
    "login" / "log in") are recognised by their parts. Filled by the database (`search.vocabulary`)."""

    word = models.CharField(max_length=64, unique=True)
    docs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("search word")

    def __str__(self) -> str:
        return self.word


class IndexRetry(models.Model):
    """An Elasticsearch write that failed (cluster down or slow). `search_status` shows the backlog; the
    retry task/command drains it when the cluster is back. One row per document key."""

    key = models.CharField(max_length=40, unique=True)  # "article:12" / "question:34"
    action = models.CharField(max_length=8, choices=[("index", "index"), ("delete", "delete")])
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search index retry")

    def __str__(self) -> str:
        return f"{self.action} {self.key}"


class SearchLog(models.Model):
    """One search, without personal data: no user, session or address — the words, the language, how many
    results and which one (if any) was opened. Written in batches (see `search/analytics.py`)."""

    token = models.CharField(max_length=32, unique=True)
    query = models.CharField(max_length=200)
    language = models.CharField(max_length=8)
    result_count = models.PositiveIntegerField()
    degraded = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    clicked_key = models.CharField(max_length=40, blank=True)
    clicked_position = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("search log entry")
        verbose_name_plural = _("search log")
        indexes = [models.Index(fields=["created_at", "query"], name="search_log_period")]

    def __str__(self) -> str:
        return self.query


# --- Synonyms (issue 14) --------------------------------------------------------------------------------


class SynonymGroup(models.Model):
    """Words and phrases that mean the same to a reader in one language ("invoice / bill / receipt",
    "解約 / キャンセル"): a search for any of them finds the others. Managed by editors in the admin
    (Settings → Search synonyms); applied at query time by both engines (`search/synonyms.py`), so a
    change needs no reindex. `terms` holds the normalised words and phrases, one per line."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        JAPANESE = "ja", _("Japanese")

    language = models.CharField(_("language"), max_length=8, choices=Language.choices, default=Language.ENGLISH)
    terms = models.TextField(
        _("words and phrases"),
        help_text=_(
            "Two or more words or short phrases that mean the same, one per line (or separated by commas), "
            "e.g. invoice, bill, receipt. A search for any of them also finds the others."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["language", "terms"]

    def __str__(self) -> str:
        text = " / ".join(self.term_list)
        return text if len(text) <= 80 else text[:79] + "…"

    @property
    def term_list(self) -> list[str]:
        return [line for line in self.terms.splitlines() if line.strip()]
