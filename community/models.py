"""Community Q&A: questions, answers, comments, votes, follows, revisions and deflection events.

Counters (score, answer_count, comment_count, follower_count, me_too_count, view_count) are denormalised
and only ever moved with F() inside a service transaction; `manage.py recompute_community` rebuilds them
from the rows they count. Votes keep their current value in `Vote` (one row per voter and post) and
every change in the append-only `VoteEvent` ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from portal.refs import PostRef

from .querysets import AnswerQuerySet, CommentQuerySet, QuestionQuerySet
from .status import PostStatus

TITLE_MAX = 150
BODY_MAX = 30_000
COMMENT_MAX = 600
TAGS_MAX = 5


def _status_field():
    return models.CharField(
        _("status"), max_length=10, choices=PostStatus.choices, default=PostStatus.PUBLISHED, db_default=PostStatus.PUBLISHED
    )


STATUS_REASON_MAX = 500


def _status_reason_field():
    """Why a post is pending or hidden, in words its author reads on the post (set with the status)."""
    return models.CharField(_("reason"), max_length=STATUS_REASON_MAX, blank=True, default="", db_default="")


class PostMixin:
    """What every post offers: its state and its reference."""

    kind: str = ""
    status: str

    @property
    def ref(self) -> PostRef:
        return PostRef(self.kind, self.pk)  # type: ignore[arg-type]

    @property
    def is_published(self) -> bool:
        return self.status == PostStatus.PUBLISHED

    @property
    def is_deleted(self) -> bool:
        return self.status == PostStatus.DELETED

    @property
    def is_pending(self) -> bool:
        return self.status == PostStatus.PENDING

    @property
    def is_hidden(self) -> bool:
        return self.status == PostStatus.HIDDEN


class TaggedQuestion(TaggedItemBase):
    content_object = models.ForeignKey("Question", on_delete=models.CASCADE, related_name="tagged_items")


class Question(PostMixin, models.Model):
    kind = "question"

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions")
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    slug = models.SlugField(max_length=80, allow_unicode=True, blank=True)
    body = models.TextField(_("body"), max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    topic = models.ForeignKey(
        "knowledge.TopicPage", verbose_name=_("topic"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="questions",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    tags = TaggableManager(through=TaggedQuestion, blank=True)
    accepted_answer = models.ForeignKey(
        "Answer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.IntegerField(default=0)
    answer_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    me_too_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    revision_count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(db_index=True)
    last_activity_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    status = _status_field()
    status_reason = _status_reason_field()
    deleted_at = models.DateTimeField(null=True, blank=True)  # since when it is deleted (cleared on restore)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Curation (moderators): locked = no new answers, comments or votes; pinned = first in its topic's lists;
    # featured = among its topic landing page's promoted items; duplicate_of = closed as a duplicate of
    # that question; merged_into = its answers moved there and its address redirects there; article = the
    # help article written from it (the article links back).
    locked_at = models.DateTimeField(null=True, blank=True)
    lock_reason = models.CharField(_("why it is locked"), max_length=STATUS_REASON_MAX, blank=True, default="", db_default="")
    pinned_at = models.DateTimeField(null=True, blank=True)
    featured_at = models.DateTimeField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("duplicate of")
    )
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    article = models.ForeignKey(
        "knowledge.ArticlePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        permissions = [("moderate_posts", "Can moderate community posts")]
        indexes = [
            models.Index(fields=["status", "-last_activity_at"], name="q_activity"),
            models.Index(fields=["status", "-created_at"], name="q_newest"),
            models.Index(fields=["status", "-score", "-created_at"], name="q_votes"),
            models.Index(fields=["status", "answer_count", "-last_activity_at"], name="q_unanswered"),
            models.Index(fields=["status", "accepted_answer", "-last_activity_at"], name="q_solved"),
            models.Index(fields=["topic", "status", "-last_activity_at"], name="q_topic"),
            models.Index(fields=["topic", "featured_at"], condition=Q(featured_at__isnull=False), name="q_featured"),
            models.Index(fields=["topic", "pinned_at"], condition=Q(pinned_at__isnull=False), name="q_pinned"),
            models.Index(fields=["author", "-created_at"], name="q_author"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.title, allow_unicode=True)[:80].strip("-") or "q"
            if self.slug in {"edit", "answer", "follow", "vote", "comment", "delete", "revisions"}:
                self.slug += "-q"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("question_detail", kwargs={"pk": self.pk, "slug": self.slug or "q"})

    @property
    def is_solved(self) -> bool:
        return self.accepted_answer_id is not None

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None



class Answer(PostMixin, models.Model):
    kind = "answer"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="answers")
    body = models.TextField(_("answer"), max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    score = models.IntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    revision_count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    status = _status_field()
    status_reason = _status_reason_field()
    deleted_at = models.DateTimeField(null=True, blank=True)  # since when it is deleted (cleared on restore)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    recommended_at = models.DateTimeField(null=True, blank=True)  # "Recommended by moderators"
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Posted by a support agent from a case ("Support team" on the answer); earns no reputation.
    is_support_reply = models.BooleanField(default=False, db_default=False)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            models.Index(fields=["question", "-score", "created_at"], name="a_question"),
            models.Index(fields=["author", "-created_at"], name="a_author"),
            models.Index(fields=["created_at", "author"], name="a_created"),  # Insights: a day's answers and authors
        ]

    def __str__(self) -> str:
        return f"Answer {self.pk} to {self.question_id}"

    def get_absolute_url(self) -> str:
        return f"{self.question.get_absolute_url()}#answer-{self.pk}"



class Comment(PostMixin, models.Model):
    """A comment on a question (answer is null) or on one of its answers. `question` is always set, so a
    question page fetches every comment in one query."""

    kind = "comment"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="comments")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments")
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField()
    status = _status_field()
    status_reason = _status_reason_field()
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["question", "created_at"], name="c_question"),
            models.Index(fields=["created_at", "author"], name="c_created"),  # Insights: a day's authors
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk}"


class PostKind(models.TextChoices):
    QUESTION = "question", _("question")
    ANSWER = "answer", _("answer")


class Vote(models.Model):
    """The current vote of one member on one post (+1 or -1). Removing a vote sets value 0."""

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="community_votes")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(question__isnull=False, answer__isnull=True) | Q(question__isnull=True, answer__isnull=False),
                name="vote_one_target",
            ),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="vote_value"),
            models.UniqueConstraint(
                fields=["voter", "question"], condition=Q(question__isnull=False), name="vote_once_question"
            ),
            models.UniqueConstraint(fields=["voter", "answer"], condition=Q(answer__isnull=False), name="vote_once_answer"),
        ]

    def __str__(self) -> str:
        return f"{self.voter_id}: {self.value:+d} on {self.question_id or self.answer_id}"


class VoteEvent(models.Model):
    """Append-only ledger: every vote change, from one value to another."""

    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    from_value = models.SmallIntegerField()
    to_value = models.SmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at", "voter"], name="vote_event_created")]  # Insights: a day's voters

    def __str__(self) -> str:
        return f"{self.voter_id}: {self.from_value:+d} → {self.to_value:+d}"


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_questions")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.question_id}"


class MeToo(models.Model):
    """"I have this problem too"."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="me_toos")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="me_too_once")]

    def __str__(self) -> str:
        return f"{self.user_id} has {self.question_id} too"


