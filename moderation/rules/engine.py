"""The pre-publish rule engine: compiled rules, the facts about a post and its author, and the verdict.

Speed. Rules are compiled once per process and kept with the *version* they were compiled at: a short
string read from the cache (`VERSION_KEY`; rebuilt from the rules table — count, highest id, latest
`updated_at` — when missing). Saving or deleting a rule through `moderation.rules.services` drops the key
after commit, so every process recompiles on its next post; the key also expires after `VERSION_TTL`
seconds, so a change made behind the services' back (a shell, a data migration) is picked up within a
minute. A post therefore costs one cache read for the rules, plus only the queries the rules that apply
need (each at most once per post, each bounded by an index and a LIMIT):

- the author's moderator standing (moderators are never screened), once some rule applies;
- their posts so far (first-posts rule, "new member") and their published posts ("new member"): one query;
- the same text posted recently (spam score): one query.
The spam-score threshold setting is read through the cache too (a change applies within `VERSION_TTL`).
Measured by `manage.py bench_rules` (devtools).

Time. Keyword, domain and link rules are linear in the text; keywords are first looked for as plain
substrings (every rule's at once), and a rule's boundary-aware pattern runs only when one of its own is
there. A regular expression written by an admin is
run by the `regex` module with a `timeout` (`REGEX_TIMEOUT` each, `REGEX_BUDGET` for all of a post's):
a rule that times out, or that cannot be compiled, does not publish the post unchecked nor drop it — the
post is held for a moderator, and the rule is logged.

New member (link limit, spam score): an account younger than `NEW_MEMBER_DAYS` days, or with fewer than
`NEW_MEMBER_POSTS` published posts (questions, answers and comments together).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

import regex
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import Answer, Comment, Question
from community.screening import Draft, Verdict
from community.status import PostStatus

from ..models import ModerationSettings, Rule
from . import text as textlib

logger = logging.getLogger(__name__)

VERSION_KEY = "moderation:rules:version"
SPAM_THRESHOLD_KEY = "moderation:rules:spam_hold_score"
VERSION_TTL = 60  # seconds: the longest a change made outside the services goes unnoticed
REGEX_TIMEOUT = 0.02  # seconds one regular expression may run on one post
REGEX_BUDGET = 0.1  # seconds all of a post's regular expressions may run together
REGEX_FLAGS = regex.IGNORECASE | regex.UNICODE
NEW_MEMBER_DAYS = 7
NEW_MEMBER_POSTS = 3
DUPLICATE_WINDOW = 500  # the latest posts of each kind compared with a new post for "the same text"
KIND = Rule.Kind

# --- compiled rules -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledRule:
    pk: int | None
    name: str
    kind: str
    action: str
    applies_to: str
    language: str
    number: int | None
    message: str
    message_ja: str
    matcher: Any = None  # keyword: an `re` pattern over folded text; regex: a `regex` pattern
    domains: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()  # keyword rule: its keywords, folded
    error: str = ""  # a stored pattern that does not compile (created behind the form's back)

    def applies(self, draft: Draft) -> bool:
        return (self.applies_to in ("all", draft.kind)) and (not self.language or self.language == draft.language)


def keyword_lines(pattern: str) -> list[str]:
    """The keywords of a keyword rule (one per line, folded like the text; blank lines skipped)."""
    return list(dict.fromkeys(word for word in (textlib.fold(line) for line in pattern.splitlines()) if word))


def keyword_pattern(words: list[str]) -> re.Pattern | None:
    """One pattern for a keyword rule. Pure-ASCII keywords must not touch another ASCII letter or digit
    ("ass" does not match "class"); any other keyword (Japanese, mixed) matches anywhere, as Japanese has
    no spaces between words ("解約" matches inside "今すぐ解約したい")."""
    parts = []
    for word in sorted(words, key=len, reverse=True):
        escaped = re.escape(word)
        if word.isascii():
            before = r"(?<![0-9a-z])" if word[0].isalnum() else ""
            after = r"(?![0-9a-z])" if word[-1].isalnum() else ""
            escaped = before + escaped + after
        parts.append(escaped)
    return re.compile("|".join(parts)) if parts else None


def domain_lines(pattern: str) -> list[tuple[str, str]]:
    """(line as written, normalised domain or "") for each non-blank line of a blocked-domain rule. A line
    may be a bare domain, a URL, "*.domain" or "www.domain"; subdomains are always covered."""
    result = []
    for line in pattern.splitlines():
        line = line.strip()
        if not line:
            continue
        candidate = line.removeprefix("*.").removeprefix(".")
        host = textlib.host_of(candidate) if ("/" in candidate or ":" in candidate) else textlib.normalize_host(candidate)
        result.append((line, host if _valid_domain(host) else ""))
    return result


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _valid_domain(host: str) -> bool:
    labels = host.split(".")
    return len(host) <= 253 and len(labels) >= 2 and all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def compile_regex(pattern: str) -> regex.Pattern:
    return regex.compile(pattern, REGEX_FLAGS)


def compile_rule(rule: Rule) -> CompiledRule:
    fields = {
        "pk": rule.pk, "name": rule.name, "kind": rule.kind, "action": rule.action, "applies_to": rule.applies_to,
        "language": rule.language, "number": rule.number, "message": rule.message, "message_ja": rule.message_ja,
    }
    if rule.kind == KIND.SPAM_SCORE or rule.kind == KIND.FIRST_POSTS:
        fields["action"] = Rule.Action.HOLD  # these only ever hold a post for review
    try:
        if rule.kind == KIND.KEYWORD:
            words = keyword_lines(rule.pattern)
            fields["matcher"], fields["words"] = keyword_pattern(words), frozenset(words)
        elif rule.kind == KIND.REGEX:
            fields["matcher"] = compile_regex(rule.pattern) if rule.pattern.strip() else None
        elif rule.kind == KIND.BLOCKED_DOMAIN:
            fields["domains"] = frozenset(host for _line, host in domain_lines(rule.pattern) if host)
    except (regex.error, re.error, ValueError, OverflowError, RecursionError) as error:
        logger.error("pre-publish rule %s (%s) does not compile: %s", rule.pk, rule.name, error)
        fields["error"] = str(error)
    return CompiledRule(**fields)


@dataclass(frozen=True)
class Snapshot:
    version: str = ""
    rules: tuple[CompiledRule, ...] = ()
    blocked: frozenset[str] = frozenset()  # every enabled blocked-domain rule's domains (a spam signal)
    keywords: frozenset[str] = frozenset()  # every keyword of every rule (substring tests rule most posts out)


_snapshot = Snapshot()


def current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        numbers = Rule.objects.aggregate(count=Count("pk"), top=Max("pk"), last=Max("updated_at"))
        last = numbers["last"].timestamp() if numbers["last"] else 0
        version = f"{numbers['count']}:{numbers['top'] or 0}:{last}"
        cache.set(VERSION_KEY, version, VERSION_TTL)
    return version


def default_spam_threshold() -> int:
    """ModerationSettings.spam_hold_score, read through the cache (a change applies within VERSION_TTL)."""
    threshold = cache.get(SPAM_THRESHOLD_KEY)
    if threshold is None:
        threshold = ModerationSettings.load().spam_hold_score
        cache.set(SPAM_THRESHOLD_KEY, threshold, VERSION_TTL)
    return threshold


def invalidate() -> None:
    """The rules changed: every process recompiles them on its next post (call after commit)."""
    cache.delete_many([VERSION_KEY, SPAM_THRESHOLD_KEY])


def active_rules() -> Snapshot:
    """The enabled rules, compiled (this process's copy while the version has not moved)."""
    global _snapshot
    version = current_version()
    if version == _snapshot.version:
        return _snapshot
    rules = tuple(compile_rule(rule) for rule in Rule.objects.filter(enabled=True).order_by("name", "pk"))
    words = frozenset(word for rule in rules for word in rule.words)
    snapshot = _snapshot = Snapshot(version, rules, blocked_domains(rules), words)  # one assignment: thread-safe
    return snapshot


# --- what the rules look at ---------------------------------------------------------------------------------


class Member:
    """The author as the rules see them: the account's age, and how many posts (of any status) the first-
    posts rules ask about at most (`posts_cap`)."""

    def __init__(self, user: Any, now=None, *, posts_cap: int = NEW_MEMBER_POSTS) -> None:
        self.user = user
        self.now = now or timezone.now()
        self.posts_cap = max(posts_cap, 1)

    @cached_property
    def age(self) -> timedelta:
        joined = getattr(self.user, "date_joined", None)
        return self.now - joined if joined else timedelta(0)


class Hypothetical(Member):
    """A brand-new member with no posts (the admin's "try it": the rule is tried as if they posted)."""

    def __init__(self) -> None:
        super().__init__(None)


POST_MODELS = (Question, Answer, Comment)


@dataclass(frozen=True)
class Facts:
    posts: int = 0  # the member's posts of any status, counted up to the cap asked for
    published: int = 0  # their published posts, counted up to NEW_MEMBER_POSTS
    same_text_mine: int = 0  # their recent posts with exactly this body (up to 5)
    same_text_others: int = 0  # other members' recent posts with exactly this body (up to 5)


def _union(template: str) -> str:
    """`template` (with `{table}`) for each kind of post, joined by UNION ALL. Table names come from the
    models, never from input; every value is a query parameter."""
    return " UNION ALL ".join(template.format(table=connection.ops.quote_name(model._meta.db_table)) for model in POST_MODELS)


def _count(union: str, limit: str) -> str:
    return "(SELECT COUNT(*) FROM (" + union + " LIMIT " + limit + ") AS counted)"  # noqa: S608 (constants)


def load_facts(user_id: int | None, posts_cap: int, body: str | None) -> Facts:
    """What the rules need to know from the database, in one query of bounded scalar subqueries (each
    stops at its LIMIT; posts by author use the author index, same-text looks at the newest
    `DUPLICATE_WINDOW` posts of each kind by primary key). `user_id` None: no counts; `body` None: no
    same-text check."""
    # S608: the SQL is assembled from constant fragments and model table names only (see _union)
    columns: list[str] = []
    params: list[Any] = []
    if user_id is not None:
        every = _union("SELECT 1 FROM {table} WHERE author_id = %s")
        published = _union("SELECT 1 FROM {table} WHERE author_id = %s AND status = %s")
        columns.append(_count(every, "%s"))
        columns.append(_count(published, "%s"))
        params += [user_id] * 3 + [posts_cap] + [user_id, PostStatus.PUBLISHED] * 3 + [NEW_MEMBER_POSTS]
    if body is not None:
        recent = "body = %s AND id >= COALESCE((SELECT id FROM {table} ORDER BY id DESC LIMIT 1 OFFSET %s), 0)"
        columns.append(_count(_union("SELECT 1 FROM {table} WHERE author_id = %s AND " + recent), "5"))  # noqa: S608
        columns.append(_count(_union("SELECT 1 FROM {table} WHERE author_id <> %s AND " + recent), "5"))  # noqa: S608
        author = user_id or 0  # no member has id 0: "others" is everyone
        params += [author, body, DUPLICATE_WINDOW - 1] * 3 + [author, body, DUPLICATE_WINDOW - 1] * 3
    if not columns:
        return Facts()
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)  # noqa: S608 (see _union)
        row = [int(value) for value in cursor.fetchone()]
    if user_id is None:
        row = [0, 0, *row]
    return Facts(*row) if body is not None else Facts(row[0], row[1])


