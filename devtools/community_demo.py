"""Community demo content for `manage.py load_demo`: Nimbus Home customers asking and answering.

The content lives in YAML under `devtools/demo_content/community/`:

- `people.yaml`: the demo customers (created when missing, verified, with a profile);
- `questions_<lang>.yaml`: hand-written questions with their answers, comments, votes and acceptance;
- `generated_<lang>.yaml`: products × problems; every problem that applies to a product becomes one
  question whose text is filled in with that product's details (model, firmware, …).

Everything is created through the community services (`ask_question`, `post_answer`, `post_comment`, `vote`,
`accept_answer`, `set_me_too`), so counters and ledgers are exactly what real use would produce. Only the
rate limits and the "same text within ten minutes" check are switched off, and only while the loader runs
(see `services_unthrottled`). Afterwards the timestamps are spread over the last 90 days with `.update()`.
The notifications the activity causes are created as usual, but no email is sent for them while loading;
then each is dated at the moment of the post or acceptance it announces, and all but each member's few
most recent ones are marked read (see `date_notifications`), as if the members had been using the site.

Idempotent: a question is identified by its original title (revision 1); a title that is already there is
skipped with its whole thread, and each thread is written in one transaction, so an interrupted run
leaves no half-built question behind.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from taggit.models import Tag

from community import services
from community.models import Acceptance, Answer, Comment, Follow, MeToo, PostRevision, Question, Vote, VoteEvent
from community.standing import thresholds_overridden
from community.validation import FieldError, clean_title
from devtools.generated import generated_questions
from knowledge.models import TopicPage
from portal import events
from portal.models import Notification, Profile

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content" / "community"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - the documented password of the demo accounts
SPREAD_DAYS = 90
MAX_ANSWERS = 4
UNREAD_DAYS = 14  # a demo member has not yet read the notifications of the last two weeks ...
MAX_UNREAD = 5  # ... at most this many of them


class DemoContentError(ValueError):
    """The YAML describes something the services refuse (or refers to someone who is not in people.yaml)."""


@dataclass
class Summary:
    created: int = 0
    present: int = 0
    questions: int = 0
    english: int = 0
    japanese: int = 0
    answers: int = 0
    comments: int = 0
    votes: int = 0
    accepted: int = 0
    unanswered: int = 0

    def line(self) -> str:
        return (
            f"Community: {self.questions} demo questions ({self.english} en, {self.japanese} ja; "
            f"{self.created} created, {self.present} already there), {self.answers} answers, "
            f"{self.comments} comments, {self.votes} votes, {self.accepted} accepted, {self.unanswered} unanswered"
        )


def services_unthrottled():
    """Switch off the per-member/IP rate limits and the duplicate-text check of the community services.

    For the demo loader only: it posts hundreds of times as a handful of people within seconds, and the
    generated questions share answer texts. `services.relaxed_limits()` is a context variable, so only this
    block (not another thread or request) runs without the checks, and they are back even if loading fails.
    """
    return services.relaxed_limits()


# --- reading the YAML ---------------------------------------------------------------------------------------


def read_people(content_dir: Path = CONTENT_DIR) -> list[dict]:
    return yaml.safe_load((content_dir / "people.yaml").read_text(encoding="utf-8"))


def read_questions(content_dir: Path = CONTENT_DIR, people: list[dict] | None = None) -> list[dict]:
    """Every demo question as a plain dict (title, body, language, topic, tags, author, answers, …)."""
    people = people if people is not None else read_people(content_dir)
    questions: list[dict] = []
    for path in sorted(content_dir.glob("questions_*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["questions"]:
            questions.append({**item, "language": item.get("language", data["language"])})
    for path in sorted(content_dir.glob("generated_*.yaml")):
        questions.extend(expand_generated(yaml.safe_load(path.read_text(encoding="utf-8")), people))
    seen: set[str] = set()
    for item in questions:
        title = clean_title(item["title"])
        if title in seen:
            raise DemoContentError(f"Two demo questions have the title {title!r}")
        seen.add(title)
        item["title"] = title
    return questions


def expand_generated(data: dict, people: list[dict]) -> list[dict]:
    """Products × problems → questions. Each question gets its own details (room, router, phone, how long)
    and a deterministic choice of 0–4 of the problem's answers, so the set reads like separate customers."""
    language = data["language"]
    pool = [p["username"] for p in people if p["language"] == language]
    products = data["products"]
    questions = []
    for problem in data["problems"]:
        for index, product_key in enumerate(problem["products"]):
            product = products[product_key]
            rng = random.Random(f"{language}:{problem['key']}:{product_key}")  # noqa: S311 - demo data
            context = {
                **{key: value for key, value in product.items() if isinstance(value, str)},
                "room": rng.choice(data["rooms"]),
                "router": rng.choice(data["routers"]),
                "phone": rng.choice(data["phones"]),
                "days": rng.choice([2, 3, 4, 5, 10, 14]),
                "weeks": rng.choice([2, 3, 6, 8]),
                "count": rng.choice([2, 3, 4]),
            }
            titles = problem["titles"]
            author = pool[rng.randrange(len(pool))]
            available = problem.get("answers", [])
            # Some questions stay unanswered; the rest get between one and all of the problem's answers.
            wanted = rng.choices([0, 1, 2, 3, 4], weights=[12, 25, 28, 20, 15])[0]
            chosen = sorted(rng.sample(range(len(available)), min(wanted, len(available), MAX_ANSWERS)))
            answers = []
            for number in chosen:
                answer = dict(available[number])
                answer["body"] = _fill(answer["body"], context)
                answer["comments"] = [
                    {**comment, "body": _fill(comment["body"], context)} for comment in answer.get("comments", [])
                ]
                answers.append(answer)
            comments = [{**c, "body": _fill(c["body"], context)} for c in problem.get("comments", []) if rng.random() < 0.6]
            questions.append({
                "title": _fill(titles[index % len(titles)], context),
                "body": _fill(problem["body"], context),
                "language": language,
                "topic": problem["topic"],
                "tags": list(dict.fromkeys([*product.get("tags", []), *problem.get("tags", [])]))[:5],
                "author": author,
                "votes": rng.choice(problem.get("question_votes", [0, 1, 1, 2, 3])),
                "me_too": rng.choice([0, 0, 1, 2, 3]) if problem.get("common", True) else 0,
                "answers": answers,
                "comments": comments,
            })
    return questions