class Acceptance(models.Model):
    """Append-only ledger of accept / unaccept actions."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    accepted = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="acceptance_created")]  # Insights: a day's acceptances

    def __str__(self) -> str:
        return f"{self.question_id}: {'accept' if self.accepted else 'unaccept'} {self.answer_id}"


class PostRevision(models.Model):
    """Every version of a question or answer (number 1 is the original)."""

    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField()
    tags = models.CharField(max_length=200, blank=True)
    summary = models.CharField(_("edit summary"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], condition=Q(question__isnull=False), name="rev_q"),
            models.UniqueConstraint(fields=["answer", "number"], condition=Q(answer__isnull=False), name="rev_a"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.number}"


class DeflectionEvent(models.Model):
    """A suggestion opened from the ask form. `asked` turns true if the same ask session then posted;
    the ones left false are deflections (the asker found the answer and did not post)."""

    ask_token = models.CharField(max_length=40, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=16)  # "article" or "question"
    object_id = models.PositiveBigIntegerField()
    query = models.CharField(max_length=TITLE_MAX, blank=True)
    asked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ask_token", "kind", "object_id"], name="deflection_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"


class CloseVote(models.Model):
    """A member's vote to close `question` as a duplicate of `original` ("close_duplicate" privilege). Enough
    votes for one original (`CLOSE_VOTES_NEEDED`), or one from a moderator or superuser, close the question
    through the curation path (`services.vote_to_close`). One vote per member and question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="close_votes")
    original = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("close vote")
        constraints = [models.UniqueConstraint(fields=["question", "voter"], name="close_vote_once")]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.question_id} dup {self.original_id}"


class MemberStats(models.Model):
    """A member's public counts for their profile: published questions, published answers under published
    questions, those accepted, and the tags they answered most. Recounted from the posts (never incremented) by
    `member_stats` whenever one of their posts is written, changes state, is accepted or unaccepted, or its
    question is retagged, merged or moved; `manage.py recompute_community` checks and repairs every row."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE,
                                related_name="member_stats")
    questions = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    top_tags = models.JSONField(default=list, blank=True)  # [[slug, name, answers], ...] best first

    class Meta:
        verbose_name = _("member statistics")
        verbose_name_plural = _("member statistics")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.questions} / {self.answers} / {self.accepted}"
