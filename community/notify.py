"""Who hears about a community event. Runs in the `fan_out` task after the post's transaction commits.

Events: "question" (a new question: its @mentions), "answer" (the asker, mentions, followers), "comment"
(the author of the post commented on, mentions, followers) and "accept" (the answer's author, followers).
Each recipient hears about an event once, under its most specific kind, and the actor never hears about
their own action. Mentions: `@username`, or `@` followed by a display name ("@Alice Chen", "@山田 花子").
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.text import Truncator

from portal.models import Notification, Profile
from portal.notifications import Message, notify, text_from_html
from portal.ratelimit import consume

from .models import Answer, Comment, Follow, Question
from .status import PostStatus

Kind = Notification.Kind
MAX_MENTIONS = 10  # distinct members one post can notify by @mention
# Mentions a member's posts can turn into notifications per hour (portal.ratelimit window). Past it (or
# past MAX_MENTIONS in one post) a mention is still shown as text but silently notifies nobody: the post
# itself is never refused for it, and the fan-out runs after the commit, where nobody could be told.
MENTION_BUDGET = (30, 3600)
MENTION = re.compile(r"(?<![\w@.+-])@([^\s@][^@\n]{0,49})")
TRAILING = ".,!?:;)]}\"'、。！？」』）"
USERNAME = re.compile(r"[\w.+-]+")
HONORIFICS = ("さん", "様", "さま", "くん", "ちゃん", "氏", "先生")


def post_target(kind: str, pk: int) -> str:
    """The generic reference to a post that its notifications carry (see `portal.notifications.redact`)."""
    return f"community.{kind}:{pk}"


def thread_targets(question_id: int | None = None, answer_id: int | None = None) -> list[str]:
    """The references of a question (or one answer) and of everything still shown under it: what goes from
    the notification list when it is deleted, and comes back when it is restored."""
    if answer_id is not None:
        comments = Comment.objects.filter(answer_id=answer_id, status=PostStatus.PUBLISHED)
        return [post_target("answer", answer_id), *(post_target("comment", pk) for pk in comments.values_list("pk", flat=True))]
    answers = list(Answer.objects.filter(question_id=question_id, status=PostStatus.PUBLISHED).values_list("pk", flat=True))
    comments = Comment.objects.filter(question_id=question_id, status=PostStatus.PUBLISHED).filter(
        Q(answer__isnull=True) | Q(answer__status=PostStatus.PUBLISHED)
    )
    return [
        post_target("question", question_id),
        *(post_target("answer", pk) for pk in answers),
        *(post_target("comment", pk) for pk in comments.values_list("pk", flat=True)),
    ]


EXCERPT_CHARS = 200


def _excerpt(text: str) -> str:
    """The start of the post as plain text (entities decoded, a line per paragraph and list item): the
    notification list and the emails escape it once."""
    return Truncator(text).chars(EXCERPT_CHARS)


def _mention_candidates(text: str) -> tuple[set[str], set[str]]:
    """Usernames and display-name candidates (1 to 4 words after each @), lower-cased."""
    usernames: set[str] = set()
    names: set[str] = set()
    for match in MENTION.finditer(text):
        words = match.group(1).split()
        first = USERNAME.match(words[0]) if words else None
        if first:
            usernames.add(first.group(0).lower())
        for count in range(1, min(4, len(words)) + 1):
            candidate = " ".join(words[:count]).rstrip(TRAILING)
            if candidate:
                names.add(candidate.lower())
                for suffix in HONORIFICS:  # "@山田 花子さん" names 山田 花子
                    if candidate.endswith(suffix) and len(candidate) > len(suffix):
                        names.add(candidate[: -len(suffix)].lower())
    return usernames, names


def mentioned_user_ids(text: str, participants: dict[int, str] | None = None) -> list[int]:
    """Members named with @ in `text`: by username, by display name, or (for names without spaces between
    words, as in Japanese) by a thread participant's display name that follows an @."""
    usernames, names = _mention_candidates(text)
    found: list[int] = []
    lowered = text.lower()
    for uid, name in (participants or {}).items():
        if name and f"@{name.lower()}" in lowered:
            found.append(uid)
    if usernames or names:
        by_name = Q()
        for name in list(names)[:40]:
            by_name |= Q(profile__display_name__iexact=name)
        for username in list(usernames)[:20]:
            by_name |= Q(username__iexact=username)
        rows = list(
            get_user_model().objects.filter(by_name, is_active=True)
            .values_list("pk", "username", "profile__display_name")[: MAX_MENTIONS * 4]
        )
        # Two members may share a display name (real people do): a name several members carry names the thread's
        # participant of that name, else nobody (a stranger who copied a name gets no one's mentions); a
        # username names exactly one member.
        holders: dict[str, list[int]] = {}
        for pk, _username, display_name in rows:
            if display_name:
                holders.setdefault(display_name.lower(), []).append(pk)
        for pk, username, display_name in rows:
            shared = len(holders.get((display_name or "").lower(), ())) > 1
            if username.lower() in usernames or not shared or pk in (participants or {}):
                found.append(pk)
    unique = list(dict.fromkeys(found))
    return unique[:MAX_MENTIONS]