def _fill(text: str, context: dict) -> str:
    try:
        return text.format(**context)
    except (KeyError, IndexError) as error:
        raise DemoContentError(f"Unknown placeholder {error} in demo text: {text[:60]!r}") from None


# --- people --------------------------------------------------------------------------------------------------


def ensure_people(people: list[dict]) -> dict[str, Any]:
    """The demo customers by username: created if missing (password DEMO_PASSWORD, verified address,
    profile); an existing account is only given its verified address and a profile if it lacks them."""
    User = get_user_model()
    password = None
    users = {}
    for person in people:
        user = User.objects.filter(username=person["username"]).first()
        if user is None:
            password = password or make_password(DEMO_PASSWORD)  # one hash for every new demo customer
            user = User.objects.create(username=person["username"], email=person["email"], password=password)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email or person["email"], defaults={"verified": True, "primary": True}
        )
        Profile.objects.get_or_create(user=user, defaults={"display_name": person["name"], "language": person["language"]})
        users[person["username"]] = user
    return users


# --- loading ---------------------------------------------------------------------------------------------------


REPLAY_THRESHOLDS = {"upvote": 0, "downvote": 0, "comment_everywhere": 0}


def load_community_demo(content_dir: Path = CONTENT_DIR, *, now: datetime | None = None, stdout=None) -> Summary:
    """Create the demo questions that are not there yet. Returns (and writes to `stdout`) a summary."""
    people = read_people(content_dir)
    questions = read_questions(content_dir, people)
    users = ensure_people(people)
    topics = _topics()
    _ensure_tags({tag for item in questions for tag in item.get("tags", [])})
    now = now or timezone.now()
    titles = [item["title"] for item in questions]
    present = set(
        PostRevision.objects.filter(question__isnull=False, number=1, title__in=titles).values_list("title", flat=True)
    ) | set(Question.objects.filter(title__in=titles).values_list("title", flat=True))
    summary = Summary()
    first_notification = (Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    # Demo activity fills the notification centre but emails nobody: the immediate task backend sends inside
    # the loop, through this backend.
    # The history is replayed with the privileges its members earned along the way, and with the rewards app
    # muted: `devtools.rewards_demo` backfills the ledger and the badges, each dated when its cause happened.
    with services_unthrottled(), override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), \
            events.muted("community.rewards"), thresholds_overridden(REPLAY_THRESHOLDS):
        for item in questions:
            if item["title"] in present:
                summary.present += 1
                continue
            with transaction.atomic():
                _create_thread(item, users, topics, now)
            summary.created += 1
    date_notifications(first_notification, now)
    _date_memberships(users.values())
    _count(summary, titles)
    if stdout is not None:
        stdout.write(summary.line())
    return summary


