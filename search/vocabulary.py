"""The vocabulary of the indexed text (`SearchWord`): which words exist and in how many documents.

It serves two things the embedded engine cannot get from its indexes cheaply: the typo correction (a
mistyped word is replaced by the known word closest to it — trigram candidates, then edit distance — and the
search returns the few documents holding that word, not every document sharing a trigram), and compound
words (`search.text.parse` asks which parts and joined forms exist). SQLite fills it from the word index
(`fts5vocab`), PostgreSQL from `ts_stat`; single writes add their new words as they are indexed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import F

from .japanese import KATAKANA_WORD, LONG_VOWEL, katakana_runs
from .models import SearchDocument, SearchWord
from .text import CJK, normalise, stem, trigrams

WORD = re.compile(r"[^\W_]+")
MAX_WORD = 64
CANDIDATES = 200  # vocabulary words sharing trigrams with a mistyped one, compared by edit distance
WORD_TABLE = "search_word_fts"  # title, body, accepted answer and tags by word (migration 0006)
WORD_VOCAB = "search_word_vocab"  # fts5vocab over it
TRIGRAM_TABLE = "search_document_fts"
TRIGRAM_VOCAB = "search_trigram_vocab"  # fts5vocab over the trigram table (Japanese words of 1–2 characters)
SPELLING_TABLE = "search_spelling_fts"  # the vocabulary by trigram (typo candidates)


def is_word(word: str) -> bool:
    """A Latin-script word of the vocabulary (Japanese is not cut into words by the indexes)."""
    return 1 <= len(word) <= MAX_WORD and not word.isdigit() and not CJK.search(word)


def is_katakana_word(word: str) -> bool:
    """A katakana word of the vocabulary ("セットアップ"): a query typing katakana words together
    ("カメラセットアップ") is cut into those the texts hold (`search.japanese.katakana_compound`)."""
    return len(word) <= MAX_WORD and bool(KATAKANA_WORD.fullmatch(word)) and bool(word.strip(LONG_VOWEL))


def words_of(*texts: str) -> set[str]:
    """The vocabulary's words of some texts: Latin words and katakana runs."""
    found: set[str] = set()
    for text in texts:
        text = normalise(text)
        found |= {w for w in WORD.findall(text) if is_word(w)}
        found |= {w for w in katakana_runs(text) if is_katakana_word(w)}
    return found


def record(*texts: str, before: tuple[str, ...] = ()) -> None:
    """Count the words of a document just written (`texts`), which held `before` when it was written last: the
    words it gained count one document more, those it lost one less (atomic increments, so concurrent writers
    of other documents keep every count true)."""
    words, old = words_of(*texts), words_of(*before)
    added, lost = words - old, old - words
    if added:
        SearchWord.objects.bulk_create([SearchWord(word=w, docs=0) for w in added], ignore_conflicts=True)
        SearchWord.objects.filter(word__in=added).update(docs=F("docs") + 1)
    if lost:
        SearchWord.objects.filter(word__in=lost, docs__gt=0).update(docs=F("docs") - 1)
    if added or lost:
        forget_known()


def forget(*texts: str) -> None:
    """A document that held `texts` is gone: its words count one document less."""
    record(before=texts)


_known: dict[tuple[int, frozenset[str]], dict[str, int]] = {}
KNOWN_KEPT = 256  # word sets remembered per process, for the current index generation only


def known(words: set[str]) -> dict[str, int]:
    """Which of `words` the documents hold, with their document counts (one query). A word that is an editor's
    synonym of several words written together ("login" for the group's "log in") counts as known (1 when the
    documents lack it): "log in" is then one term, and finds "sign in" through its group.

    The same words asked again before the index changes (the ask form searches articles and questions with one
    text; a search without one of its words parses the rest again) cost no query: the answer is kept per index
    generation, which every document write (and a synonym change) moves on."""
    from portal.page_cache import stamp

    from .synonyms import RESULT_GENERATION_KEY, compact, groups

    cjk = {w for w in words if CJK.search(w)}  # katakana words are counted; other Japanese only a synonym's member
    words = {w for w in words if is_word(w)} | cjk
    if not words:
        return {}
    key = (stamp(RESULT_GENERATION_KEY), frozenset(words))
    if key in _known:
        return dict(_known[key])
    counted = (words - cjk) | {w for w in cjk if is_katakana_word(w)}
    found = (dict(SearchWord.objects.filter(word__in=counted, docs__gt=0).values_list("word", "docs"))
             if counted else {})
    for _language, members in groups():
        for member in members:
            compacted = compact(member)
            if (compacted != member or compacted in cjk) and compacted in words:
                found.setdefault(compacted, 1)
    if len(_known) >= KNOWN_KEPT or any(old[0] != key[0] for old in list(_known)[:1]):
        _known.clear()  # full, or kept for an older generation
    _known[key] = dict(found)
    return found


