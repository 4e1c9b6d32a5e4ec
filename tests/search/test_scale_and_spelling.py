"""Issue 14 on both backends: compound and hyphenated words find each other ("email" / "e-mail", "login" /
"log-in" / "log in", "setup" / "set up"), Japanese highlights mark the matched run, and — on the database
engine — typos are corrected to the closest known word (the page says so) and common terms are served
with a bounded cost (sampled counts, shown as estimates, candidates read in quality order)."""

import pytest
from django.db import connection
from django.urls import reverse

from community import services
from search import vocabulary
from search.backends import database
from search.backends.base import SearchQuery
from search.backends.database import DatabaseBackend
from search.indexing import update_signals
from search.models import SearchDocument, SearchWord
from search.text import Term, highlight, merge_marks, parse
from tests.factories import UserFactory
from tests.search.es_fixtures import es_backend, osmem_url  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

COMPOUNDS = {
    "login": "Can't log-in after the update",
    "log_in": "Unable to log in on the tablet",
    "joined_login": "Login page stays blank",
    "email": "Where do I change my email address?",
    "e_mail": "The E-mail with the code never arrives",
    "set_up": "How do I set up the thermostat schedule?",
    "setup": "Thermostat setup stops at 80%",
    "other": "Camera picture is black at night",
}


@pytest.fixture
def questions(monkeypatch):
    monkeypatch.setitem(services.RATE_LIMITS, "ask", (100, 100, 600))
    asker = UserFactory(username="compound-asker")
    return {
        name: services.ask_question(asker, title=title, body=f"{title}. Any idea what to try next?")
        for name, title in COMPOUNDS.items()
    }


def titles(backend, text: str, **kwargs) -> set[str]:
    return {hit.title for hit in backend.search(SearchQuery(text=text, **kwargs)).hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("login", {"login", "log_in", "joined_login"}),
        ("log in", {"login", "log_in", "joined_login"}),
        ("log-in", {"login", "log_in", "joined_login"}),
        ("email", {"email", "e_mail"}),
        ("e-mail", {"email", "e_mail"}),
        ("e mail", {"email", "e_mail"}),
        ("setup", {"set_up", "setup"}),
        ("set up", {"set_up", "setup"}),
        ("thermostat set-up", {"set_up", "setup"}),
    ],
)
def test_compound_and_hyphenated_spellings_find_each_other(backend, questions, query, expected):
    assert titles(backend, query) == {COMPOUNDS[name] for name in expected}


def test_compound_highlights_mark_every_spelling(questions):
    results = DatabaseBackend().search(SearchQuery(text="login"))
    marked = {hit.title: hit.title_html for hit in results.hits}
    assert "Can&#x27;t <mark>log-in</mark> after the update" in marked.values()
    assert "Unable to <mark>log in</mark> on the tablet" in marked.values()
    assert "<mark>Login</mark> page stays blank" in marked.values()


def test_parse_builds_compound_variants_from_the_vocabulary():
    known = {"log": 3, "in": 9, "login": 2, "set": 4, "up": 8, "e": 1, "mail": 5}
    lookup = lambda words: {w: known[w] for w in words if w in known}  # noqa: E731
    assert parse("log in", known=lookup) == [Term("log in", ("login", "log-in", "log in"))]
    assert parse("setup", known=lookup)[0].variants == ("setup", "set-up", "set up")
    assert parse("e-mail")[0].variants == ("e-mail", "email", "e mail")  # hyphens need no vocabulary
    assert parse("reset password", known=lookup)[0].variants == ("reset",)  # unknown parts: nothing added


# --- Japanese highlights ------------------------------------------------------------------------------

def test_japanese_highlights_mark_the_whole_run(backend):
    asker = UserFactory(username="ja-asker")
    services.ask_question(asker, title="Nimbus Hub がオフラインになる", body="毎晩オフラインになります。", language="ja")
    hit = backend.search(SearchQuery(text="オフライン")).hits[0]
    assert "<mark>オフライン</mark>" in hit.title_html
    assert "<mark>オフラ" not in hit.title_html.replace("<mark>オフライン</mark>", "")


def test_highlight_merges_pieces_into_one_mark():
    pieces = [Term(p, (p,)) for p in ("オフラ", "フライ", "ライン")]  # the ask form's three-character pieces
    assert highlight("Nimbus Hub がオフラインになる", pieces) == "Nimbus Hub が<mark>オフライン</mark>になる"
    assert merge_marks("<mark>オフ</mark><mark>ライン</mark>") == "<mark>オフライン</mark>"
    assert merge_marks("<mark>reset</mark> <mark>password</mark>") == "<mark>reset</mark> <mark>password</mark>"


def test_latin_words_are_marked_from_their_start_only():
    """A word marks where a word starts (stems and compounds still do), never inside another word."""
    terms = [Term("two", ("two",)), Term("thermo", ("thermo",)), Term("mail", ("mail",))]
    assert highlight("Set up the mesh network: two nodes", terms) == "Set up the mesh network: <mark>two</mark> nodes"
    assert highlight("thermostat e-mail Gmail", terms) == "<mark>thermo</mark>stat e-<mark>mail</mark> Gmail"
    assert highlight("Hubのtwo", terms) == "Hubの<mark>two</mark>"  # after Japanese a Latin word starts


