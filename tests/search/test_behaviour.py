"""Search behaviour over real content (articles published in Wagtail, questions posted through the
services): stemming, typos, Japanese, phrases, facets, filters, sorting, pagination, permissions and
freshness. Runs against every backend in `BACKENDS`."""

import pytest
from django.urls import reverse

from community import services
from search.backends.base import SearchQuery
from search.models import SearchDocument
from tests.factories import UserFactory, make_article, make_topic, translate
from tests.search.es_fixtures import es_backend, osmem_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(site):
    account = make_topic(site["en"], "Account & sign-in", "account-sign-in", tags=["account"])
    billing = make_topic(site["en"], "Billing & refunds", "billing-refunds", tags=["billing"])
    reset = make_article(account, "Reset your password", tags=["password", "account"],
                         summary="Forgot your password? Get a reset link by email.")
    refund = make_article(billing, "Request a refund", tags=["refunds"], summary="Return a device within 30 days for a refund.")
    billing_ja = translate(billing, site["locale_ja"], title="請求と返金")
    refund_ja = translate(refund, site["locale_ja"], title="返金を申請する", summary="30日以内なら払い戻しを受けられます。")
    translate(account, site["locale_ja"], title="アカウントとログイン")
    reset_ja = translate(reset, site["locale_ja"], title="パスワードをリセットする方法", summary="メールでリセット用のリンクを受け取ります。")
    asker, answerer = UserFactory(username="asker"), UserFactory(username="answerer")
    solved = services.ask_question(
        asker, title="Hub keeps dropping off Wi-Fi at night", body="Every night the hub goes offline.", topic=account,
    )
    answer = services.post_answer(answerer, solved, body="Move the hub away from the microwave oven.")
    services.accept_answer(asker, answer)
    unanswered = services.ask_question(
        asker, title="Camera shows a black screen", body="The Wi-Fi camera picture is black since Monday.",
    )
    return {
        "reset": reset, "refund": refund, "refund_ja": refund_ja, "reset_ja": reset_ja, "billing_ja": billing_ja,
        "solved": solved, "unanswered": unanswered, "asker": asker, "answerer": answerer, "account": account,
    }


def keys(results):
    return [hit.key for hit in results.hits]


def run(backend, text, **kwargs):
    return backend.search(SearchQuery(text=text, **kwargs))


def test_every_published_article_and_visible_question_has_a_document(content):
    kinds = sorted(SearchDocument.objects.values_list("kind", flat=True))
    assert kinds == ["article"] * 4 + ["question"] * 2  # topics are pages, not documents


def test_english_stemming_and_typo_tolerance(backend, content):
    assert f"article:{content['reset'].pk}" in keys(run(backend, "passwords"))
    assert keys(run(backend, "pasword"))[0] == f"article:{content['reset'].pk}"
    assert f"article:{content['refund'].pk}" in keys(run(backend, "refunds"))


def test_japanese_queries(backend, content):
    assert keys(run(backend, "パスワード"))[0] == f"article:{content['reset_ja'].pk}"
    assert f"article:{content['refund_ja'].pk}" in keys(run(backend, "払い戻し"))
    assert f"article:{content['refund_ja'].pk}" in keys(run(backend, "返金"))  # two characters


def test_japanese_compounds_typed_together_find_the_words_written_apart(backend, content, site):
    from tests.factories import make_article as article_in

    locks = make_topic(site["ja"], "スマートロック", "locks-ja")
    battery = article_in(locks, "Nimbus Lock の電池を交換する", summary="電池が少なくなったら、カバーを外して電池を交換します。")
    jammed = article_in(locks, "ロックが開かないとき", summary="ドアの傾きでボルトが引っかかると、ロックが開かなくなります。")
    assert f"article:{battery.pk}" in keys(run(backend, "電池交換"))  # not one hit before: no page says 電池交換
    assert keys(run(backend, "スマートロック 開かない"))[:1] == [f"article:{jammed.pk}"]  # the texts say ロック


