"""Japanese queries cut into words (search/japanese.py): what a document must hold for a query typed as a
sentence, and the guarantees every backend relies on (pieces come from the query, a query never loses every
term)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search import japanese
from search.text import japanese_text, parse


@pytest.mark.parametrize(("token", "expected"), [
    ("カメラが録画できない", ["カメラ", "録画"]),  # particle and "cannot" go
    ("屋内カメラがつながらない", ["屋内", "カメラ"]),  # kanji and katakana are separate words
    ("パスワードを忘れました", ["パスワード", "忘"]),  # a one-kanji verb keeps its kanji
    ("二段階認証のコードが無効", ["二段階認証", "コード", "無効"]),
    ("払い戻し", ["払い戻"]),  # okurigana inside a compound stays; the final one goes
    ("問い合わせ方法", ["問い合"]),  # 方法 only asks how (a help text says 問い合わせ without it)
    ("お問い合わせ", ["問い合"]),  # the polite prefix goes
    ("設定してから再起動", ["設定", "再起動"]),
    ("hubがオフライン", ["hub", "オフライン"]),  # Latin written against Japanese
    ("ハブのアップデート後", ["ハブ", "アップデート", "後"]),
    ("人々", ["人々"]),
    ("エラーコード", ["エラーコード"]),
    ("reset", ["reset"]),  # no Japanese: as typed
    ("どうして", ["どうして"]),  # nothing else in the query: kept as typed
    ("ぱすわーど", ["パスワード"]),  # a loanword typed in hiragana: its katakana, never a lone "ー"
    ("あっぷでーと", ["アップデート"]),
    ("あっぷでーとのやりかた", ["あっぷでーとのやりかた"]),  # a phrase: as typed (its particles are no katakana)
    ("ほーむ画面", ["画面"]),  # not a loanword alone; the lone "ー" is never a piece of its own
])
def test_words(token, expected):
    assert japanese.words(token) == expected


@pytest.mark.parametrize(("token", "after_word", "expected"), [
    ("つながらない", False, ["つなが"]),  # つながりません, つながる share it
    ("につながらない", True, ["つなが"]),  # "Wi-Fi につながらない": the particle belongs to Wi-Fi
    ("ひらきません", False, ["ひら"]),
    ("できない", True, []),  # after another word: a light verb says nothing
    ("どうして", True, []),
    ("からの", True, []),  # particles only
    ("かぎ", True, ["かぎ"]),  # a short word stays as typed
])
def test_hiragana_words(token, after_word, expected):
    assert japanese.words(token, after_word=after_word) == expected


@pytest.mark.parametrize(("word", "readings"), [
    ("かめら", ["カメラ"]),
    ("ろぐいんで", ["ログインデ", "ログイン"]),  # a particle after the prefix; the longest the texts hold is kept
    ("かめらがうつ", ["カメラガウツ", "カメラ"]),
    ("さいとう", ["サイトウ"]),  # no particle after "さいと": never サイト
    ("ろぐいんする", ["ログインスル", "ログイン"]),  # a light verb after it
    ("かめらせってい", ["カメラセッテイ", "カメラ"]),
    ("はぶ", ["ハブ"]),  # two kana: the whole word only
    ("カメラ", []), ("録画", []), ("か", []),  # not a hiragana word
])
def test_katakana_readings_of_a_hiragana_word(word, readings):
    assert japanese.katakana_readings(word) == readings


def test_parse_cuts_japanese_sentences_into_terms():
    assert [t.text for t in parse("カメラが録画できない")] == ["カメラ", "録画"]
    assert [t.text for t in parse("録画 できない")] == ["録画"]
    assert [t.text for t in parse("Wi-Fi につながらない")] == ["wi-fi", "つなが"]
    assert [t.text for t in parse("できない")] == ["でき"]  # alone it is all the query has
    assert [t.text for t in parse('"パスワードを忘れた" リセット')] == ["パスワードを忘れた", "リセット"]  # a quoted phrase stays whole
    assert japanese_text("Hub がオフラインになる reset") == "Hub オフライン reset"


JAPANESE_TEXT = st.text(
    alphabet=st.sampled_from("がをにのはでとからまでできないませんつながるカメラ録画払い戻し問合わせ々ーabc-1、"), min_size=1, max_size=20,
)


@given(JAPANESE_TEXT, st.booleans())
def test_words_come_from_the_token_and_never_all_go(token, after_word):
    found = japanese.words(token, after_word=after_word)
    assert all(piece and (piece in token or piece in japanese.as_katakana(token)) for piece in found)
    assert all(piece.strip("ー") for piece in found) or found == [token]  # a lone "ー" only when it is all there is
    if not after_word:
        assert found  # a first word is never dropped whole


def test_long_input_is_cut_in_linear_time():
    """However long the text a caller passes (the search box caps it at 200 characters, other callers may not)."""
    assert japanese.words("の" * 5000, after_word=True) == []
    assert japanese.words("からの" * 2000 + "カメラ") == ["カメラ"]
    assert len(parse("カメラが録画できない" * 500)) <= 8


def test_ask_form_pieces_of_a_japanese_title_hold_its_words_not_its_particles():
    from search.api import title_terms

    # Before: every three characters of the run, "はでき", "できま", "きます" matching any polite question.
    assert title_terms("Nimbus Plus の返金はできますか") == ["nimbus", "plus", "の返金", "返金は"]
    assert "ブがオ" not in title_terms("ハブがオフラインになる")  # one character of two words: neither
    assert "オフラ" in title_terms("ハブがオフラインになる")
    assert title_terms("返金") == ["返金"]  # too short to cut: the word itself
    assert title_terms("を") == ["を"]  # shorter than a piece: as typed


@pytest.mark.parametrize(("word", "head"), [
    ("スマートロック", "ロック"), ("ネットワークカメラ", "カメラ"), ("ワイヤレスキー", "キー"),
    ("スマート", None), ("アプリ", None), ("ロック", None), ("スマートロックa", None), ("スマ", None),
])
def test_a_katakana_compound_also_matches_its_head(word, head):
    assert japanese.katakana_head(word) == head
    if word.isascii() or not word.isalnum() or any(char.isascii() for char in word):
        return  # "スマートロックa" is two tokens to the parser; its katakana part is the first case
    assert parse(word)[0].variants == ((word, head) if head else (word,))


@pytest.mark.parametrize(("query", "terms"), [
    ("二段階認証のコードが無効", ["二段階", "認証", "コード", "無効"]),  # a compound as its words (both still in 二段階認証)
    ("電池交換", ["電池", "交換"]),  # four kanji typed together: two words, as the texts write them apart (電池を交換)
    ("電池交換方法", ["電池", "交換"]),  # 方法 only asks how
    ("初期化方法", ["初期化"]),  # a known head comes off a longer run first (方法: only asks how)
    ("初期化料金", ["初期化", "料金"]),
    ("暗証番号を忘れた", ["暗証", "番号", "忘"]),
    ("保証期間延長", ["保証期間延長"]),  # six kanji with no known head: whole, rather than cut at a guess
    ("再起動", ["再起動"]),
])
def test_kanji_compounds_typed_together_become_their_words(query, terms):
    assert [t.text for t in parse(query)] == terms


def test_a_compound_an_editor_named_in_a_synonym_group_stays_whole():
    """"二要素認証" is a member of the demo group with 二段階認証: split, it would find neither."""
    known = {"二要素認証": 1}
    assert [t.text for t in parse("二要素認証", known=lambda words: {w: known[w] for w in words if w in known})] == ["二要素認証"]
