"""Query parsing, light English stemming, trigrams and highlighting shared by the search backends."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.utils.html import escape

MAX_TERMS = 8
# Words that say nothing about the topic: dropped from a query unless it has nothing else.
STOPWORDS = frozenset(
    "a an the my i me is are am was be to of in on for and or how do does did can could what why when where "
    "it its this that with at by from your you our we not no".split()
)
# Lucene/FTS syntax and punctuation are never operators here: they separate words.
SEPARATORS = re.compile(r"[\s\"'`~!@#$%^&*()\[\]{}<>|\\/:;,.?=+¥、。・「」『』（）！？：；…]+")
PHRASE = re.compile(r'"([^"]+)"')
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Term:
    text: str
    variants: tuple[str, ...]  # the text and its stem; any of them may match
    phrase: bool = False


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    return " ".join(CONTROL.sub(" ", text).split()).lower()


def stem(word: str) -> str:
    """A deliberately light English stemmer: matching is by substring, so "password" finds "passwords";
    only the query side needs its suffix removed ("passwords" → "password", "resetting" → "reset")."""
    if not word.isascii() or len(word) <= 3:
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                continue  # "updates" → "update" via "s"
            base = word[: -len(suffix)] + replacement
            if suffix in ("ing", "ed") and len(base) >= 4 and base[-1] == base[-2]:
                base = base[:-1]  # "resetting" → "reset"
            return base
    return word


def parse(query: str) -> list[Term]:
    """Quoted phrases stay whole; other words become terms with their stems. Returns at most 8 terms."""
    query = normalise(query)
    terms: list[Term] = []
    for phrase in PHRASE.findall(query):
        words = [w for w in SEPARATORS.split(phrase) if w]
        if words:
            text = " ".join(words)
            terms.append(Term(text, (text,), phrase=len(words) > 1))
    rest = PHRASE.sub(" ", query)
    seen = {t.text for t in terms}
    for word in SEPARATORS.split(rest):
        if not word or word in seen or (len(word) == 1 and not CJK.search(word)):
            continue
        seen.add(word)
        variants = tuple(dict.fromkeys((word, stem(word))))
        terms.append(Term(word, variants))
    meaningful = [t for t in terms if t.phrase or t.text not in STOPWORDS]
    return (meaningful or terms)[:MAX_TERMS]


def trigrams(word: str) -> list[str]:
    return list(dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2)))


def highlight(text: str, terms: list[Term], *, limit: int | None = None) -> str:
    """Escaped `text` with <mark> around every match of a term; with `limit`, a window around the first
    match of about that many characters."""
    text = text or ""
    needles = sorted({v for t in terms for v in (*t.variants, t.text) if v}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None
    if limit is not None and len(text) > limit:
        start = 0
        if pattern and (first := pattern.search(text)):
            start = max(0, first.start() - limit // 3)
            while start > 0 and not text[start - 1].isspace() and first.start() - start < limit // 2 and not CJK.search(text[start]):
                start -= 1
        window = text[start : start + limit]
        text = ("…" if start else "") + window + ("…" if start + limit < len(text) else "")
    if not pattern:
        return escape(text)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)
