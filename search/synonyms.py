"""Editor-managed synonyms, applied by both engines at query time.

Editors keep groups of words and phrases that mean the same in one language ("invoice / bill /
receipt", "解約 / キャンセル") in the Wagtail admin (Settings → Search synonyms, `search/wagtail_hooks.py`).
`expand()` gives each parsed query term the other members of its groups as extra variants; the
database backend matches any variant, the Elasticsearch backend ORs them as alternatives (a multi-word
variant as a phrase). Nothing is stored in the index, so a change applies to the next search without a
reindex: the groups are read through the shared cache (one query on a miss), and saving or deleting a
group drops that cache and bumps the result cache's generation after commit.

A term matches a group by its text or its stem, compared without spaces and hyphens, so "log-in",
"log in" and "login" all match a group holding any of them. Japanese has no spaces: a longer Japanese
term holding a group member ("プランを解約") also gets itself with each synonym in its place.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit, stamps

from .models import SynonymGroup
from .permissions import can_manage_synonyms
from .text import CJK, SEPARATORS, Term, normalise

logger = logging.getLogger(__name__)

CACHE_KEY = "search:synonyms:v1"
RESULT_GENERATION_KEY = "search:generation"  # search.indexing.GENERATION_KEY
GROUPS_STAMP = "search:synonyms:stamp"
CACHE_SECONDS = 24 * 3600  # dropped on every change anyway
MAX_TERMS = 20  # per group
MAX_TERM_CHARS = 60
MAX_WORDS = 4  # a phrase of at most four words
MIN_TERM_CHARS = 2
MAX_WITHIN = 8  # variants made by replacing a synonym inside a longer Japanese term
INPUT_SEPARATORS = ("\n", ",", "、", ";", "/")  # how editors may separate the words they type
_MISSING = object()


# --- validation -------------------------------------------------------------------------------------


def compact(text: str) -> str:
    """The key terms are compared by: no spaces, no hyphens ("log-in" = "log in" = "login")."""
    return text.replace(" ", "").replace("-", "")


def clean_terms(raw: str) -> list[str]:
    """The distinct normalised words and phrases of an editor's input, or a ValidationError listing
    every problem in words an editor understands."""
    pieces = [normalise(line) for line in raw.splitlines()]  # NFKC first: "，" becomes ","
    for separator in INPUT_SEPARATORS[1:]:
        pieces = [part for piece in pieces for part in piece.split(separator)]
    errors: list[str] = []
    terms: list[str] = []
    keys: set[str] = set()
    for piece in pieces:
        term = " ".join(piece.split())
        if not term:
            continue
        words = [w for w in SEPARATORS.split(term) if w]
        if " ".join(words) != term:
            marks = "".join(dict.fromkeys(c for c in term if c != " " and SEPARATORS.fullmatch(c)))
            errors.append(_("“%(term)s” contains characters search ignores (%(marks)s): use letters, digits, spaces and hyphens only.")
                          % {"term": term, "marks": marks})
            continue
        if len(term) < MIN_TERM_CHARS:
            errors.append(_("“%(term)s” is too short: a word or phrase needs at least %(min)d characters.")
                          % {"term": term, "min": MIN_TERM_CHARS})
            continue
        if len(term) > MAX_TERM_CHARS:
            errors.append(_("“%(term)s…” is too long: at most %(max)d characters per word or phrase.")
                          % {"term": term[:30], "max": MAX_TERM_CHARS})
            continue
        if len(words) > MAX_WORDS:
            errors.append(_("“%(term)s” has more than %(max)d words: synonyms are words or short phrases.")
                          % {"term": term, "max": MAX_WORDS})
            continue
        if compact(term) in keys:
            continue  # "e-mail" and "email" are one term to search
        keys.add(compact(term))
        terms.append(term)
    if errors:
        raise ValidationError(errors)
    if len(terms) < 2:
        raise ValidationError(_("Enter at least two different words or phrases, one per line (spellings that differ only by a space or hyphen count once)."))
    if len(terms) > MAX_TERMS:
        raise ValidationError(_("A group holds at most %(max)d words or phrases; split it into groups of related words.") % {"max": MAX_TERMS})
    return terms


def validate_group(group: SynonymGroup) -> None:
    """Normalise `group.terms` (one per line) or raise a ValidationError on the field that is wrong. A
    term belongs to one group per language (else editors could not tell which group applies)."""
    try:
        terms = clean_terms(group.terms or "")
    except ValidationError as error:
        raise ValidationError({"terms": error.messages}) from None
    group.terms = "\n".join(terms)
    keys = {compact(t): t for t in terms}
    others = SynonymGroup.objects.filter(language=group.language)
    if group.pk:
        others = others.exclude(pk=group.pk)
    clashes = []
    for other in others.only("pk", "terms", "language"):
        for existing in other.term_list:
            if compact(existing) in keys:
                clashes.append(
                    _("“%(term)s” is already in the group “%(group)s”: a word or phrase belongs to one group per language — add these words to that group instead.")
                    % {"term": keys[compact(existing)], "group": str(other)}
                )
    if clashes:
        raise ValidationError({"terms": clashes})


# --- reading ----------------------------------------------------------------------------------------


def groups() -> list[tuple[str, tuple[str, ...]]]:
    """Every group as (language, terms), from the shared cache (one query on a miss)."""
    key = f"{CACHE_KEY}:{stamps.read(GROUPS_STAMP)}"
    data = cache.get(key, _MISSING)
    if data is _MISSING:
        data = [(language, tuple(t for t in terms.splitlines() if t))
                for language, terms in SynonymGroup.objects.order_by("pk").values_list("language", "terms")]
        cache.set(key, data, CACHE_SECONDS)
    return data


def invalidate() -> None:
    """The groups changed: drop the cached groups and the cached search results (which used them)."""
    stamps.bump(GROUPS_STAMP)
    # Move the result cache's generation as `search.indexing` does on a document change (its key; this
    # module cannot import indexing: indexing imports the backends, which import this module).
    stamps.bump(RESULT_GENERATION_KEY)


def _changed() -> None:
    """Now (this transaction's own searches) and again after commit (a search in another process may
    have cached the old groups meanwhile)."""
    invalidate()
    transaction.on_commit(invalidate)


def query_language(query: Any) -> str:
    """The groups a search uses: those of its one selected language, else every language's ("" = all;
    a Japanese word only matches Japanese groups anyway)."""
    languages = tuple(getattr(query, "languages", ()) or ())
    return languages[0] if len(languages) == 1 else ""


def _within(text: str, index: dict[str, list[str]]) -> list[str]:
    """Japanese is written without spaces, so a term is often a run of words ("プランを解約"): each
    Japanese group member inside it gives the same run with a synonym in its place ("プランをキャンセル")."""
    variants: list[str] = []
    for key, members in index.items():
        if len(key) >= 2 and CJK.search(key) and key in text:
            variants.extend(text.replace(key, m) for m in members if compact(m) != key)
    return list(dict.fromkeys(variants))[:MAX_WITHIN]


def expand(terms: list[Term], language: str) -> list[Term]:
    """The same terms in order, each with extra variants: every other member of the editor-managed
    groups of `language` ("" = every language) that hold the term's text or stem. A multi-word variant
    ("sign in") means a phrase. Never raises: on any error the terms come back unchanged."""
    try:
        index: dict[str, list[str]] = {}
        for group_language, members in groups():
            if language and group_language != language:
                continue
            for member in members:
                index.setdefault(compact(member), []).extend(members)
        if not index:
            return terms
        out = []
        for term in terms:
            own = {compact(v) for v in (term.text, *term.variants)}
            extra: list[str] = []
            for key in own:
                extra.extend(m for m in index.get(key, ()) if compact(m) not in own)
            if not extra and CJK.search(term.text):
                extra = _within(term.text, index)
            if extra:
                term = Term(term.text, tuple(dict.fromkeys((*term.variants, *extra))), term.phrase)
            out.append(term)
        return out
    except Exception:  # a search must never fail because of synonyms
        logger.exception("search synonyms: expansion failed; searching without synonyms")
        return terms


# --- changes (the admin's views call these) ---------------------------------------------------------


def _snapshot(group: SynonymGroup) -> dict[str, str]:
    return {"language": group.language, "terms": " / ".join(group.term_list)}


def save_group(actor: Any, group: SynonymGroup) -> SynonymGroup:
    """Create (`group.pk` is None) or update a group: permission → validation → write → audit entry →
    after commit, drop the cached groups and results."""
    creating = group.pk is None
    if not can_manage_synonyms(actor, "add" if creating else "change"):
        raise PermissionDenied(_("You cannot manage search synonyms."))
    with transaction.atomic():
        before = None
        if not creating:
            before = _snapshot(SynonymGroup.objects.select_for_update().get(pk=group.pk))
        validate_group(group)
        group.save()
        after = _snapshot(group)
        if before != after:
            audit.record(actor, "search.synonyms.create" if creating else "search.synonyms.edit", group, before=before, after=after)
        _changed()
    return group


def delete_group(actor: Any, group: SynonymGroup) -> None:
    if not can_manage_synonyms(actor, "delete"):
        raise PermissionDenied(_("You cannot manage search synonyms."))
    with transaction.atomic():
        group = SynonymGroup.objects.select_for_update().get(pk=group.pk)
        audit.record(actor, "search.synonyms.delete", group, before=_snapshot(group))
        group.delete()
        _changed()
