"""Japanese queries as words: a customer types a sentence ("カメラが録画できない"), the index holds the words
in whatever form the article used ("録画されない", "カメラの録画"). Without a dictionary (no MeCab on the
database engines), the script changes do most of the work: kanji and katakana carry the content, hiragana
between them is particles, verb endings and auxiliaries.

`words(token)` cuts one query token (no spaces) into the pieces a document must hold:

- kanji runs and katakana runs are pieces ("屋内カメラ" → 屋内, カメラ), split from Latin ("hubがオフライン"
  → hub, オフライン);
- hiragana between them is dropped ("が", "を", "できない", "してから"), except one non-particle character
  between two kanji, which is okurigana inside a compound word (払い戻し, 問い合わせ, 取り消し stay whole;
  their final okurigana goes: 払い戻);
- a token of hiragana only is a word of its own: its auxiliary ending comes off and a verb keeps its stem
  ("つながらない" → つなが, which finds つながりません and つながる), a leading particle after another word
  too ("Wi-Fi につながらない"); after another word, particles, light verbs and question words ("できない",
  "どうして") go.

A token with nothing left (particles only, "どうして") is kept as typed, so a query never loses every term.
"""

from __future__ import annotations

import re

KANJI = re.compile(r"[\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HIRAGANA = re.compile(r"[\u3041-\u309f]")
KATAKANA = re.compile(r"[\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
JAPANESE = re.compile(f"{KANJI.pattern}|{HIRAGANA.pattern}|{KATAKANA.pattern}")

PARTICLES = frozenset("が を に は で と へ の も や か から まで より など".split())
# Endings of verbs and adjectives in questions ("...できない", "...されません"), longest first.
ENDINGS = tuple(sorted(
    "ない なかった ないです ません ませんでした ます ました たい たいです てる ている ています ていない ていません "
    "れない れません られない られません です でした".split(),
    key=len, reverse=True,
))
# The last kana of a verb stem that conjugates (つながら / つながり / つながる → つなが).
CONJUGATING = frozenset("らりるれろかきくけこがぎぐげごさしすせそたちつてとなにぬねのばびぶべぼまみむめもわいうえお")
LEADING_PARTICLES = frozenset("にをがでは")
# Hiragana words that carry no topic once another word is there: light verbs and question words.
LIGHT = frozenset("でき し さ す する あ あり ある い いる なり なる なら どう どうして どうやって なぜ いつ どこ なに".split())
WORD_CHAR = re.compile(r"\w")
# Verbs that say how a question is asked, not what it is about, as their one-kanji stems before their kana
# ("使えますか", "教えてください", "知りたい", "困っています"): dropped when the query has other words
# ("インターネットなしで使えますか" → インターネット), as English drops "use", "want" and "please". A stem that names
# the problem stays ("届かない", "来ない", "出ない", "見つからない", "聞こえない", "切れる", "光る"); so do 分 (minutes)
# and 行 (行く先).
FILLER_STEMS = frozenset("使 教 知 困 欲 願 思 言".split())  # never 来 出 見 聞 (通知が来ない, 音が出ない, 見つからない)
# Nouns that ask "how" ("設定方法", "解約の仕方", "初期化のやり方", "交換手順"): dropped when the query has other
# words, as English drops "how"; a help text says 設定 without 方法.
FILLER_WORDS = frozenset("方法 手順 仕方 やり方 方".split())
ADVERBIAL = "く"  # "赤く光る", "早く減る": an adjective's ending between two words, never okurigana inside one


def _script(char: str) -> str:
    if KANJI.match(char):
        return "kanji"
    if HIRAGANA.match(char):
        return "hiragana"
    if KATAKANA.match(char):
        return "katakana"
    return "other"


def _runs(token: str) -> list[tuple[str, str]]:
    runs: list[tuple[str, str]] = []
    for char in token:
        script = _script(char)
        if runs and runs[-1][0] == script:
            runs[-1] = (script, runs[-1][1] + char)
        else:
            runs.append((script, char))
    return runs


def _only_particles(text: str) -> bool:
    """Whether `text` is particles written together ("からの", "には"): which prefixes are, position by position."""
    ends = {0}
    for start in range(len(text)):
        if start in ends:
            ends.update(start + len(p) for p in PARTICLES if text.startswith(p, start))
    return len(text) in ends


def hiragana_word(token: str, after_word: bool = False) -> str:
    """A hiragana-only token as the part every form of it shares: "つながらない" → "つなが". Short tokens
    (three characters or fewer) stay as typed. `after_word`: the token follows another word of the query, so
    a leading particle belongs to that word ("Wi-Fi につながらない")."""
    if len(token) <= 3:
        return token
    if after_word and token[0] in LEADING_PARTICLES and len(token) >= 5:
        token = token[1:]
    for ending in ENDINGS:
        if token.endswith(ending) and len(token) - len(ending) >= 2:
            token = token[: -len(ending)]
            if len(token) >= 3 and token[-1] in CONJUGATING:
                token = token[:-1]
            break
    return token


LONG_VOWEL = "ー"
KANA_LOANWORD = re.compile(r"[\u3041-\u3096ー]{2,8}")


def as_katakana(token: str) -> str:
    """A short word of hiragana with a long-vowel mark is a loanword typed without converting it ("ぱすわーど"):
    its katakana ("パスワード"), which the help texts use. Anything else as it is (a longer run is a phrase,
    whose particles must not become katakana)."""
    if not KANA_LOANWORD.fullmatch(token) or LONG_VOWEL not in token or not token.strip(LONG_VOWEL):
        return token
    return "".join(chr(ord(char) + 0x60) if char != LONG_VOWEL else char for char in token)


HIRAGANA_RUN = re.compile(r"[\u3041-\u3096][\u3041-\u3096ー]{1,11}")  # "ぱすわーどを…": a loanword's long vowel
MIN_READING_PREFIX = 3  # "かめらが" → カメラ; never a two-kana prefix ("でき" is no "デキ…" word)
# What may follow a loanword typed in hiragana: a particle, or a light verb ("ろぐいんする", "かめらせってい").
AFTER_READING = tuple(sorted(PARTICLES | {"する", "し", "さ", "せ", "でき"}, key=len, reverse=True))


def katakana_readings(word: str) -> list[str]:
    """A hiragana word typed for a katakana one without converting it ("かめら", "ろぐいんで" of "ろぐいんできない"):
    its katakana form, then those of its prefixes of three characters or more that a particle or a light verb
    follows ("ろぐいん" + "で"/"する", "かめら" + "が…"/"せってい"; never "さいと" of "さいとう"), longest first. The caller keeps the first that the
    texts hold as a katakana word (the vocabulary), so a real hiragana word never becomes katakana they lack."""
    if not HIRAGANA_RUN.fullmatch(word):
        return []
    kana = "".join(char if char == LONG_VOWEL else chr(ord(char) + 0x60) for char in word)
    return [kana] + [kana[:end] for end in range(len(kana) - 1, MIN_READING_PREFIX - 1, -1)
                     if word.startswith(AFTER_READING, end)]


def words(token: str, after_word: bool = False) -> list[str]:
    """The pieces of one query token a document must hold (see the module's notes); [token] when it has no
    Japanese or nothing of it is left. A lone long-vowel mark is never a piece ("ぱ" "ー" "ど" would match
    every katakana word): a hiragana loanword is read as katakana (`as_katakana`)."""
    if not JAPANESE.search(token):
        return [token]
    token = as_katakana(token)
    runs = _runs(token)
    if len(runs) == 1 and runs[0][0] == "hiragana":
        stem = hiragana_word(token, after_word)
        return [] if after_word and (_only_particles(token) or stem in LIGHT) else [stem]
    pieces: list[str] = []
    fillers: set[int] = set()  # which pieces only say how the question is asked
    current, current_script = "", ""
    for index, (script, text) in enumerate(runs):
        before = runs[index - 1][0] if index else ""
        after = runs[index + 1][0] if index + 1 < len(runs) else ""
        if script == "hiragana":
            if before == after == "kanji" and len(text) == 1 and text not in PARTICLES and text != ADVERBIAL:
                current += text  # okurigana inside a compound: 払い戻し, 問い合わせ
                continue
            if current:
                if current in FILLER_STEMS and text[0] not in PARTICLES:  # a verb's stem before its kana
                    fillers.add(len(pieces))
                pieces.append(current)
            current, current_script = "", ""
            continue
        if current and current_script != script:
            pieces.append(current)
            current = ""
        current, current_script = current + text, script
    if current:
        pieces.append(current)
    fillers.update(i for i, piece in enumerate(pieces) if piece in FILLER_WORDS)
    kept = [p for i, p in enumerate(pieces) if i not in fillers and WORD_CHAR.search(p) and p.strip(LONG_VOWEL)]
    if not kept:  # nothing but how it is asked ("使い方", "方法"): the words as they are
        kept = [p for p in pieces if WORD_CHAR.search(p) and p.strip(LONG_VOWEL)]
    return list(dict.fromkeys(kept)) or [token]


def without_fillers(words: list[str]) -> list[str]:
    """The query's words without those that only ask "how" (`FILLER_WORDS`: 方法 of "設定方法", cut off by
    `kanji_compound`), unless nothing else is left."""
    kept = [word for word in words if word not in FILLER_WORDS]
    return kept if kept else words


# Katakana words that only qualify the word after them in a product's name ("スマートロック", "ワイヤレスキー",
# "ネットワークカメラ"): a help text may call the thing by its head alone ("ロック", "カメラ").
KATAKANA_MODIFIERS = tuple(sorted(
    "スマート ワイヤレス ネットワーク デジタル モバイル ホーム オンライン リモート セキュリティ ビデオ "
    "ファームウェア ソフトウェア アプリ".split(),
    key=len, reverse=True,
))


def katakana_head(word: str) -> str | None:
    """The head of a katakana compound that starts with a modifier ("スマートロック" → "ロック"), else None."""
    if not KATAKANA.match(word[:1]) or not all(KATAKANA.match(char) for char in word):
        return None
    for modifier in KATAKANA_MODIFIERS:
        if word.startswith(modifier) and len(word) - len(modifier) >= 2:
            return word[len(modifier):]
    return None


# Two-kanji words that end compounds in help questions ("電池交換方法", "初期化手順", "二段階認証"): the
# head of a Japanese compound comes last.
COMPOUND_HEADS = frozenset(
    "方法 手順 設定 変更 確認 解除 登録 削除 交換 修理 接続 画面 料金 期間 保証 更新 履歴 通知 番号 認証 "
    "対応 原因 場所 時間 返品 返金 注文 配送 請求 解約".split()
)
KANJI_RUN = re.compile(f"(?:{KANJI.pattern})+")


def kanji_compound(piece: str) -> list[str]:
    """A kanji compound typed without particles as the words it is made of, which the help texts write apart
    ("電池交換" → 電池, 交換: the article says 電池を交換する). Most such words are two kanji: four kanji are
    two words; a longer run loses a known two-kanji head from its end first ("初期化方法" → 初期化, 方法).
    A document holding the compound holds both pieces too, so nothing it found before is lost. Runs of two or
    three kanji (初期化, 再起動) and anything not all kanji stay whole. (`search.text.parse` keeps a compound
    whole when an editor's synonym group names it: "二要素認証" finds "二段階認証" through its group.)"""
    if not KANJI_RUN.fullmatch(piece) or len(piece) < 4:
        return [piece]
    if piece[-2:] in COMPOUND_HEADS and len(piece) >= 5:
        return [*kanji_compound(piece[:-2]), piece[-2:]]
    if len(piece) == 4:
        return [piece[:2], piece[2:]]
    return [piece]


# A katakana word: a run of katakana (with its long-vowel marks), never a lone "ー"; "・" separates words.
KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff]{2,}")
MAX_KATAKANA_SPLIT = 16  # longer runs are not cut: their pieces would cost too many lookups


def katakana_runs(text: str) -> set[str]:
    """The katakana words of a (normalised) text: every run of two characters or more, "ー" alone never."""
    return {run for run in KATAKANA_WORD.findall(text) if run.strip(LONG_VOWEL)}


def katakana_pieces(run: str) -> set[str]:
    """Every piece of two characters or more of a katakana run a query typed whole ("カメラセットアップ"), which
    `katakana_compound` may cut it into: asked of the vocabulary together with the query's other words."""
    if not KATAKANA_WORD.fullmatch(run) or not 4 <= len(run) <= MAX_KATAKANA_SPLIT:
        return set()
    return {run[i:j] for i in range(len(run) - 1) for j in range(i + 2, len(run) + 1) if (i, j) != (0, len(run))}


def katakana_compound(run: str, known: dict[str, int] | set[str]) -> list[str]:
    """A katakana run typed without spaces as the katakana words of the indexed texts it is made of
    ("カメラセットアップ" → カメラ, セットアップ; the texts write "カメラをセットアップ"), as `kanji_compound` cuts
    kanji: the fewest pieces (each of two characters or more and a word the texts hold), then the commonest
    rarest piece. Whole when the texts hold the run itself, when it cannot be cut so, or when it is no katakana
    run of a length worth cutting."""
    if run in known or not katakana_pieces(run):
        return [run]
    counts = known if isinstance(known, dict) else dict.fromkeys(known, 1)
    # best[i]: (pieces, -(rarest piece's count), cut) for run[:i]
    best: list[tuple[int, int, list[str]] | None] = [None] * (len(run) + 1)
    best[0] = (0, 0, [])
    for end in range(2, len(run) + 1):
        for start in range(0, end - 1):
            piece, before = run[start:end], best[start]
            if before is None or piece not in counts:
                continue
            rarest = min(-before[1], counts[piece]) if before[2] else counts[piece]
            candidate = (before[0] + 1, -rarest, [*before[2], piece])
            if best[end] is None or candidate[:2] < best[end][:2]:
                best[end] = candidate
    found = best[len(run)]
    return found[2] if found is not None and len(found[2]) > 1 else [run]


def without_final_long_vowel(word: str) -> str | None:
    """A katakana word's spelling without its final "ー" ("ルーター" → "ルータ", "サーバー" → "サーバ"): technical
    writing drops it from longer words, so a help text may say either. None for a word without one, or of fewer
    than three characters before it ("キー", "カバー", "エラー" keep theirs). Characters, not sounds: a candidate
    only, used when the indexed texts hold it as a word (`search.text.parse`)."""
    if not word.endswith(LONG_VOWEL) or not KATAKANA_WORD.fullmatch(word):
        return None
    rest = word.rstrip(LONG_VOWEL)
    return rest if len(rest) >= 3 else None
