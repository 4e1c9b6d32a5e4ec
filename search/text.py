"""Query parsing, light English stemming, trigrams and highlighting shared by the search backends."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import escape

from . import japanese

MAX_TERMS = 8
# Words that say nothing about the topic: dropped from a query (one of nothing else finds nothing).
STOPWORDS = frozenset(
    "a an the my i me is are am was be to of in on for and or how do does did can could what why when where "
    "it its this that with at by from your you our we not no which who whom whose".split()
) | frozenset(
    # How a question is phrased rather than what it is about: negations typed without their apostrophe ("cant",
    # "wont") and the halves the apostrophe leaves ("won't" → "won" + "t"), and the filler of a question ("hub
    # keeps going offline", "how long does shipping take"). Help texts rarely repeat them, so requiring them
    # hid the answer ("cant log in" was even "corrected" to "can log").
    "cant cannot wont dont doesnt isnt didnt arent wasnt werent couldnt wouldnt shouldnt havent hasnt hadnt "
    "won don doesn isn didn aren wasn weren couldn wouldn shouldn haven hasn hadn ain im ive ve ll re "
    "keep keeps keeping kept going trying tried want wants wanted need needs needed please anyone someone still just really "
    "also ever suddenly anymore any take takes took get gets got getting been will would should there has "
    "have had problem problems issue issues working too very so quite much many use but says "
    "goes go went every each always sometimes often again randomly constantly never here only even though "
    "although yet now one being "
    # English analysers' stopwords (Elasticsearch drops them too) and the words that open a problem's
    # circumstances ("after the update", "during a call": the problem is before them).
    "as if into such their then these they after during since while before around until whenever".split()
)
# Lucene/FTS syntax and punctuation are never operators here: they separate words.
SEPARATORS = re.compile(r"[\s\"'`~!@#$%^&*()\[\]{}<>|\\/:;,.?=+¥、。・「」『』（）！？：；…]+")
PHRASE = re.compile(r'"([^"]+)"')
LETTER_OR_DIGIT = re.compile(r"[^\W_]")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]")
CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Term:
    text: str
    variants: tuple[str, ...]  # the text, its stem, other spellings; any may match (several words: a phrase)
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
            if suffix == "s" and word.endswith(("us", "ss", "is")):
                break  # "plus", "status", "access", "analysis" are not plurals ("plus" would find "plug")
            base = word[: -len(suffix)] + replacement
            if suffix in ("ing", "ed") and len(base) >= 4 and base[-1] == base[-2]:
                base = base[:-1]  # "resetting" → "reset"
            return base
    return word


# Irregular English verbs (the stemmer only strips suffixes): a form typed also finds the others a help text may
# use ("thermostat lost connection" / "keeps losing connection"). Matching is by word and its inflections, so
# each form is listed once; forms shorter than four letters are left out (they would match inside other words), and
# so are forms with another common meaning ("stuck" is no "stick", "left" no "leave").
_IRREGULAR_GROUPS = (
    ("lose", "lost", "losing"), ("break", "broke", "broken"), ("pay", "paid"), ("send", "sent"),
    ("freeze", "froze", "frozen"), ("forget", "forgot", "forgotten"), ("buy", "bought"), ("fall", "fell", "fallen"),
    ("wake", "woke", "woken"), ("write", "wrote", "written"), ("hide", "hid", "hidden"), ("shake", "shook"),
    ("drive", "drove", "driven"), ("bring", "brought"), ("catch", "caught"), ("teach", "taught"), ("seek", "sought"),
    ("hang", "hung"), ("feel", "felt"), ("mean", "meant"), ("build", "built"),
)
IRREGULAR = {form: tuple(other for other in group if other != form and len(other) >= 4)
             for group in _IRREGULAR_GROUPS for form in group}
LATIN = re.compile(r"[a-z][a-z0-9]*")  # a word that may join another into a compound ("log" + "in")
# Letters and digits written together: an error code ("e104", the texts write "E-104") or a number with its
# unit ("5ghz", written "5 GHz").
CODE = re.compile(r"([a-z]{1,3})([0-9]+)|([0-9]+)([a-z]{1,4})")
HIRAGANA_CHAR = re.compile(r"[\u3041-\u309f]")


def _splits(word: str) -> list[tuple[str, str]]:
    """The ways a Latin word could be two words written together ("login" → "log in"): the second part has at
    least two letters, the first one letter ("email" → "e mail") or three or more — two only in a word of four
    ("wifi" → "wi fi"), or "reset" would also look for "re set"."""
    if not LATIN.fullmatch(word) or len(word) < 4:
        return []
    return [(word[:i], word[i:]) for i in range(1, len(word) - 1) if i != 2 or len(word) == 4]


def _compound_forms(*parts: str) -> tuple[str, ...]:
    """Every spelling of a compound: joined, hyphenated and as separate words ("login", "log-in", "log in")."""
    return ("".join(parts), "-".join(parts), " ".join(parts))


def parse(query: str, known: Callable[[set[str]], dict[str, int]] | None = None) -> list[Term]:
    """Quoted phrases stay whole; other words become terms with their stems. Returns at most 8 terms.

    Compound words find each other's spellings: a hyphenated word ("e-mail") also matches joined and spaced
    ("email", "e mail"). With `known` (which of some words the index holds, and in how many documents), two
    adjacent words whose joined form is a known word become one term ("log in" → login / log-in / log in),
    and a word that is two known words written together also matches them apart ("setup" → "set up").
    A variant with several words is a phrase: the words adjacent, a space or a hyphen between them."""
    query = normalise(query)
    terms: list[Term] = []
    quoted: set[str] = set()  # a word typed in quotes is wanted even if it is a stopword ("about": Settings → About)
    for phrase in PHRASE.findall(query):
        words = [w for w in SEPARATORS.split(phrase) if w]
        if words:
            text = " ".join(words)
            quoted.add(text)
            terms.append(Term(text, (text,), phrase=len(words) > 1))
    rest = PHRASE.sub(" ", query)
    words = japanese_words([w for w in SEPARATORS.split(rest) if w])
    found: dict[str, int] = {}
    if known is not None:
        pairs = [(a, b) for a, b in zip(words, words[1:], strict=False) if LATIN.fullmatch(a) and LATIN.fullmatch(b)]
        wanted = {a + b for a, b in pairs} | {a + stem(b) for a, b in pairs}  # "false alarms": "falsealarm"?
        wanted |= {part for w in words for split in _splits(w) for part in split}
        wanted |= {w for w in words if len(japanese.kanji_compound(w)) > 1}  # kept whole if a synonym names it
        # A katakana run and its pieces: whole when the texts hold it, else the katakana words they hold.
        wanted |= {piece for w in words for piece in japanese.katakana_pieces(w) | {w} if japanese.katakana_pieces(w)}
        wanted |= {reading for w in words for reading in japanese.katakana_readings(w)}  # "かめら": カメラ?
        # "ルーター" (alone or as a compound's head, "ワイヤレスルーター"): do the texts write "ルータ"?
        wanted |= {short for w in words for form in (w, japanese.katakana_head(w))
                   if form and (short := japanese.without_final_long_vowel(form))}
        found = known(wanted) if wanted else {}
    # A kanji compound typed together is the words the texts write apart ("電池交換" → 電池, 交換); so is a katakana
    # compound the texts do not hold whole ("カメラセットアップ" → カメラ, セットアップ).
    words = [part for w in words for part in ([w] if w in found else japanese.kanji_compound(w))]
    words = japanese.without_fillers(words)  # "設定方法" → 設定 (方法 only asks how)
    if found:
        words = [part for w in words for part in japanese.katakana_compound(w, found)]
    seen = {t.text for t in terms}
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        following = words[i + 1] if i + 1 < len(words) else ""
        joined = following and LATIN.fullmatch(word) and LATIN.fullmatch(following) and (
            word + following in found or word + stem(following) in found
        )
        if joined:
            text = f"{word} {following}"  # "log in": also "login" and "log-in"; "false alarms": also "false alarm"
            if text not in seen:
                seen.add(text)
                forms = _compound_forms(word, following)
                if stem(following) != following:
                    forms += _compound_forms(word, stem(following))
                terms.append(Term(text, forms))
            skip = True
            continue
        if not word or word in seen or (len(word) == 1 and not CJK.search(word)):
            continue
        seen.add(word)
        variants = [word, stem(word), *IRREGULAR.get(word, ())]
        parts = [p for p in word.split("-") if p]
        if len(parts) > 1 and all(LATIN.fullmatch(p) for p in parts):
            variants += _compound_forms(*parts)  # "e-mail": also "email" and "e mail"
        reading = next((kana for kana in japanese.katakana_readings(word) if kana in found), None)
        if reading:  # "かめら", "ろぐいんで": typed in hiragana, also the katakana word the texts hold (カメラ, ログイン)
            variants.append(reading)
        head = japanese.katakana_head(word)
        if head:  # "スマートロック": also what the texts call it, "ロック"
            variants.append(head)
        # "ルーター": also "ルータ", when the texts write it so (the shorter spelling finds both), for the word and
        # for its head ("ワイヤレスルーター" → ルータ); never a piece of a compound ("ワイヤレスキー" is no "ワイヤレスキ").
        for form in (word, head):
            if form and (short := japanese.without_final_long_vowel(form)) and short in found:
                variants.append(short)
        if code := CODE.fullmatch(word):  # "e104": also "e-104" and "e 104"
            variants += _compound_forms(*(part for part in code.groups() if part))[1:]
        splits = [(a, b) for a, b in _splits(word) if a in found and b in found]
        if splits:  # "setup": also "set up" / "set-up"; the split whose rarer part is commonest
            a, b = max(splits, key=lambda split: min(found[split[0]], found[split[1]]))
            variants += _compound_forms(a, b)[1:]
        terms.append(Term(word, tuple(dict.fromkeys(variants))))
    return [t for t in terms if _meaningful(t) or (t.text in quoted and LETTER_OR_DIGIT.search(t.text))][:MAX_TERMS]


def _meaningful(term: Term) -> bool:
    """Whether a term says what the query is about: not a stopword, not a lone kana particle ("の"). A query of
    nothing else ("the", "how do i") finds nothing rather than every document that says "the"."""
    if term.phrase or " " in term.text:
        return True
    if not LETTER_OR_DIGIT.search(term.text):  # "--", "📷": no word at all (every engine's analyser drops it)
        return False
    return term.text not in STOPWORDS and not (len(term.text) == 1 and HIRAGANA_CHAR.match(term.text))


def starts_a_word(text: str, needle: str) -> bool:
    """Whether `needle` occurs in `text` (both normalised) at the start of a word — anywhere for Japanese, which
    has no spaces between words. Autocomplete matches as the reader types: "pass" finds "password", "two" not
    "network"."""
    if CJK.search(needle):
        return needle in text
    at = text.find(needle)
    while at >= 0:
        if at == 0 or not text[at - 1].isalnum():
            return True
        at = text.find(needle, at + 1)
    return False


# What may follow a word or its stem in the same word ("resetting": reset + t + ing; "connection", "installation",
# "replacement": the same topic as "connect", "install", "replace").
INFLECTED = r"(?:s|es|ed|d|e|ing|ings|er|ers|y|ies|[a-z](?:ing|ed|er)|ion|ions|ation|ations|ment|ments|able)?"


@functools.lru_cache(maxsize=512)
def _mention(needle: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9])" + re.escape(needle) + INFLECTED + r"(?![a-z0-9])")


def mentions(text: str, needle: str) -> int:
    """How many times `text` (normalised, lower case) says `needle`: a Latin word as a word of its own or an
    inflection of it ("camera" in "cameras", "reset" in "resetting"; "even" never in "events", "log" never in
    "blog" or "login"), Japanese anywhere (no spaces between words)."""
    if not needle:
        return 0
    if CJK.search(needle) or not needle[:1].isalnum() or not needle.isascii():
        return text.count(needle)
    return len(_mention(needle).findall(text))


def japanese_words(tokens: list[str]) -> list[str]:
    """The tokens with each Japanese one cut into the words a document must hold (`japanese.words`: "カメラが
    録画できない" → カメラ, 録画). The tokens as they were when nothing would be left."""
    out: list[str] = []
    for token in tokens:
        out.extend(japanese.words(token, after_word=bool(out)))
    return out or tokens


def without_stopwords(text: str) -> str:
    """Free text for an engine's own analyser without the words `parse` drops (each whitespace-separated word
    whose pieces are all stopwords or single Latin letters: "can't", "how"), unless nothing would be left."""
    kept = []
    for word in text.split():
        pieces = [p for p in SEPARATORS.split(normalise(word)) if p]
        if any(p not in STOPWORDS and (len(p) > 1 or CJK.search(p)) for p in pieces):
            kept.append(word)
    return " ".join(kept) or text


def japanese_text(text: str) -> str:
    """Free text for an engine's own analyser, its Japanese tokens replaced by their words (Latin words as
    typed)."""
    tokens = []
    for token in text.split():
        tokens.extend([w for w in SEPARATORS.split(token) if w] if japanese.JAPANESE.search(token) else [token])
    return " ".join(japanese_words(tokens)) if tokens else text


def with_katakana_cut(text: str, terms: list[Term]) -> str:
    """Free text for an engine's own analyser with each katakana run `parse` cut into words ("カメラセットアップ"
    → カメラ セットアップ, see `japanese.katakana_compound`) written as those words: the terms say how."""
    texts = [t.text for t in terms]

    def cut(word: str) -> list[str]:
        if word in texts or not japanese.katakana_pieces(word):
            return [word]
        parts = [t for t in texts if japanese.KATAKANA_WORD.fullmatch(t) and t in word]
        return parts if "".join(parts) == word else [word]

    return " ".join(part for word in text.split() for part in cut(word))


def trigrams(word: str) -> list[str]:
    return list(dict.fromkeys(word[i : i + 3] for i in range(len(word) - 2)))


def _spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Where the needles occur (case-insensitively), overlapping or touching occurrences merged into one run:
    Japanese matched by pieces ("オフラ", "ライン") is marked as the whole run ("オフライン"). A needle of several
    words matches them with spaces or hyphens between ("log in" finds "log-in"). A Latin needle marks only where a
    word starts ("thermo" in "thermostat", never "two" in "network")."""
    found = []
    for needle in needles:
        pattern = r"[\s\-]+".join(re.escape(part) for part in needle.split())
        if needle[:1].isascii() and needle[:1].isalnum():
            pattern = r"(?<![A-Za-z0-9])" + pattern  # a Latin word from its start: "two" is not marked inside "network"
        pattern = re.compile(pattern, re.IGNORECASE)
        position = 0
        while (match := pattern.search(text, position)) is not None:
            if match.end() > match.start():
                found.append((match.start(), match.end()))
            position = match.start() + 1
    found.sort()
    merged: list[list[int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def highlight(text: str, terms: list[Term], *, limit: int | None = None) -> str:
    """Escaped `text` with <mark> around every match of a term (a run of matches is one mark); with `limit`,
    a window around the first match of about that many characters."""
    text = text or ""
    needles = sorted({v for t in terms for v in (*t.variants, t.text) if v.strip()}, key=len, reverse=True)
    if limit is not None and len(text) > limit:
        start = 0
        spans = _spans(text, needles) if needles else []
        if spans:
            first = spans[0][0]
            start = max(0, first - limit // 3)
            while start > 0 and not text[start - 1].isspace() and first - start < limit // 2 and not CJK.search(text[start]):
                start -= 1
        window = text[start : start + limit]
        text = ("…" if start else "") + window + ("…" if start + limit < len(text) else "")
    if not needles:
        return escape(text)
    out, last = [], 0
    for start, end in _spans(text, needles):
        out.append(escape(text[last:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    out.append(escape(text[last:]))
    return "".join(out)


ADJACENT_MARKS = re.compile(r"</mark>(\s*)<mark>")


def merge_marks(html_text: str) -> str:
    """Join marks that touch ("<mark>オフ</mark><mark>ライン</mark>" → one mark): an engine highlighting
    Japanese by pieces then marks the matched run. Marks separated by spaces join only in Japanese text."""
    def join(match: re.Match) -> str:
        return "" if not match.group(1) else match.group(0)

    return ADJACENT_MARKS.sub(join, html_text)