def _topics() -> dict[tuple[str, str], Any]:
    return {
        (topic.slug, topic.locale.language_code): topic for topic in TopicPage.objects.select_related("locale")
    }


def _ensure_tags(names: set[str]) -> None:
    """Demo tags exist up front: creating a tag is a reputation privilege the demo customers lack."""
    existing = set(Tag.objects.filter(name__in=names).values_list("name", flat=True))
    for name in sorted(names - existing):
        Tag.objects.get_or_create(slug=name, defaults={"name": name})


def _count(summary: Summary, titles: list[str]) -> None:
    questions = Question.objects.filter(title__in=titles).exclude(pk__in=generated_questions().values("pk"))
    summary.questions = questions.count()
    summary.english = questions.filter(language="en").count()
    summary.japanese = questions.filter(language="ja").count()
    summary.unanswered = questions.filter(answer_count=0).count()
    summary.accepted = questions.filter(accepted_answer__isnull=False).count()
    summary.answers = Answer.objects.filter(question__in=questions).count()
    summary.comments = Comment.objects.filter(question__in=questions).count()
    summary.votes = (
        Vote.objects.filter(question__in=questions).count() + Vote.objects.filter(answer__question__in=questions).count()
    )


def _date_memberships(users) -> None:
    """A demo member joined a while before their first post, not when the loader ran ("member since")."""
    from django.db.models import Min

    User = get_user_model()
    for user in users:
        firsts = [
            moment for moment in (
                Question.objects.filter(author=user).aggregate(first=Min("created_at"))["first"],
                Answer.objects.filter(author=user).aggregate(first=Min("created_at"))["first"],
                Comment.objects.filter(author=user).aggregate(first=Min("created_at"))["first"],
            ) if moment is not None
        ]
        if firsts and user.date_joined > min(firsts):
            days = random.Random(user.get_username()).randint(3, 120)  # noqa: S311 - demo data
            User.objects.filter(pk=user.pk).update(date_joined=min(firsts) - timedelta(days=days))


