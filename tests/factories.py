"""factory-boy factories and small builders for the Wagtail page tree."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from community import member_stats
from community.management.commands.recompute_community import answer_counters, latest_activity, question_counters
from community.models import Answer, Comment, Question, Vote, VoteEvent
from knowledge.models import ArticlePage, TopicPage
from portal.models import HomePage, Profile
from portal.sanitize import render_markdown

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=extracted is not False, primary=True)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")


class MemberFactory(UserFactory):
    """A community member as sign-up leaves one: verified email address and a profile (author cards)."""

    profile = factory.RelatedFactory(ProfileFactory, factory_related_name="user")


# --- community posts ------------------------------------------------------------------------------------------
#
# The rule: factories write rows, not side effects. They do not go through the services (no permission
# check, rate limit, revision row, follow, search document, notification or cache touch), but they keep the
# denormalised counters true: after each row they recompute the question's and its answers' counters
# (score, answer_count, comment_count, last_activity_at, ...) with the very expressions
# `manage.py recompute_community` uses, so `recompute_community --check` agrees after any mix of factories,
# and the instances you hold are refreshed. Accepting an answer, following, editing: use the services.
# A page cached before a factory adds to it is not refreshed (no cache touch): build the data first.


def sync_counters(question_id: int) -> None:
    """Recompute the counters of a question and of its answers from their rows (see the rule above)."""
    Answer.objects.filter(question_id=question_id).update(**answer_counters())
    Question.objects.filter(pk=question_id).update(
        **question_counters(), last_activity_at=Greatest(F("last_activity_at"), latest_activity())
    )
    member_stats.recount_thread(question_id)  # the members' profile counts and top tags


QUESTION_COUNTERS = ("score", "answer_count", "comment_count", "follower_count", "me_too_count", "last_activity_at")
ANSWER_COUNTERS = ("score", "comment_count")


def _refresh(instance, fields) -> None:
    if instance is not None and instance.pk:
        instance.refresh_from_db(fields=list(fields))


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question
        skip_postgeneration_save = True

    author = factory.SubFactory(MemberFactory)
    title = factory.Sequence(lambda n: f"Hub light blinks red after update {n}")
    body = "The hub light blinks red since the last firmware update. What does it mean?"
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    language = "en"
    created_at = factory.LazyFunction(timezone.now)
    last_activity_at = factory.SelfAttribute("created_at")

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(list(extracted))

    @factory.post_generation
    def member_stats(self, create, extracted, **kwargs):  # after the tags
        if create:
            member_stats.recount([self.author_id])

    @classmethod
    def create_thread(cls, answers: int = 50, comments: int = 200, *, authors: int = 6, **fields) -> Question:
        """A question with `answers` answers and `comments` comments (every fifth on the question, the rest
        spread over the answers), by `authors` members, in a handful of queries (bulk inserts), counters
        recomputed once at the end."""
        question = cls(**fields)
        members = MemberFactory.create_batch(authors)
        now = question.created_at
        answer_rows = Answer.objects.bulk_create(
            Answer(question=question, author=members[i % authors], body=f"Answer {i}: hold the reset button.",
                   body_html=render_markdown(f"Answer {i}: hold the reset button."), created_at=now)
            for i in range(answers)
        )
        Comment.objects.bulk_create(
            Comment(question=question, answer=answer_rows[i % answers] if answers and i % 5 else None,
                    author=members[i % authors], body=f"Comment {i}", body_html=render_markdown(f"Comment {i}"),
                    created_at=now)
            for i in range(comments)
        )
        sync_counters(question.pk)
        _refresh(question, QUESTION_COUNTERS)
        return question


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    question = factory.SubFactory(QuestionFactory)
    author = factory.SubFactory(MemberFactory)
    body = factory.Sequence(lambda n: f"Hold the reset button for ten seconds ({n}).")
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    created_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        answer = super()._create(model_class, *args, **kwargs)
        sync_counters(answer.question_id)
        _refresh(answer.question, QUESTION_COUNTERS)
        return answer


class CommentFactory(factory.django.DjangoModelFactory):
    """A comment on a question, or on an answer with `answer=...` (its question is taken from the answer)."""

    class Meta:
        model = Comment

    answer = None
    question = factory.Maybe(
        "answer", yes_declaration=factory.SelfAttribute("answer.question"), no_declaration=factory.SubFactory(QuestionFactory)
    )
    author = factory.SubFactory(MemberFactory)
    body = factory.Sequence(lambda n: f"Same here, comment {n}.")
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    created_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        comment = super()._create(model_class, *args, **kwargs)
        sync_counters(comment.question_id)
        _refresh(comment.question, QUESTION_COUNTERS)
        _refresh(comment.answer, ANSWER_COUNTERS)
        return comment


class VoteFactory(factory.django.DjangoModelFactory):
    """A member's current vote on an answer (default) or, with `question=...`, on a question; with its
    `VoteEvent` ledger row (0 → value), as the vote service writes it."""

    class Meta:
        model = Vote

    voter = factory.SubFactory(MemberFactory)
    question = None
    answer = factory.Maybe("question", yes_declaration=None, no_declaration=factory.SubFactory(AnswerFactory))
    value = 1

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        vote = super()._create(model_class, *args, **kwargs)
        VoteEvent.objects.create(
            voter_id=vote.voter_id, question_id=vote.question_id, answer_id=vote.answer_id, from_value=0, to_value=vote.value
        )
        question_id = vote.answer.question_id if vote.answer_id else vote.question_id
        sync_counters(question_id)
        _refresh(vote.answer, ANSWER_COUNTERS)
        _refresh(vote.question or (vote.answer.question if vote.answer_id else None), QUESTION_COUNTERS)
        return vote


def make_site() -> dict:
    """English and Japanese home pages, with the default Site pointing at the English one."""
    en = Locale.objects.get_or_create(language_code="en")[0]
    ja = Locale.objects.get_or_create(language_code="ja")[0]
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).exclude(content_type__model="homepage").delete()
    home = root.add_child(instance=HomePage(title="Help Center", slug="home", locale=en))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "port": 80, "root_page": home}
    )
    home_ja = home.copy_for_translation(ja)
    home_ja.title = "ヘルプセンター"
    home_ja.hero_title = "どのようなご用件ですか？"
    home_ja.save_revision().publish()
    return {"en": home, "ja": home_ja, "locale_en": en, "locale_ja": ja}


def make_topic(home: HomePage, title: str = "Billing", slug: str = "billing", tags=("billing",), **fields) -> TopicPage:
    topic = home.add_child(instance=TopicPage(title=title, slug=slug, intro=fields.pop("intro", "About " + title), **fields))
    topic.tags.set(list(tags))
    topic.save_revision().publish()
    return topic


def make_article(topic: TopicPage, title: str = "Request a refund", slug: str | None = None, tags=(), body=None, live=True, **fields) -> ArticlePage:
    body = body or [{"type": "paragraph", "value": f"<p>{title}: how it works.</p>"}]
    article = ArticlePage(
        title=title, slug=slug or title.lower().replace(" ", "-"), summary=fields.pop("summary", f"All about {title}."),
        body=body, live=False, **fields,
    )
    topic.add_child(instance=article)
    article.tags.set(list(tags))
    revision = article.save_revision()
    if live:
        revision.publish()
    article.refresh_from_db()
    return article


def translate(page, locale, **fields):
    translated = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save_revision().publish()
    return translated.__class__.objects.get(pk=translated.pk)


def with_two_factor(user):
    """Staff as they are in the portal: with TOTP two-factor (without it they have no staff powers)."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