@dataclass
class Subject:
    """A draft and everything the rules read from it, each computed once. `wants_same_text`: a spam-score
    rule applies, so the one facts query also looks for the same text posted recently."""

    draft: Draft
    member: Member
    blocked: frozenset[str] = frozenset()  # every enabled blocked-domain rule's domains (a spam signal)
    keywords: frozenset[str] | None = None  # Snapshot.keywords (None: each rule's own)
    wants_same_text: bool = True
    regex_deadline: float = field(default_factory=lambda: time.monotonic() + REGEX_BUDGET)

    @cached_property
    def raw(self) -> str:
        return f"{self.draft.title}\n{self.draft.body}" if self.draft.title else self.draft.body

    @cached_property
    def nfkc(self) -> str:
        return textlib.nfkc(self.raw)

    @cached_property
    def folded(self) -> str:
        return textlib.fold(self.raw)

    @cached_property
    def keyword_candidates(self) -> frozenset[str] | None:
        """The keywords found in the text as substrings (a fast C-level test each); a rule's pattern then
        checks word boundaries only when one of its keywords is among them. None: not pre-computed."""
        if self.keywords is None:
            return None
        folded = self.folded
        return frozenset(word for word in self.keywords if word in folded)

    @cached_property
    def links(self) -> textlib.Links:
        return textlib.scan_links(self.nfkc)

    @cached_property
    def facts(self) -> Facts:
        user_id = getattr(self.member.user, "pk", None)
        body = self.draft.body if self.wants_same_text and len(self.draft.body) >= 20 else None  # "Thanks!" twice is fine
        return load_facts(user_id, self.member.posts_cap, body)

    def posts_up_to(self, limit: int) -> int:
        """The member's posts of any status (held, hidden and deleted ones count: they were posts)."""
        if limit > self.member.posts_cap:  # not asked for by the screen (the admin's "try it")
            return min(limit, load_facts(getattr(self.member.user, "pk", None), limit, None).posts)
        return min(limit, self.facts.posts)

    @property
    def published_posts(self) -> int:
        return self.facts.published

    @property
    def is_new_member(self) -> bool:
        return self.member.age < timedelta(days=NEW_MEMBER_DAYS) or self.published_posts < NEW_MEMBER_POSTS

    @property
    def duplicates(self) -> tuple[int, int]:
        """(recent posts by the author, by others) with exactly this body."""
        return (self.facts.same_text_mine, self.facts.same_text_others)

    @cached_property
    def spam(self) -> tuple[int, list[str]]:
        """The spam score and its signals (computed once, whatever the number of spam-score rules)."""
        return spam_score(self, extra_blocked=self.blocked)