def date_notifications(first_pk: int, now: datetime) -> int:
    """Give the notifications created by this run (pk >= `first_pk`) the time of the event they announce
    (otherwise they all say "just now") and a realistic read state: a member's notifications are read a
    little after they arrive, except the most recent few (two to MAX_UNREAD of the last UNREAD_DAYS days;
    always the newest one).
    Returns how many notifications were dated."""
    rows = list(
        Notification.objects.filter(pk__gte=first_pk).only("pk", "recipient_id", "dedupe_key", "created_at", "read_at",
                                                           "emailed_at", "digested_at", "delivery")
    )
    if not rows:
        return 0
    ids: dict[str, set[int]] = {"question": set(), "answer": set(), "comment": set(), "accept": set()}
    for row in rows:
        kind, _, object_id = row.dedupe_key.partition(":")
        if kind in ids and object_id.isdigit():
            ids[kind].add(int(object_id))
    moments: dict[tuple[str, int], datetime] = {}
    for kind, model in (("question", Question), ("answer", Answer), ("comment", Comment)):
        for pk, created_at in model.objects.filter(pk__in=ids[kind]).values_list("pk", "created_at"):
            moments[kind, pk] = created_at
    for answer_id, created_at in (
        Acceptance.objects.filter(answer_id__in=ids["accept"], accepted=True).order_by("created_at")
        .values_list("answer_id", "created_at")
    ):
        moments["accept", answer_id] = created_at
    by_recipient: dict[int, list] = {}
    for row in rows:
        kind, _, object_id = row.dedupe_key.partition(":")
        moment = moments.get((kind, int(object_id))) if object_id.isdigit() else None
        if moment is not None:
            row.created_at = moment
        by_recipient.setdefault(row.recipient_id, []).append(row)
    rng = random.Random(first_pk)  # noqa: S311 - demo data
    recent = now - timedelta(days=UNREAD_DAYS)
    for recipient_id, items in by_recipient.items():
        items.sort(key=lambda row: (row.created_at, row.pk), reverse=True)
        handful = random.Random(f"unread:{recipient_id}").randint(2, MAX_UNREAD)  # noqa: S311 - demo data
        for number, row in enumerate(items):
            if number < handful and (row.created_at >= recent or number == 0):
                row.read_at = None
            else:
                row.read_at = min(row.created_at + timedelta(minutes=rng.randint(5, 60 * 48)), now)
            if row.emailed_at is not None:
                row.emailed_at = row.created_at
            if row.delivery == Notification.Delivery.DIGEST and row.created_at < now - timedelta(days=1):
                row.digested_at = row.created_at + timedelta(days=1)
    Notification.objects.bulk_update(rows, ["created_at", "read_at", "emailed_at", "digested_at"], batch_size=500)
    return len(rows)