def hub_community(topic_tags=("hub",)) -> dict:
    """The browser journeys' small world: a Troubleshooting topic with the "Nimbus Hub is offline" article,
    and two members, alice (Alice Chen) and bob (Bob Martins)."""
    site = make_site()
    topic = make_topic(site["en"], "Troubleshooting", "troubleshooting", tags=list(topic_tags), icon="bug")
    article = make_article(topic, "Nimbus Hub is offline", tags=["hub"], summary="Get your hub back online.")
    alice = ProfileFactory(user=UserFactory(username="alice", email="alice@example.com"), display_name="Alice Chen").user
    bob = ProfileFactory(user=UserFactory(username="bob", email="bob@example.com"), display_name="Bob Martins").user
    return {"site": site, "topic": topic, "article": article, "alice": alice, "bob": bob}


# --- ledgers and logs for the Insights tests (issue 15) -------------------------------------------------------------


class ReputationEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rewards.ReputationEvent"

    user = factory.SubFactory(MemberFactory)
    kind = "answer_upvoted"
    points = 10
    cause = factory.Sequence(lambda n: f"test:{n}")
    created_at = factory.LazyFunction(timezone.now)


class BadgeAwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rewards.BadgeAward"

    user = factory.SubFactory(MemberFactory)
    badge = factory.Sequence(lambda n: f"badge{n}")
    created_at = factory.LazyFunction(timezone.now)


class RewardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rewards.Reward"

    name = factory.Sequence(lambda n: f"Sticker pack {n}")
    cost = 100
    stock = 10


class RedemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rewards.Redemption"

    reward = factory.SubFactory(RewardFactory)
    user = factory.SubFactory(MemberFactory)
    cost = 100
    state = "pending"
    created_at = factory.LazyFunction(timezone.now)


class DeflectionEventFactory(factory.django.DjangoModelFactory):
    """An opened ask-form suggestion; `created_at` is written after the insert (the field is auto_now_add)."""

    class Meta:
        model = "community.DeflectionEvent"

    ask_token = factory.Sequence(lambda n: f"token{n}")
    kind = "article"
    object_id = factory.Sequence(lambda n: n + 1)

    @classmethod
    def _create(cls, model_class, *args, created_at=None, **kwargs):
        event = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=event.pk).update(created_at=created_at)
            event.created_at = created_at
        return event


class SearchLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "search.SearchLog"

    token = factory.Sequence(lambda n: f"search{n}")
    query = "refund"
    language = "en"
    result_count = 3
    created_at = factory.LazyFunction(timezone.now)


class ArticleFeedbackFactory(factory.django.DjangoModelFactory):
    """A "Was this helpful?" answer; `updated_at` is written after the insert (the field is auto_now)."""

    class Meta:
        model = "knowledge.ArticleFeedback"

    session_key = factory.Sequence(lambda n: f"session{n}")
    helpful = True

    @classmethod
    def _create(cls, model_class, *args, updated_at=None, **kwargs):
        feedback = super()._create(model_class, *args, **kwargs)
        if updated_at is not None:
            model_class.objects.filter(pk=feedback.pk).update(updated_at=updated_at, created_at=updated_at)
            feedback.updated_at = updated_at
        return feedback