# --- the verdict --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One rule that fired: what it does, why (for moderators) and what the author is told."""

    rule: CompiledRule
    action: str  # "reject" or "hold"
    detail: str
    message: str


def author_message(rule: CompiledRule, default: str) -> str:
    """The rule's message in the author's language (the active one: the page they post from)."""
    language = (translation.get_language() or "en").split("-")[0]
    if language == "ja" and rule.message_ja.strip():
        return rule.message_ja.strip()
    return rule.message.strip() or default


def held_message() -> str:
    return _("Your post will appear once a moderator has looked at it.")


def check(rule: CompiledRule, subject: Subject) -> Hit | None:
    """Does `rule` fire on the subject? (`None`: it does not.)"""
    kind, number = rule.kind, rule.number
    if rule.error:
        return Hit(rule, "hold", _("the rule's pattern is invalid; held until it is fixed"), held_message())
    if kind == KIND.KEYWORD:
        candidates = subject.keyword_candidates
        worth = rule.matcher is not None and (candidates is None or not candidates.isdisjoint(rule.words))
        match = rule.matcher.search(subject.folded) if worth else None
        if match:
            return _hit(rule, _("keyword “%(word)s”") % {"word": match.group(0)},
                        _("Your post contains words that are not allowed here. Please rephrase it."))
    elif kind == KIND.REGEX:
        return _regex(rule, subject)
    elif kind == KIND.BLOCKED_DOMAIN:
        for host in sorted(subject.links.domains):
            domain = textlib.domain_matches(host, rule.domains)
            if domain:
                return _hit(rule, _("blocked domain %(domain)s") % {"domain": host},
                            _("Links to %(domain)s are not allowed here.") % {"domain": domain})
    elif kind == KIND.LINK_LIMIT:
        if number is not None and subject.links.count > number and subject.is_new_member:
            return _hit(rule, _("%(count)s links from a new member (limit %(number)s)") % {"count": subject.links.count, "number": number},
                        _("New members may include at most %(number)s links in a post. Please remove some links and try again.") % {"number": number})
    elif kind == KIND.FIRST_POSTS:
        if number and subject.posts_up_to(number) < number:
            return _hit(rule, _("one of the member's first %(number)s posts") % {"number": number}, held_message())
    elif kind == KIND.ACCOUNT_AGE:
        if number and subject.member.age < timedelta(hours=number):
            return _hit(rule, _("account younger than %(hours)s hours") % {"hours": number},
                        _("New accounts can post %(hours)s hours after signing up. Please try again later.") % {"hours": number})
    elif kind == KIND.SPAM_SCORE:
        threshold = number if number is not None else default_spam_threshold()
        score, signals = subject.spam
        if score >= threshold:
            return _hit(rule, _("spam score %(score)s (threshold %(threshold)s): %(signals)s")
                        % {"score": score, "threshold": threshold, "signals": ", ".join(signals)}, held_message())
    return None