def test_phrase_query(backend, content):
    assert keys(run(backend, '"black screen"')) == [f"question:{content['unanswered'].pk}"]
    assert keys(run(backend, '"screen black"')) == []
    assert keys(run(backend, '"black screen" --')) == [f"question:{content['unanswered'].pk}"]  # the dashes are no word


def test_accepted_answers_are_searchable_and_highlighted(backend, content):
    results = run(backend, "microwave")
    assert keys(results) == [f"question:{content['solved'].pk}"]
    assert "<mark>microwave</mark>" in results.hits[0].snippet_html
    assert results.hits[0].is_solved and results.hits[0].answer_count == 1


def test_facets_count_and_combine(backend, content):
    results = run(backend, "wi-fi")
    facets = {name: {v.value: v.count for v in values} for name, values in results.facets.items()}
    assert facets["kind"] == {"question": 2}
    assert facets["status"] == {"solved": 1, "unanswered": 1}
    solved = run(backend, "wi-fi", status="solved")
    assert keys(solved) == [f"question:{content['solved'].pk}"]
    assert {v.value: v.count for v in solved.facets["status"]} == {"solved": 1, "unanswered": 1}  # other choices stay visible
    assert keys(run(backend, "wi-fi", status="solved", topics=("billing-refunds",))) == []
    assert keys(run(backend, "refund", kinds=("article",), languages=("ja",))) == [f"article:{content['refund_ja'].pk}"]
    assert keys(run(backend, "password", tags=("password",), languages=("en",))) == [f"article:{content['reset'].pk}"]


def test_sort_and_pagination(backend, content, monkeypatch):
    monkeypatch.setitem(services.RATE_LIMITS, "ask", (100, 100, 600))
    asker = content["asker"]
    for i in range(12):
        services.ask_question(asker, title=f"Thermostat schedule question number {i}", body=f"Schedule body {i} for the thermostat.")
    first = run(backend, "thermostat", sort="newest", page_size=5)
    second = run(backend, "thermostat", sort="newest", page_size=5, page=2)
    assert first.total == 12 and first.pages == 3
    assert first.hits[0].title.endswith("number 11")
    assert not set(keys(first)) & set(keys(second))
    assert len(run(backend, "thermostat", page=3, page_size=5).hits) == 2


def test_hidden_content_never_appears(backend, content):
    content["reset"].unpublish()
    services.delete_post(content["asker"], content["unanswered"])
    assert f"article:{content['reset'].pk}" not in keys(run(backend, "password"))
    assert keys(run(backend, "black screen")) == []


def test_fresh_edits_answers_and_new_questions(backend, content):
    question = services.ask_question(content["asker"], title="Doorbell chime is silent", body="No sound at all.")
    assert keys(run(backend, "doorbell")) == [f"question:{question.pk}"]  # unanswered, found at once
    services.edit_question(content["asker"], question, title="Doorbell chime is silent after update", body="No sound at all.")
    assert run(backend, "doorbell").hits[0].title.endswith("after update")
    assert [s.title for s in backend.suggest("chime is silent")] == ["Doorbell chime is silent after update"]
    services.edit_question(content["asker"], question, title="Doorbell rings without sound", body="No sound at all.")
    assert backend.suggest("chime is silent") == [] and backend.suggest("rings without")[0].title.startswith("Doorbell")
    services.post_answer(content["answerer"], question, body="Turn the chime volume up in the app.")
    assert keys(run(backend, "volume")) == [f"question:{question.pk}"]


def test_scripts_in_titles_stay_inert(backend, content):
    services.ask_question(content["asker"], title="<script>alert(1)</script> in my hub name", body="Weird hub name.")
    hit = run(backend, "script").hits[0]
    assert "<script>" not in hit.title_html and "&lt;" in hit.title_html


def test_suggest(backend, content):
    titles = [s.title for s in backend.suggest("reset")]
    assert titles[0] == "Reset your password"
    assert [s.title for s in backend.suggest("パスワ", language="ja")] == ["パスワードをリセットする方法"]