def forget_known() -> None:
    """Drop the kept answers of `known` (the vocabulary was rebuilt or written outside a generation change)."""
    _known.clear()


def rebuild() -> int:
    """Recount the vocabulary from the documents (after a bulk load); returns how many words."""
    SearchWord.objects.all().delete()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT term, doc FROM {WORD_VOCAB}")  # noqa: S608 - constant name
            rows = [(term, docs) for term, docs in cursor.fetchall() if is_word(term)]
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT word, ndoc FROM ts_stat($$SELECT to_tsvector('simple', title || ' ' || body || ' ' || "
                "accepted_text || ' ' || tags) FROM search_searchdocument$$)"
            )
            rows = [(term, docs) for term, docs in cursor.fetchall() if is_word(term) and "-" not in term]
        else:  # pragma: no cover - the two supported databases
            rows = []
    rows += _katakana_counts()
    SearchWord.objects.bulk_create([SearchWord(word=w, docs=n) for w, n in rows], batch_size=2000)
    forget_known()
    return len(rows)


def _katakana_counts() -> list[tuple[str, int]]:
    """The katakana words of the documents and how many hold each (the indexes do not cut Japanese into
    words): read once, document by document, in a bulk rebuild only."""
    counts: dict[str, int] = {}
    texts = SearchDocument.objects.values_list("title", "body", "accepted_text", "tags")
    for row in texts.iterator(chunk_size=2000):
        if not any(CJK.search(text) for text in row if text):
            continue
        for word in {w for text in row if text for w in katakana_runs(normalise(text)) if is_katakana_word(w)}:
            counts[word] = counts.get(word, 0) + 1
    return list(counts.items())


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance (insertions, deletions, substitutions and swaps of neighbours), `limit + 1` when over."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _candidates(word: str) -> list[tuple[str, int]]:
    grams = trigrams(word)
    if not grams:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            match = " OR ".join('"' + g.replace('"', '""') + '"' for g in grams)
            cursor.execute(
                f"SELECT w.word, w.docs FROM search_searchword w WHERE w.id IN (SELECT rowid FROM {SPELLING_TABLE} "  # noqa: S608
                f"WHERE {SPELLING_TABLE} MATCH %s ORDER BY rank LIMIT {CANDIDATES})",
                [match],
            )
        else:
            sql = f"SELECT word, docs FROM search_searchword WHERE word %% %s ORDER BY similarity(word, %s) DESC LIMIT {CANDIDATES}"  # noqa: S608
            cursor.execute(sql, [word, word])
        return cursor.fetchall()


def correct(word: str) -> str | None:
    """The known word closest to a mistyped one (at most 1 edit up to 6 letters, 2 beyond, the first letter
    kept; the commonest of the closest), or None when there is none."""
    limit = 1 if len(word) <= 6 else 2
    best: tuple[int, int, str] | None = None
    for candidate, docs in _candidates(word):
        # The first letter is rarely the one mistyped (the Elasticsearch backend's fuzzy matching keeps it too,
        # prefix_length=1): "mower" is not "power", nor "lawn mower" "law power".
        # Nor is a word typed "corrected" to a piece of itself ("user" → "use", "lawn" → "law"): matching is by
        # substring, so that only loosens the query to every text saying "use" or "because".
        if not docs or candidate in word or len(candidate) < 3 or candidate[0] != word[0]:
            continue
        d = distance(word, candidate, limit)
        if d == 2 and _same_stem(word, candidate):
            continue  # another form of the word ("detector" / "detection"), not a typo of it
        if d <= limit and (best is None or (d, -docs) < best[:2]):
            best = (d, -docs, candidate)
    return best[2] if best else None


def _same_stem(word: str, candidate: str) -> bool:
    """Whether two words differ only in an ending of other letters: two edits there make another form of the
    word (a word the index lacks, "detector", is not a misspelt "detection"). Letters swapped in the ending are
    a typo still ("firmwear" → "firmware")."""
    shared = 0
    for a, b in zip(word, candidate, strict=False):
        if a != b:
            break
        shared += 1
    return shared >= max(len(word), len(candidate)) - 3 and sorted(word[shared:]) != sorted(candidate[shared:])


def inflections(word: str) -> list[str]:
    """A word and its regular English inflections ("update" → updates, updated, updating), and an adjective's
    comparatives ("fast" → faster, fastest: "battery dying fast" / "drains much faster"; never "charge" → charger)."""
    if not word.isascii() or not word.isalpha():
        return [word]
    forms = [word, word + "s", word + "es", word + "ed", word + "ing"]
    if word.endswith("e"):
        forms += [word + "d", word[:-1] + "ing"]
    if word.endswith("y"):
        forms += [word[:-1] + "ies", word[:-1] + "ied"]
    return forms + comparatives(word) + derivations(word)


def derivations(word: str) -> list[str]:
    """The nouns a help text makes of a verb the customer typed: "renew" → renewal ("stop auto renew"), "install"
    → installation, "connect" → connection, "replace" → replacement, "remove" → removal. "-ion"/"-ation"/"-ment"
    only from words of six letters or more ("base" is no "basement", "state" no "statement", "pass" no "passion"),
    "-al" only after w or v ("sign" is no "signal"); a form no text holds costs nothing (the index has no such
    word). PostgreSQL's substring match finds these too; Elasticsearch's stemmer finds some of them."""
    if not word.isascii() or not word.isalpha():
        return []
    base = word[:-1] if word.endswith("e") else word  # "locate" → location, "configure" → configuration
    nouns = []
    if len(word) >= 6:
        nouns.append(word + "ment")  # replacement, adjustment
        nouns.append(base + "ion" if base.endswith(("t", "ss")) else base + "ation")  # connection, installation
    if len(word) >= 5 and base.endswith(("w", "v")):
        nouns.append(base + "al")  # renewal, removal, arrival, approval, withdrawal
    return [form for noun in nouns for form in (noun, noun + "s")]


# Adjectives customers describe a problem with, whose comparatives the help texts use ("drains faster").
COMPARABLE = frozenset(
    "fast slow quick loud quiet bright dim dark hot cold warm cool long short high low big small weak strong late "
    "early cheap safe easy hard heavy light new old close far".split()
)


def comparatives(word: str) -> list[str]:
    """"fast" → faster, fastest; "hot" → hotter; "easy" → easier; "safe" → safer: for `COMPARABLE` words only."""
    if word not in COMPARABLE:
        return []
    if word.endswith("e"):
        return [word + "r", word + "st"]
    if word.endswith("y"):
        return [word[:-1] + "ier", word[:-1] + "iest"]
    if len(word) == 3 and word[1] in "aeiou" and word[2] not in "aeiouwy":
        return [word + word[-1] + "er", word + word[-1] + "est"]  # hotter, bigger
    return [word + "er", word + "est"]


def bases(word: str) -> set[str]:
    """The words a regular English inflection may come from ("delayed" → delay, "updated" → update, "copies" →
    copy): when the index holds one, the word is another form of a known word, not a typo."""
    if not word.isascii() or not word.isalpha():
        return set()
    forms = {stem(word)}
    if word.endswith(("ed", "es")):
        forms |= {word[:-1], word[:-2]}
    elif word.endswith("s"):
        forms.add(word[:-1])
    if word.endswith("ing"):
        forms |= {word[:-3], word[:-3] + "e"}
    forms |= {base for base in COMPARABLE if word in comparatives(base)}  # "faster", "safer", "hotter"
    if word.endswith(("ied", "ies")):
        forms.add(word[:-3] + "y")
    return {form for form in forms if len(form) >= 3 and form != word}


def corrections(words: Iterable[str]) -> dict[str, str]:
    return {w: c for w in words if (c := correct(w))}