def _mention_allowed(actor_id: int | None) -> bool:
    """Count one mention notification against the poster's hourly budget."""
    limit, period = MENTION_BUDGET
    return actor_id is None or not consume("mention", str(actor_id), limit=limit, period=period)


def _participants(question: Question) -> dict[int, str]:
    author_ids = {question.author_id}
    author_ids.update(Answer.objects.filter(question=question).values_list("author_id", flat=True))
    author_ids.update(Comment.objects.filter(question=question).values_list("author_id", flat=True))
    return dict(Profile.objects.filter(user_id__in=author_ids).values_list("user_id", "display_name"))


def _followers(question: Question) -> list[int]:
    return list(Follow.objects.filter(question=question).values_list("user_id", flat=True))


def dispatch(event: str, object_id: int, actor_id: int | None = None) -> list[Notification]:
    """Create the notifications for one event. Safe to run twice: the dedupe key stops repeats."""
    handler = HANDLERS.get(event)
    if handler is None:
        return []
    plan = handler(object_id)
    if plan is None:
        return []
    question, url, html, direct, followers_too, target = plan
    recipients: dict[int, Kind | None] = {}
    for uid, kind in direct:
        recipients.setdefault(uid, kind)
    text = text_from_html(html)
    for uid in mentioned_user_ids(text, _participants(question)):
        if uid not in recipients and uid != actor_id and _mention_allowed(actor_id):
            recipients[uid] = Kind.MENTION
    if followers_too:
        for uid in _followers(question):
            recipients.setdefault(uid, Kind.FOLLOWED)
    recipients.pop(actor_id, None)
    recipients = {uid: kind for uid, kind in recipients.items() if kind is not None}  # None: told elsewhere
    key = f"{event}:{object_id}"
    excerpt = _excerpt(text)
    return notify(
        {
            uid: Message(
                kind=kind, dedupe_key=key, title=question.title, url=url, excerpt=excerpt, actor_id=actor_id,
                target=target, language=question.language,
            )
            for uid, kind in recipients.items()
        }
    )


def _question_event(object_id: int):
    question = Question.objects.alive().filter(pk=object_id).first()
    if question is None:
        return None
    return question, question.get_absolute_url(), question.body_html, [], False, post_target("question", question.pk)


def _answer_event(object_id: int):
    answer = Answer.objects.alive().select_related("question").filter(pk=object_id).first()
    if answer is None:
        return None
    question = answer.question
    # A support team's answer reaches the asker through their support case (one notification, not two).
    direct = [(question.author_id, None if answer.is_support_reply else Kind.ANSWER)]
    return question, answer.get_absolute_url(), answer.body_html, direct, True, post_target("answer", answer.pk)


def _comment_event(object_id: int):
    comment = (
        Comment.objects.alive().select_related("question", "answer").filter(pk=object_id).first()
    )
    if comment is None:
        return None
    question = comment.question
    post_author = comment.answer.author_id if comment.answer_id else question.author_id
    url = f"{question.get_absolute_url()}#comment-{comment.pk}"
    return question, url, comment.body_html, [(post_author, Kind.COMMENT)], True, post_target("comment", comment.pk)


def _accept_event(object_id: int):
    answer = Answer.objects.alive().select_related("question").filter(pk=object_id).first()
    if answer is None or answer.question.accepted_answer_id != answer.pk:
        return None
    # The accepted answer's text was already announced when it was posted: no mentions from it again.
    direct = [(answer.author_id, Kind.ACCEPTED)]
    return answer.question, answer.get_absolute_url(), "", direct, True, post_target("answer", answer.pk)


HANDLERS = {"question": _question_event, "answer": _answer_event, "comment": _comment_event, "accept": _accept_event}