class _Timeline:
    """Moments between a start and now, for one question thread (all strictly in the past)."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now

    def after(self, moment: datetime, share: float = 0.5, power: float = 2.0) -> datetime:
        window = (self.now - moment).total_seconds()
        seconds = max(60.0, window * share * self.rng.random() ** power)
        return min(moment + timedelta(seconds=seconds), self.now - timedelta(minutes=1))


def _create_thread(item: dict, users: dict, topics: dict, now: datetime) -> Question:
    title = item["title"]
    rng = random.Random(title)  # noqa: S311 - demo data, stable per question
    language = item["language"]
    author = _user(users, item["author"], title)
    pool = [u for name, u in users.items() if u.pk != author.pk]
    same_language = [u for u in pool if _language(u) == language] or pool
    topic = topics.get((item["topic"], language)) if item.get("topic") else None
    clock = _Timeline(rng, now)
    days_ago = item.get("days_ago", rng.uniform(0.4, SPREAD_DAYS - 1))
    asked_at = now - timedelta(days=days_ago, minutes=rng.randint(0, 600))
    moments: list[datetime] = [asked_at]

    where = title
    question = _call(
        where, services.ask_question, author, title=title, body=item["body"], tags=item.get("tags", []),
        topic=topic, language=language,
    )
    Question.objects.filter(pk=question.pk).update(created_at=asked_at)
    PostRevision.objects.filter(question=question).update(created_at=asked_at)
    Follow.objects.filter(question=question).update(created_at=asked_at)

    accepted = None
    answer_moment = asked_at
    for data in item.get("answers", [])[:MAX_ANSWERS]:
        answerer = _user(users, data["author"], title) if data.get("author") else rng.choice(same_language)
        if answerer.pk == author.pk:
            answerer = rng.choice(same_language)
        answer = _call(where, services.post_answer, answerer, question, body=data["body"])
        answer_moment = clock.after(answer_moment, share=0.35)
        moments.append(answer_moment)
        Answer.objects.filter(pk=answer.pk).update(created_at=answer_moment)
        PostRevision.objects.filter(answer=answer).update(created_at=answer_moment)
        moments += _comments(title, answer, data.get("comments", []), answer_moment, author, same_language, users, rng, clock)
        _votes(title, answer, data.get("votes", 0), answerer, pool, answer_moment, rng, clock)
        if data.get("accepted") and accepted is None:
            accepted = (answer, answer_moment)

    moments += _comments(title, question, item.get("comments", []), asked_at, author, same_language, users, rng, clock)
    _votes(title, question, item.get("votes", 0), author, pool, asked_at, rng, clock)
    for member in rng.sample(same_language, min(int(item.get("me_too", 0)), len(same_language))):
        _call(where, services.set_me_too, member, question)
        MeToo.objects.filter(question=question, user=member).update(created_at=clock.after(asked_at))
    if accepted:
        answer, answered_at = accepted
        _call(where, services.accept_answer, author, answer)
        accepted_at = clock.after(answered_at, share=0.2)
        moments.append(accepted_at)
        Acceptance.objects.filter(question=question).update(created_at=accepted_at)
    views = item.get("views") or int(rng.uniform(15, 60) * (1 + question_score(question.pk)) * (1 + days_ago / 30))
    Question.objects.filter(pk=question.pk).update(last_activity_at=max(moments), view_count=views)
    return question


def question_score(pk: int) -> int:
    return max(0, Question.objects.values_list("score", flat=True).get(pk=pk))


def _comments(where, post, comments, posted_at, asker, pool, users, rng, clock) -> list[datetime]:
    moments = []
    moment = posted_at
    for data in comments:
        if data.get("author") == "asker":
            commenter = asker
        elif data.get("author"):
            commenter = _user(users, data["author"], where)
        else:
            commenter = rng.choice([u for u in pool if u.pk != post.author_id] or pool)
        comment = _call(where, services.post_comment, commenter, post, body=data["body"])
        moment = clock.after(moment, share=0.2)
        Comment.objects.filter(pk=comment.pk).update(created_at=moment)
        moments.append(moment)
    return moments


def _votes(where, post, spec, author, pool, posted_at, rng, clock) -> None:
    """`votes: 3` is three up-votes, `votes: -1` one down-vote, `votes: [4, 1]` four up and one down."""
    up, down = (spec, 0) if isinstance(spec, int) and spec >= 0 else ((0, -spec) if isinstance(spec, int) else spec)
    voters = [u for u in pool if u.pk != author.pk]
    chosen = rng.sample(voters, min(up + down, len(voters)))
    target = {"answer": post} if isinstance(post, Answer) else {"question": post}
    for number, voter in enumerate(chosen):
        _call(where, services.vote, voter, post, 1 if number < up else -1)
        moment = clock.after(posted_at)
        Vote.objects.filter(voter=voter, **target).update(created_at=moment, updated_at=moment)
        VoteEvent.objects.filter(voter=voter, **target).update(created_at=moment)


def _user(users: dict, username: str, title: str):
    try:
        return users[username]
    except KeyError:
        raise DemoContentError(f"{title!r}: {username!r} is not in people.yaml") from None


def _language(user) -> str:
    profile = getattr(user, "profile", None)
    return profile.language if profile else "en"


def _call(where: str, function, user, *args, **kwargs):
    try:
        return function(services.Actor(user), *args, **kwargs)
    except (services.CommunityError, FieldError) as error:
        raise DemoContentError(f"{where!r}: {function.__name__} refused: {error}") from error