def test_ask_form_suggestions_highlight_japanese_runs(questions):
    from community.views.ask import suggestions

    asker = UserFactory(username="ja-asker-2")
    services.ask_question(asker, title="カメラがオフラインのままです", body="昨日からオフラインです。", language="ja")
    results = DatabaseBackend().search(SearchQuery(text="オフラ フライ ライン", match="any", languages=("ja",)))
    assert "<mark>オフライン</mark>" in results.hits[0].title_html
    assert suggestions  # the ask form builds its query from these pieces (search.api.title_terms)


# --- typo correction ---------------------------------------------------------------------------------------

def test_a_typo_is_corrected_to_the_closest_known_word(questions, client):
    # Many documents share trigrams with "thermostst" ("the", "her", "mos"…); only two hold "thermostat".
    results = DatabaseBackend().search(SearchQuery(text="thermostst"))
    assert results.corrected == "thermostat"
    assert {hit.title for hit in results.hits} == {COMPOUNDS["set_up"], COMPOUNDS["setup"]}
    assert results.total == 2
    page = client.get(reverse("search"), {"q": "thermostst"})
    assert page.status_code == 200
    assert "Showing results for" in page.content.decode() and "thermostat" in page.content.decode()


def test_the_first_letter_is_kept(questions):
    """"hermostat" is one edit from "thermostat", but a typo rarely changes the first letter: "mower" is not
    "power"."""
    assert vocabulary.correct("thermostst") == "thermostat"
    assert vocabulary.correct("hermostat") is None
    assert vocabulary.correct("thermostats") is None  # never a piece of the word itself ("user" → "use")


def test_another_form_of_a_word_is_not_taken_for_a_typo(questions):
    """"smoke detector" must not become "detection" (two edits, all in the ending): the index lacks the word, it
    is not misspelt. Letters swapped at the end are a typo still."""
    SearchWord.objects.bulk_create([SearchWord(word="detection", docs=3), SearchWord(word="firmware", docs=3)])
    vocabulary.forget_known()
    assert vocabulary.correct("detector") is None
    assert vocabulary.correct("firmwear") == "firmware"
    assert vocabulary.correct("detecton") == "detection"  # one letter missing: a typo


def test_a_respelling_that_finds_nothing_is_not_offered(questions):
    """"thermostst zzqx": "thermostat zzqx" finds nothing either, so the page must not say "Showing results for
    thermostat zzqx" above no results."""
    results = DatabaseBackend().search(SearchQuery(text="thermostst qzxwvk"))
    assert results.total == 0 and results.corrected == ""


def test_no_correction_when_no_word_is_close(questions):
    results = DatabaseBackend().search(SearchQuery(text="qzxwvk"))
    assert results.total == 0 and not results.hits and results.corrected == ""


def test_vocabulary_follows_writes_and_rebuilds(questions):
    assert SearchWord.objects.filter(word="tablet").exists()  # recorded when the question was indexed
    assert vocabulary.rebuild() > 10
    assert vocabulary.known({"thermostat", "nowhere"}) == {"thermostat": 2}
    assert vocabulary.distance("firmwear", "firmware", 2) == 2
    assert vocabulary.distance("pasword", "password", 1) == 1


# --- bounded cost on common terms (database engine) ------------------------------------------------------

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the sampled counts and the quality-ordered read are the SQLite engine's"
)


@sqlite_only
def test_common_terms_use_estimates_and_the_quality_order(questions, monkeypatch):
    monkeypatch.setattr(database, "EXACT_ROWS", 3)
    monkeypatch.setattr(database, "SAMPLE_ROWS", 2)
    best = questions["other"]
    for question in questions.values():
        update_signals("question", question.pk, votes=0)
    update_signals("question", best.pk, votes=40, is_solved=True, answer_count=2)
    results = DatabaseBackend().search(SearchQuery(text="idea", page_size=3))  # every body says "Any idea…"
    assert results.estimated
    assert results.total == 8  # no filter: the count of the index itself
    assert results.hits[0].title == best.title  # the best quality first among equal text matches
    assert sum(v.count for v in results.facets["kind"]) == results.total
    exact = DatabaseBackend().search(SearchQuery(text="tablet"))
    assert not exact.estimated and exact.total == 1
    # A filter counts its matches exactly (through the covering index) and ranks them all when few.
    solved = DatabaseBackend().search(SearchQuery(text="idea", status="solved"))
    assert solved.total == 1 and [hit.title for hit in solved.hits] == [best.title]
    # The other sorts read the matches in their index's order.
    newest = DatabaseBackend().search(SearchQuery(text="idea", sort="newest", page_size=3))
    assert [hit.title for hit in newest.hits] == [COMPOUNDS[name] for name in ("other", "setup", "set_up")]
    top = DatabaseBackend().search(SearchQuery(text="idea", sort="votes", page_size=1))
    assert [hit.title for hit in top.hits] == [best.title]


def test_quality_is_stored_and_follows_signals(questions):
    question = questions["other"]
    doc = SearchDocument.objects.get(kind="question", object_id=question.pk)
    assert doc.quality == pytest.approx(0.85)  # unanswered, no votes
    update_signals("question", question.pk, votes=10, is_solved=True, answer_count=1)
    doc.refresh_from_db()
    assert doc.quality == pytest.approx(1 + 0.25 + 0.08 * 2.3979, abs=1e-3)


@sqlite_only
def test_search_page_says_when_counts_are_estimates(questions, client, monkeypatch, settings):
    settings.SEARCH_RESULT_CACHE_SECONDS = 0
    monkeypatch.setattr(database, "EXACT_ROWS", 3)
    monkeypatch.setattr(database, "SAMPLE_ROWS", 2)
    page = client.get(reverse("search"), {"q": "idea"})
    assert page.status_code == 200
    assert "About" in page.content.decode()