def test_any_term_mode_for_the_ask_form(backend, content):
    solved, unanswered = f"question:{content['solved'].pk}", f"question:{content['unanswered'].pk}"
    assert run(backend, "night screen").total == 0  # every term must match by default
    assert set(keys(run(backend, "night screen", match="any"))) == {solved, unanswered}
    # The title sharing more of the words comes first, whatever the order of the words.
    assert keys(run(backend, "camera night hub dropping", match="any"))[:2] == [solved, unanswered]
    assert keys(run(backend, "black screen hub", match="any"))[:2] == [unanswered, solved]
    # Titles and tags only: a word found only in an answer does not make a question "similar".
    assert keys(run(backend, "microwave", match="any")) == []
    assert keys(run(backend, "パスワード", match="any", languages=("ja",))) == [f"article:{content['reset_ja'].pk}"]


def test_ask_form_suggestions_come_from_the_search_index(client, content, django_assert_max_num_queries):
    client.force_login(content["asker"])
    with django_assert_max_num_queries(6):
        html = client.get("/community/ask/suggest/", {"title": "My hub keeps dropping off every night"}).content.decode()
    assert "Hub keeps dropping off Wi-Fi at night" in html and "Camera shows a black screen" not in html
    services.delete_post(content["asker"], content["solved"])  # a deleted question is no longer suggested
    html = client.get("/community/ask/suggest/", {"title": "My hub keeps dropping off every night"}).content.decode()
    assert "Hub keeps dropping off Wi-Fi at night" not in html
    html = client.get("/ja/community/ask/suggest/", {"title": "パスワードを忘れました"}).content.decode()
    assert "パスワードをリセットする方法<span" in html and "Reset your password<span" not in html  # the reader's language


# --- the page ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q",
    ["", "   ", "x" * 1000, "!!!???", 'title:(foo AND bar~2) OR "', "*", "🙂🔥", "Wi-Fi ルーター password", "a", "\x00\u202e"],
)
def test_bad_input_never_fails(client, content, q):
    response = client.get(reverse("search"), {"q": q, "page": "abc", "sort": "drop table", "type": "<x>", "tag": "a" * 300})
    assert response.status_code == (400 if "\x00" in q else 200)  # a NUL byte is refused before any view


def test_search_page_shows_results_facets_and_empty_state(client, content):
    page = client.get(reverse("search"), {"q": "password"}).content.decode()
    assert "Reset your <mark>password</mark>" in page
    assert "type=article" in page and "Ask the community" in page
    empty = client.get(reverse("search"), {"q": "zebra unicorn"}).content.decode()
    assert "Nothing matches your search" in empty and "/community/ask/?title=zebra%20unicorn" in empty


