"""The one public entry to search for the other apps: query parsing and tokenising, searching with the
result cache, and indexing through document providers. Other apps import this module only; everything
else in `search` is its own business.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.core.cache import cache

from . import japanese, vocabulary
from .backends import get_backend
from .backends.base import MAX_QUERY, Results, SearchQuery, Suggestion
from .indexing import (
    SIGNAL_FIELDS,
    DocumentProvider,
    ensure_index,
    expected_count,
    generation,
    reader_url,
    register_document_provider,
    reindex,
    reindex_all,
    remove,
    text_of,
    update_signals,
)
from .synonyms import expand, query_language
from .text import CJK, MAX_TERMS, SEPARATORS, STOPWORDS, Term, normalise, parse

__all__ = [
    "CJK", "MAX_QUERY", "MAX_TERMS", "SIGNAL_FIELDS", "STOPWORDS", "DocumentProvider", "Results", "SearchQuery",
    "Suggestion", "Term", "cached_search", "cached_suggest", "ensure_index", "expected_count", "generation",
    "normalise", "parse", "reader_url", "register_document_provider", "register_topic_labels", "reindex", "reindex_all", "relaxed_search",
    "remove", "search", "text_of", "title_terms", "topic_labels", "update_signals",
]

WORD_RE = re.compile(r"\w+", re.UNICODE)
CJK_RUN = re.compile(f"(?:{CJK.pattern})+")
# The query parser's stopwords, plus words that carry no meaning in a question title.
TITLE_STOPWORDS = STOPWORDS | {"after", "into", "use", "using"}  # (the rest are STOPWORDS already)


def title_terms(text: str) -> list[str]:
    """Significant words of a title (at most `MAX_TERMS`). A Japanese run (no spaces) gives its words
    (`japanese.words`: "返金はできますか" → 返金) as the overlapping three-character pieces of the run that hold
    part of a word, which the index's trigrams find wherever they occur in a title; the particles and verb
    endings between words ("はでき", "きます") are left out, as they would match unrelated titles. A run
    without such words is cut into pieces whole, as before."""
    terms = []
    text = CJK_RUN.sub(lambda m: f" {m.group(0)} ", normalise(text))  # "hubをリセット" → hub, をリセット
    for word in WORD_RE.findall(text):
        if CJK_RUN.fullmatch(word):
            terms.extend(_japanese_pieces(word))
        elif len(word) >= 3 and word not in TITLE_STOPWORDS:
            terms.append(word)
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def _japanese_pieces(run: str) -> list[str]:
    pieces = [run[i : i + 3] for i in range(max(1, len(run) - 2))]
    owner = [-1] * len(run)  # which of the run's words each character belongs to
    start = 0
    for number, word in enumerate(japanese.words(run)):
        at = run.find(word, start)
        if at < 0:
            continue
        owner[at : at + len(word)] = [number] * len(word)
        start = at + len(word)
    if len(run) < 3 or max(owner) < 0:
        return pieces
    # A piece counts when it holds two characters of one word: "の返金" for 返金, never "ブがオ" (ハブ + オフライン).
    return [piece for i, piece in enumerate(pieces)
            if any(owner[i : i + 3].count(number) >= 2 for number in set(owner[i : i + 3]) if number >= 0)]


TopicLabels = Callable[[list[str], str], dict[str, str]]
_topic_labels: list[TopicLabels] = []


def register_topic_labels(labels: TopicLabels) -> None:
    """`labels(slugs, language)` gives the title of each topic (by slug) in that language: the app owning
    topics registers it, so that filters are named in the reader's language whatever documents were found."""
    _topic_labels.append(labels)