def _hit(rule: CompiledRule, detail: str, default_message: str) -> Hit:
    message = author_message(rule, default_message if rule.action == "reject" else held_message())
    return Hit(rule, rule.action, detail, message)


def _regex(rule: CompiledRule, subject: Subject) -> Hit | None:
    if rule.matcher is None:
        return None
    remaining = subject.regex_deadline - time.monotonic()
    try:
        if remaining <= 0:
            raise TimeoutError("no time left for this post's regular expressions")
        match = rule.matcher.search(subject.nfkc, timeout=min(REGEX_TIMEOUT, remaining))
    except TimeoutError:
        logger.warning("pre-publish rule %s (%s): regular expression timed out; post held", rule.pk, rule.name)
        return Hit(rule, "hold", _("the regular expression timed out; held to be safe"), held_message())
    if match:
        return _hit(rule, _("pattern matched “%(text)s”") % {"text": match.group(0)[:60]},
                    _("Your post contains something that is not allowed here. Please rephrase it."))
    return None


def blocked_domains(rules: tuple[CompiledRule, ...] | list[CompiledRule]) -> frozenset[str]:
    """Every given blocked-domain rule's domains (a spam-score signal whatever the rule's scope)."""
    return frozenset(d for rule in rules if rule.kind == KIND.BLOCKED_DOMAIN for d in rule.domains)