def test_search_page_query_budget(client, content, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        assert client.get(reverse("search"), {"q": "password"}).status_code == 200
    # One result holds both words: the results without each word are looked up as well (3 queries a search).
    with django_assert_max_num_queries(16):
        assert client.get(reverse("search"), {"q": "wi-fi hub"}).status_code == 200
    # Five words: at most `ATTEMPTS` searches without one of them (the likeliest to leave out first), not five.
    with django_assert_max_num_queries(32):
        assert client.get(reverse("search"), {"q": "wi-fi hub night dropping offline"}).status_code == 200


def test_suggest_endpoint_html_and_json(client, content):
    assert "Reset your password" in client.get(reverse("search_suggest"), {"q": "reset"}).content.decode()  # HTML fragment
    data = client.get(reverse("search_suggest"), {"q": "reset", "format": "json"}).json()
    assert data["suggestions"][0]["title"] == "Reset your password"


# --- how a question is phrased is not required ---------------------------------------------------------------


def test_question_filler_and_apostrophe_less_negations_are_not_required():
    from search.text import parse, without_stopwords

    assert [t.text for t in parse("hub keeps going offline")] == ["hub", "offline"]
    assert [t.text for t in parse("cant pair, wont connect")] == ["pair", "connect"]
    assert [t.text for t in parse("the hub doesn't connect")] == ["hub", "connect"]
    assert [t.text for t in parse("I've reset it, we'll see, they're offline")] == ["reset", "see", "offline"]
    assert parse("keeps going") == []  # nothing else: nothing to look for (the page asks for a word more)
    assert without_stopwords("How long does shipping take?") == "long shipping"
    assert without_stopwords("can't won't") == "can't won't"  # nothing else left: unchanged
    assert without_stopwords("カメラが録画できない hub") == "カメラが録画できない hub"


def test_words_ending_in_us_ss_or_is_are_not_plurals():
    from search.text import stem

    assert [stem(w) for w in ("plus", "status", "access", "analysis", "passwords", "devices")] == [
        "plus", "status", "access", "analysis", "password", "device"]


def test_a_query_of_common_words_only_has_no_terms():
    """"the" found every document that says "the" (163 in the demo), "の" every Japanese one."""
    from search.text import parse

    for text in ("the", "how do i", "which", "の", "は", '"', "a an"):
        assert parse(text) == [], text
    assert [t.text for t in parse("which firewall ports")] == ["firewall", "ports"]
    assert [t.text for t in parse("who can see the history")] == ["see", "history"]


def test_letters_and_digits_written_together_also_match_apart():
    """Error codes typed without their hyphen ("e104": the texts write "E-104") and numbers with their unit
    ("5ghz": "5 GHz")."""
    from search.text import parse

    assert parse("E104")[0].variants == ("e104", "e-104", "e 104")
    assert parse("5ghz")[0].variants == ("5ghz", "5-ghz", "5 ghz")
    assert parse("firmware")[0].variants == ("firmware",)  # letters only: as before
    assert parse("2026")[0].variants == ("2026",)


def _error_code_articles(site):
    topic = make_topic(site["en"], "Troubleshooting", "troubleshooting", tags=["troubleshooting"])
    codes = make_article(topic, "Nimbus error codes", summary="What each code means.", body=[
        {"type": "paragraph", "value": "<p>E-104: the hub lost its Wi-Fi. E-201: the thermostat is too hot. If E-104 stays, restart the router.</p>"},
    ])
    lights = make_article(topic, "What the lights mean", summary="Colours and blinks.", body=[
        {"type": "paragraph", "value": "<p>A red blink means an error such as E-104.</p>"},
    ])
    translate(topic, site["locale_ja"], title="トラブルシューティング")
    codes_ja = translate(codes, site["locale_ja"], title="エラーコード一覧", summary="各コードの意味。")
    return codes, lights, codes_ja


def test_an_error_code_typed_without_its_hyphen_and_the_readers_language(backend, site):
    """"e104" finds "E-104"; the page's language ranks its own documents first for a Latin query (/ja/: the
    Japanese error-code list, which says "E-104" too, before the English one)."""
    codes, lights, codes_ja = _error_code_articles(site)
    titles = [hit.title for hit in backend.search(SearchQuery("e104")).hits]
    assert {"Nimbus error codes", "What the lights mean", "エラーコード一覧"} == set(titles)
    ja = [hit.title for hit in backend.search(SearchQuery("E-104", reader_language="ja")).hits]
    assert ja[0] == "エラーコード一覧"
    en = [hit.title for hit in backend.search(SearchQuery("E-104", reader_language="en")).hits]
    assert en.index("Nimbus error codes") < en.index("エラーコード一覧")


def test_common_words_only_find_nothing(backend, content):
    for text in ("the", "how do i", '"', "の"):
        results = backend.search(SearchQuery(text))
        assert (results.total, results.hits) == (0, []), text


def test_the_search_page_asks_for_a_word_more_and_logs_no_gap(client, content):
    from search import analytics
    from search.models import SearchLog

    html = client.get(reverse("search"), {"q": "how do I"}).content.decode()
    assert "Your search has only very common words" in html and "Ask the community" in html
    assert 'id="result-count"' not in html
    analytics.flush()
    assert not SearchLog.objects.filter(query="how do i").exists()  # not a content gap for Insights


def test_suggestions_match_word_starts_other_spellings_and_synonyms(content):
    """The embedded engine's autocomplete: "two" is not in "network", "wifi" is "Wi-Fi", and an editor's
    synonym ("2fa") suggests the titles that say the other word."""
    from search.backends.database import DatabaseBackend
    from search.models import SynonymGroup
    from search.synonyms import invalidate

    services.ask_question(content["asker"], title="Network requirements for the hub", body="Which ports and bands.")
    services.ask_question(content["asker"], title="Turn on two-factor sign-in", body="Where is the setting?")
    SynonymGroup.objects.create(language="en", terms="two-factor\n2fa")
    invalidate()
    engine = DatabaseBackend()
    assert [s.title for s in engine.suggest("two", "en")] == ["Turn on two-factor sign-in"]
    assert [s.title for s in engine.suggest("wifi", "en")] == ["Hub keeps dropping off Wi-Fi at night"]
    assert [s.title for s in engine.suggest("2fa", "en")] == ["Turn on two-factor sign-in"]
    assert [s.title for s in engine.suggest("res pass", "en")] == ["Reset your password"]


@pytest.fixture
def split_fields(site, content):
    """Documents whose words are split between fields: no field holds both words a test asks for."""
    topic = make_topic(site["en"], "Doorbells", "doorbells")
    chime = make_article(topic, "Pair the doorbell chime", summary="Hold the button until the light turns amber.",
                         body=[{"type": "paragraph", "value": "<p>The light turns amber when it is ready.</p>"}])
    translate(topic, site["locale_ja"], title="ドアベル")
    chime_ja = translate(chime, site["locale_ja"], title="ドアベルのチャイムを接続する",
                         summary="ボタンを長押しして、ランプが琥珀色になるまで待ちます。")
    asker, answerer = content["asker"], content["answerer"]
    question = services.ask_question(asker, title="Thermostat display flickers", body="It started after the power cut yesterday.")
    services.accept_answer(asker, services.post_answer(answerer, question, body="Replace the capacitor behind the cover."))
    return {"chime": f"article:{chime.pk}", "chime_ja": f"article:{chime_ja.pk}", "question": f"question:{question.pk}"}


@pytest.mark.parametrize(("text", "key"), [
    ("thermostat yesterday", "question"),  # the title's word and the body's
    ("flickers capacitor", "question"),  # the title's word and the accepted answer's
    ("yesterday capacitor", "question"),  # the body's word and the accepted answer's
    ("doorbell amber", "chime"),  # the article's title and its text
    ("dorbell amber", "chime"),  # ... with a typo in the title's word
    ("ドアベル 琥珀色", "chime_ja"),  # a Japanese title's word and its text's
    ("thermostat,yesterday", "question"),  # words joined by punctuation are words all the same
    ("thermostat/yesterday", "question"),
])
def test_the_words_of_a_query_may_be_in_different_fields(backend, split_fields, text, key):
    """Every word of the query is in the document, but no field (title, body, accepted answer) holds them all:
    it is found all the same."""
    assert split_fields[key] in keys(run(backend, text))


@pytest.mark.parametrize("text", ["--", "📷📷", "if", "they", "__", "after", "-- if"])
def test_no_word_at_all_finds_nothing(backend, content, text):
    """Punctuation, emoji and words the analysers drop are not a query: nothing, not every document."""
    assert keys(run(backend, text)) == []


def test_a_common_word_being_typed_still_suggests_titles(content, site):
    from search.backends.database import DatabaseBackend

    make_article(content["account"], "Google Home setup", summary="Link your Nimbus account.")
    make_article(content["account"], "Always-on recording", summary="Record around the clock.")
    engine = DatabaseBackend()
    assert [s.title for s in engine.suggest("go")] == ["Google Home setup"]  # "go" is a stopword in a query
    assert [s.title for s in engine.suggest("alwa")] == ["Always-on recording"]
    assert [s.title for s in engine.suggest("always")] == ["Always-on recording"]


def test_words_beyond_the_eighth_are_not_required_on_either_engine(backend, content):
    """A long query requires its first eight words (`MAX_TERMS`) on both engines: a ninth word the document does
    not hold does not hide it (before, Elasticsearch required every word however many there were)."""
    from search.text import MAX_TERMS

    text = "hub dropping wifi night microwave oven move away zebracorn"  # the solved question holds the first eight
    assert len(text.split()) == MAX_TERMS + 1
    assert f"question:{content['solved'].pk}" in keys(run(backend, text))
    assert keys(run(backend, "zebracorn hub dropping wifi night microwave oven move away")) == []  # the first is required