def topic_labels(slugs: list[str], language: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for labels in _topic_labels if slugs else ():
        found.update(labels(slugs, language))
    return found


def search(query: SearchQuery) -> Results:
    """Search now (Elasticsearch when configured and up, else the database), without the result cache."""
    return get_backend().search(query)


def cached_search(query: SearchQuery) -> Results:
    """`search` through the result cache, keyed by the index generation (never stale). Degraded answers
    (Elasticsearch down) are not cached."""
    key = "search:results:" + hashlib.sha256(
        json.dumps([generation(), query.__dict__], sort_keys=True, default=str).encode()
    ).hexdigest()
    results = cache.get(key)
    if results is None:
        results = search(query)
        if not results.degraded and settings.SEARCH_RESULT_CACHE_SECONDS:
            cache.set(key, results, settings.SEARCH_RESULT_CACHE_SECONDS)
    return results


FEW_RESULTS = 3  # fewer results than this for every word: more without one of them follow (`relaxed_search`)
ALSO_SHOWN = 5
ALSO_MAX_TERMS = 8  # more results for few only up to this many words
ATTEMPTS = 4  # searches without one word tried at most (the likeliest words to leave out first)


def relaxed_search(query: SearchQuery, results: Results) -> Results:
    """`results` (of `query`, through the cache), widened when they are few for a query of two words or more:

    - none: the results without one of the words ("thermostat too hot" → thermostat hot), marked with the word
      left out; with three words or more and none of them enough to leave out, the titles and tags sharing the
      most words;
    - one or two (on the first page): the same results, then up to `ALSO_SHOWN` more without one of the words
      (`also`, `also_missing`): "hub keeps rebooting" holds one title, and the hub articles follow.

    Of the words that can go, a lone one-kanji verb stem first ("工場出荷時に戻す": 戻 matched 払い戻し), then a
    word the index does not hold in any spelling or synonym, then a word of the problem's circumstances (typed
    after "at", "after", "every", "when"…: `_circumstances`), then the one whose results' best titles hold the
    most of the words kept (in any spelling or synonym), then the one whose absence leaves the fewest results,
    so the query's rarer words stay. At most `ATTEMPTS` + 1 more searches (the likeliest words to leave out
    tried first), each through the cache, only for a query that found so little."""
    if results.degraded or query.match != "all" or results.total >= FEW_RESULTS or (results.total and query.page != 1):
        return results
    terms = parse(query.text, known=vocabulary.known)  # as the backends parse it (katakana compounds cut)
    if len(terms) < 2 or (results.total and len(terms) > ALSO_MAX_TERMS):
        return results
    seen = {hit.key for hit in results.hits}
    best, left_out, text = _without_one(query, terms, seen)
    if results.total:
        if best is None:
            return results
        also = [hit for hit in best.hits if hit.key not in seen][:ALSO_SHOWN]
        return replace(results, also=also, also_missing=(left_out,))
    if best is not None:
        if query.page != 1:  # the word is chosen on the first page, so that every page leaves out the same one
            best = cached_search(replace(query, text=text))
        return replace(best, query=query, missing=(left_out,))
    if len(terms) > 2:  # titles and tags sharing most of the words (as the ask form finds them)
        found = cached_search(replace(query, match="any"))
        if found.total and not found.degraded:
            return replace(found, query=query, partial=True)
    return results


def _without_one(query: SearchQuery, terms: list[Term], seen: set[str]) -> tuple[Results | None, str, str]:
    """The best first page of `query` without one of its terms that finds something not in `seen` (keys), that
    term's text and the query's text without it (None, "", "" when no such query finds anything new)."""
    best, best_key, word, best_text = None, None, "", ""
    expanded = dict(zip((id(t) for t in terms), expand(terms, query_language(query)), strict=True))
    priority = _leave_out_first(terms, expanded, normalise(query.text).replace(" ", ""))
    circumstances = _circumstances(query.text, terms)
    order = sorted(terms, key=lambda t: (-priority[id(t)][1], id(t) not in circumstances, -priority[id(t)][0]))[:ATTEMPTS]
    for left_out in order:
        kept = [t for t in terms if t is not left_out]
        text = " ".join(f'"{t.text}"' if t.phrase else t.text for t in kept)
        found = cached_search(replace(query, text=text, page=1))
        new = [hit for hit in found.hits if hit.key not in seen]
        if not new or found.degraded:
            continue
        # A lone one-kanji stem or a word the index lacks first; then a word of the circumstances ("camera not
        # recording at night": night); then results whose best titles hold the words kept ("is my data sold":
        # the titles about data, not the one body that says "sold"; "damaged" for "broken"), then the fewest
        # results (the rarer words stay).
        key = (priority[id(left_out)][1], id(left_out) in circumstances,
               _title_cover(new, [expanded[id(t)] for t in kept]), -found.total)
        if best_key is None or key > best_key:
            best, best_key, word, best_text = found, key, left_out.text, text
    return best, word, best_text


ONE_KANJI = re.compile(f"{japanese.KANJI.pattern}")
# Words that open the circumstances of a problem rather than the problem ("offline every night", "crashes after
# the update", "stops during a call"): the words after them are the first to leave out when nothing holds all.
CIRCUMSTANCE_MARKERS = frozenset("at after during every each since when whenever while before around until".split())


def _circumstances(text: str, terms: list[Term]) -> set[int]:
    """The ids of the terms typed after a circumstance marker (English words only: "night" in "my hub keeps
    going offline every night"), the problem's words being those before it."""
    words = [word for word in SEPARATORS.split(normalise(text)) if word]
    start = next((i for i, word in enumerate(words) if word in CIRCUMSTANCE_MARKERS), None)
    if start is None:
        return set()
    after = set(words[start + 1:]) - set(words[:start])
    return {id(t) for t in terms if not t.phrase and t.text.isascii() and t.text in after}


# The heads of a compound that name an action done to the thing before them ("電池交換", "パスワード変更"); not the
# heads that name a topic of their own (通知, 料金, 返金, 配送…).
ACTION_HEADS = frozenset("交換 修理 設定 変更 確認 解除 登録 削除 接続 更新".split())


def _leave_out_first(terms: list[Term], expanded: dict[int, Term], typed: str = "") -> dict[int, tuple[float, int]]:
    """For each term (by id): (the order to try leaving it out in, how strongly it should go). Strongly: a lone
    one-kanji verb stem (2), a word the index holds in none of its spellings and synonyms, or the action at the
    end of a Japanese compound typed as one (`typed`: the query without spaces; "交換" of "電池交換", `ACTION_HEADS`)
    (1). The order tries
    those first, then (in `_without_one`) the words of the circumstances, then the rarest words (leaving a
    common one out rarely finds anything new), in the query's order."""
    def single(variant: str) -> bool:
        return " " not in variant and "-" not in variant

    def forms(term: Term) -> list[str]:  # a term's one-word spellings and synonyms, with their inflections
        return [form for v in (term.text, *expanded[id(term)].variants) if single(v) for form in vocabulary.inflections(v)]

    countable = {form for term in terms for form in forms(term)}
    counts = vocabulary.known(countable) if countable else {}
    out = {}
    for position, term in enumerate(terms):
        variants = forms(term)
        if ONE_KANJI.fullmatch(term.text):
            strength = 2
        elif term.text in ACTION_HEADS and any(
            other.text + term.text in typed and other.text not in japanese.COMPOUND_HEADS for other in terms
        ):  # "電池交換" typed as one: the action (交換) goes before the thing it is done to (電池)
            strength = 1
        elif (not term.phrase and not any(counts.get(v) for v in variants)
              and all(single(v) and vocabulary.is_word(v) for v in (term.text, *expanded[id(term)].variants))):
            # Latin words only: Japanese is matched inside longer runs, which the vocabulary does not list.
            strength = 1
        else:
            strength = 0
        docs = max((counts.get(v, 0) for v in variants), default=0)
        out[id(term)] = (strength * 1e12 - docs - position * 1e-3, strength)
    return out


def _title_cover(hits: list, terms: list[Term], first: int = 3) -> int:
    """How many of `terms` the best of the first hits' titles holds (any spelling or synonym of a term counts)."""
    return max((sum(1 for t in terms if any(v in hit.title.lower() for v in t.variants)) for hit in hits[:first]),
               default=0)


def cached_suggest(text: str, language: str) -> list[dict]:
    """Autocomplete suggestions (as dicts) for a normalised prefix, through the result cache."""
    key = "search:suggest:" + hashlib.sha256(json.dumps([generation(), text, language]).encode()).hexdigest()
    items = cache.get(key)
    if items is None:
        items = [s.__dict__ for s in get_backend().suggest(text, language)]
        if settings.SEARCH_RESULT_CACHE_SECONDS:
            cache.set(key, items, settings.SEARCH_RESULT_CACHE_SECONDS)
    return items