# Spam score: each signal adds points (the total is capped at 100). The names are shown to moderators.
SPAM_POINTS = {
    "link": 8,  # per link, at most LINK_POINTS_MAX
    "blocked_domain": 50,
    "same_text_mine": 25,  # the author posted exactly this text recently
    "same_text_others": 40,  # someone else did: copy-paste spam across accounts
    "account_day": 20,  # account younger than a day
    "account_week": 10,  # younger than a week
    "no_published_posts": 10,
    "shouting": 15,  # mostly upper-case Latin letters
    "mostly_links": 15,  # the text is little more than its links
}
LINK_POINTS_MAX = 40


def spam_score(subject: Subject, *, extra_blocked: frozenset[str] = frozenset()) -> tuple[int, list[str]]:
    """A 0–100 score from simple signals and the signals that contributed (for moderators)."""
    points: list[tuple[int, str]] = []
    links = subject.links
    if links.count:
        points.append((min(LINK_POINTS_MAX, SPAM_POINTS["link"] * links.count),
                       ngettext("%(count)s link", "%(count)s links", links.count) % {"count": links.count}))
    if extra_blocked and any(textlib.domain_matches(host, extra_blocked) for host in links.domains):
        points.append((SPAM_POINTS["blocked_domain"], _("blocked domain")))
    mine, others = subject.duplicates
    if others:
        points.append((SPAM_POINTS["same_text_others"], _("same text as another member's post")))
    elif mine:
        points.append((SPAM_POINTS["same_text_mine"], _("same text as an earlier post")))
    age = subject.member.age
    if age < timedelta(days=1):
        points.append((SPAM_POINTS["account_day"], _("account younger than a day")))
    elif age < timedelta(days=NEW_MEMBER_DAYS):
        points.append((SPAM_POINTS["account_week"], _("account younger than a week")))
    if subject.published_posts == 0:
        points.append((SPAM_POINTS["no_published_posts"], _("no published posts yet")))
    letters, caps = textlib.caps_ratio(subject.nfkc)
    if letters >= 20 and caps > 0.6:
        points.append((SPAM_POINTS["shouting"], _("mostly capital letters")))
    if links.count and len(subject.folded) < 40 * links.count:
        points.append((SPAM_POINTS["mostly_links"], _("little text besides links")))
    return min(100, sum(p for p, _name in points)), [f"{name} +{p}" for p, name in points]


SEVERITY = {"hold": 1, "reject": 2}


def evaluate(rules: tuple[CompiledRule, ...] | list[CompiledRule], subject: Subject) -> tuple[Verdict | None, list[Hit]]:
    """Run `rules` (those that apply to the draft) and combine: reject beats hold; the author sees the
    message of the first rule of the winning action; moderators see every rule that fired."""
    # text rules first: a rejection spares the member-fact queries
    text_kinds = (KIND.KEYWORD, KIND.REGEX, KIND.BLOCKED_DOMAIN)
    ordered = [r for r in rules if r.kind in text_kinds] + [r for r in rules if r.kind not in text_kinds]
    hits: list[Hit] = []
    for rule in ordered:
        if hits and rule.kind not in text_kinds and any(h.action == "reject" for h in hits):
            break  # already rejected: nothing below can change that
        hit = check(rule, subject)
        if hit is not None:
            hits.append(hit)
    if not hits:
        return None, hits
    worst = max(SEVERITY[h.action] for h in hits)
    first = next(h for h in hits if SEVERITY[h.action] == worst)
    reasons = tuple(f"{h.rule.name} ({h.detail})"[:200] for h in hits)
    return Verdict("reject" if worst == 2 else "hold", first.message, reasons), hits
