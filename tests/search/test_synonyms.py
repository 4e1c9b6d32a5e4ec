"""Editor-managed synonyms (issue 14, item 3): validation, expansion, the cache, the admin screens and
their permissions, and both engines finding a document through a synonym — with no reindex."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from wagtail.models import ModelLogEntry

from portal.roles import CONTENT_EDITORS, MODERATORS
from search import synonyms
from search.backends.base import SearchQuery
from search.backends.database import DatabaseBackend
from search.models import SearchDocument, SynonymGroup
from search.text import Term, parse
from tests.factories import UserFactory
from tests.search.es_fixtures import es_backend, osmem_url, refresh

__all__ = ["es_backend", "osmem_url"]  # fixtures, imported for pytest

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)
ADD = "wagtailsnippets_search_synonymgroup:add"
LIST = "wagtailsnippets_search_synonymgroup:list"


def make_doc(title: str, body: str, language: str = "en") -> SearchDocument:
    object_id = next(_ids)
    return SearchDocument.objects.create(
        kind="article", object_id=object_id, url=f"/help/{object_id}/", title=title, body=body, language=language,
        created_at=NOW - timedelta(days=3), updated_at=NOW - timedelta(days=3),
    )


def staff(group: str | None = None, **fields):
    user = UserFactory(groups=[group] if group else [], **fields)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


@pytest.fixture
def editor(db):
    return staff(CONTENT_EDITORS)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def keys(results) -> list[str]:
    return [hit.key for hit in results.hits]


# --- validation ---------------------------------------------------------------------------------------------


def test_terms_are_normalised_and_deduplicated():
    assert synonyms.clean_terms("Invoice\n  BILL , receipt\ninvoice") == ["invoice", "bill", "receipt"]
    assert synonyms.clean_terms("ｅ－ｍａｉｌ、Email / mail") == ["e-mail", "mail"]  # NFKC; e-mail = email
    assert synonyms.clean_terms("解約\nキャンセル") == ["解約", "キャンセル"]
    assert synonyms.clean_terms("sign in\nlog  in") == ["sign in", "log in"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "at least two different words"),
        ("invoice", "at least two different words"),
        ("invoice\nInvoice\nIN-VOICE", "at least two different words"),
        ("invoice\nb", "too short"),
        ("invoice\n" + "x" * 61, "too long"),
        ("invoice\nthe bill you got today", "more than 4 words"),
        ("invoice\nbill!", "characters search ignores (!)"),
        ("invoice\n" + "\n".join(f"word{i}" for i in range(21)), "at most 20"),
    ],
)
def test_bad_input_gets_a_clear_message(raw, message):
    with pytest.raises(ValidationError) as error:
        synonyms.clean_terms(raw)
    assert any(message in m for m in error.value.messages), error.value.messages


def test_a_term_belongs_to_one_group_per_language(editor):
    synonyms.save_group(editor, SynonymGroup(language="en", terms="invoice\nbill"))
    with pytest.raises(ValidationError) as error:
        synonyms.save_group(editor, SynonymGroup(language="en", terms="Bill\ncheck"))
    assert "“bill” is already in the group “invoice / bill”" in error.value.message_dict["terms"][0]
    synonyms.save_group(editor, SynonymGroup(language="ja", terms="bill\nビル"))  # another language: fine


# --- expansion ----------------------------------------------------------------------------------------------


def test_expand_adds_the_group_in_order_and_keeps_every_term(editor, django_assert_num_queries):
    synonyms.save_group(editor, SynonymGroup(language="en", terms="invoice\nbill\nreceipt"))
    synonyms.save_group(editor, SynonymGroup(language="en", terms="log in\nsign in"))
    synonyms.save_group(editor, SynonymGroup(language="ja", terms="解約\nキャンセル"))
    cache.clear()
    with django_assert_num_queries(1):  # one query on a miss ...
        terms = synonyms.expand(parse("Bills refund"), "en")
    with django_assert_num_queries(0):  # ... none after
        synonyms.expand(parse("bill"), "")
    assert [t.text for t in terms] == ["bills", "refund"]
    assert terms[0].variants == ("bills", "bill", "invoice", "receipt")  # matched by its stem
    assert terms[1] == parse("refund")[0]
    assert synonyms.expand(parse("login"), "en")[0].variants == ("login", "sign in")  # "log in" = "login"
    assert synonyms.expand(parse("キャンセル"), "")[0].variants == ("キャンセル", "解約")
    assert synonyms.expand(parse("キャンセル"), "en")[0].variants == ("キャンセル",)  # English groups only
    assert synonyms.expand([], "en") == []
    # Japanese without spaces is cut into its words first ("プランを解約" → プラン, 解約): the synonym joins its word
    assert [t.variants for t in synonyms.expand(parse("プランを解約"), "ja")] == [("プラン",), ("解約", "キャンセル")]
    # a member inside a run the script does not cut (kanji only): the run with the synonym in the member's place
    # Four kanji typed together are two words (search.text.parse): the group applies to the one it names.
    assert [t.variants for t in synonyms.expand(parse("解約料金"), "ja")] == [("解約", "キャンセル"), ("料金",)]


def test_expand_never_raises():
    cache.set(synonyms.CACHE_KEY, [("en", None)])  # whatever went wrong
    terms = [Term("bill", ("bill",))]
    assert synonyms.expand(terms, "en") == terms


def test_query_language():
    assert synonyms.query_language(SearchQuery(text="x", languages=("ja",))) == "ja"
    assert synonyms.query_language(SearchQuery(text="x", languages=("en", "ja"))) == ""
    assert synonyms.query_language(SearchQuery(text="x")) == ""


# --- services -----------------------------------------------------------------------------------------------


def test_services_check_permission_and_audit(editor, member):
    with pytest.raises(PermissionDenied):
        synonyms.save_group(member, SynonymGroup(language="en", terms="invoice\nbill"))
    group = synonyms.save_group(editor, SynonymGroup(language="en", terms="invoice\nbill"))
    group.terms = "invoice\nbill\nreceipt"
    synonyms.save_group(editor, group)
    with pytest.raises(PermissionDenied):
        synonyms.delete_group(member, group)
    synonyms.delete_group(editor, group)
    actions = list(ModelLogEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["search.synonyms.create", "search.synonyms.edit", "search.synonyms.delete"]
    assert not SynonymGroup.objects.exists()


# --- the database engine ------------------------------------------------------------------------------------


def test_database_engine_finds_synonyms_without_reindex(client, editor, settings):
    settings.SEARCH_RESULT_CACHE_SECONDS = 120  # the result cache must not hide a change
    invoice = make_doc("Download your invoice", "Every invoice is in your account, as a PDF.")
    cancel = make_doc("プランを解約する", "アプリから解約できます。", language="ja")

    def found(q: str) -> bool:
        page = client.get(reverse("search"), {"q": q}).content.decode()
        return {"bill": invoice, "キャンセル": cancel}[q].url in page

    assert not found("bill") and not found("キャンセル")
    client.force_login(editor)
    assert client.post(reverse(ADD), {"language": "en", "terms": "invoice\nbill\nreceipt"}).status_code == 302
    assert client.post(reverse(ADD), {"language": "ja", "terms": "解約、キャンセル"}).status_code == 302
    assert found("bill") and found("キャンセル")
    assert keys(DatabaseBackend().search(SearchQuery(text="プランをキャンセル"))) == [cancel.key]
    assert keys(DatabaseBackend().search(SearchQuery(text="bills"))) == [invoice.key]

    group = SynonymGroup.objects.get(language="en")
    delete_url = reverse("wagtailsnippets_search_synonymgroup:delete", args=[group.pk])
    assert client.get(delete_url).status_code == 200  # the confirmation
    response = client.post(delete_url)
    assert response.status_code == 302 and not SynonymGroup.objects.filter(pk=group.pk).exists()
    assert not found("bill") and found("キャンセル")
    assert list(ModelLogEntry.objects.filter(action="search.synonyms.delete").values_list("object_id", flat=True)) == [str(group.pk)]


def test_bulk_delete_goes_through_the_service(client, editor):
    one = synonyms.save_group(editor, SynonymGroup(language="en", terms="invoice\nbill"))
    two = synonyms.save_group(editor, SynonymGroup(language="en", terms="refund\nmoney back"))
    synonyms.expand(parse("bill"), "")  # cached
    client.force_login(editor)
    url = reverse("wagtail_bulk_action", args=["search", "synonymgroup", "delete"]) + f"?id={one.pk}&id={two.pk}"
    response = client.post(url)
    assert response.status_code == 302 and not SynonymGroup.objects.exists()
    assert ModelLogEntry.objects.filter(action="search.synonyms.delete").count() == 2
    assert synonyms.expand(parse("bill"), "")[0].variants == ("bill",)


# --- the admin ----------------------------------------------------------------------------------------------


def test_admin_form_shows_clear_errors(client, editor):
    client.force_login(editor)
    assert client.get(reverse(ADD)).status_code == 200
    response = client.post(reverse(ADD), {"language": "en", "terms": "invoice\nbill!"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "contains characters search ignores (!)" in html
    assert not SynonymGroup.objects.exists()
    response = client.post(reverse(ADD), {"language": "en", "terms": "invoice"})
    assert "Enter at least two different words or phrases" in response.content.decode()


def test_listing_and_its_query_budget(client, editor, django_assert_max_num_queries):
    for i in range(12):
        synonyms.save_group(editor, SynonymGroup(language="en", terms=f"word{i}a\nword{i}b"))
    client.force_login(editor)
    with django_assert_max_num_queries(30):
        response = client.get(reverse(LIST))
    assert response.status_code == 200 and "word11a / word11b" in response.content.decode()
    assert "Search synonyms" in client.get(reverse("wagtailadmin_home")).content.decode()  # the Settings menu
    found = client.get(reverse(LIST), {"q": "word11a"}).content.decode()
    assert "word11a / word11b" in found and "word3a / word3b" not in found


@pytest.mark.parametrize(("group", "allowed"), [(CONTENT_EDITORS, True), (MODERATORS, True), ("", False)])
def test_who_may_manage_synonyms(client, group, allowed):
    user = staff(group or None, **({} if group else {"is_staff": True}))
    if not group:  # admin access alone (e.g. a support agent) is not enough
        from django.contrib.auth.models import Permission

        user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(user)
    response = client.get(reverse(LIST))
    assert (response.status_code == 200) is allowed
    response = client.post(reverse(ADD), {"language": "en", "terms": "invoice\nbill"})
    assert SynonymGroup.objects.exists() is allowed


def test_members_cannot_reach_the_screens(client, member):
    client.force_login(member)
    assert client.get(reverse(LIST)).status_code in (302, 403)


def test_admins_may(client):
    admin = staff(is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.post(reverse(ADD), {"language": "ja", "terms": "解約\nキャンセル"}).status_code == 302


# --- Elasticsearch ------------------------------------------------------------------------------------------


def test_elasticsearch_engine_finds_synonyms_at_query_time(es_backend, editor):
    invoice = make_doc("Download your invoice", "Every invoice is in your account, as a PDF.")
    other = make_doc("Pay a bill", "Billing questions.")
    login = make_doc("Trouble to sign in", "If you cannot sign in, reset your password.")
    cancel = make_doc("プランを解約する", "アプリから解約できます。", language="ja")
    for doc in (invoice, other, login, cancel):
        es_backend.index(doc)
    refresh(es_backend)

    def search(text: str, **filters) -> list[str]:
        return keys(es_backend.search(SearchQuery(text=text, **filters)))

    assert search("invoice download") == [invoice.key] and invoice.key not in search("bill")
    assert cancel.key not in search("キャンセル")
    synonyms.save_group(editor, SynonymGroup(language="en", terms="invoice\nbill\nreceipt"))
    synonyms.save_group(editor, SynonymGroup(language="en", terms="log in\nsign in"))
    synonyms.save_group(editor, SynonymGroup(language="ja", terms="解約\nキャンセル"))
    assert set(search("bill")) == {invoice.key, other.key}  # no reindex
    assert search("bill download") == [invoice.key]  # every term must still match
    assert search("login") == [login.key]  # "sign in" as a phrase
    assert search("キャンセル") == [cancel.key]
    assert search("プランをキャンセル") == [cancel.key]
    assert search("キャンセル", languages=("en",)) == []  # only the English groups
    synonyms.delete_group(editor, SynonymGroup.objects.get(terms__startswith="invoice"))
    assert search("bill") == [other.key]


def test_a_change_moves_the_result_cache_generation(editor):
    from search import indexing

    assert synonyms.RESULT_GENERATION_KEY == indexing.GENERATION_KEY
    before = indexing.generation()
    synonyms.save_group(editor, SynonymGroup(language="en", terms="invoice\nbill"))
    assert indexing.generation() != before


def test_demo_groups_are_valid_and_load_once():
    from devtools.search_demo import GROUPS, load_search_demo

    assert load_search_demo() == sum(len(groups) for groups in GROUPS.values())
    assert load_search_demo() == 0
    assert synonyms.expand(parse("キャンセル"), "ja")[0].variants == ("キャンセル", "解約")


def test_search_page_budget_with_synonyms(client, editor, django_assert_max_num_queries):
    invoice = make_doc("Download your invoice", "Every invoice is in your account.")
    for terms in ("invoice\nbill\nreceipt", "sign in\nlog in", "wi-fi\nwireless"):
        synonyms.save_group(editor, SynonymGroup(language="en", terms=terms))
    cache.clear()
    with django_assert_max_num_queries(10):  # the groups: one query on a cache miss
        page = client.get(reverse("search"), {"q": "bill"}).content.decode()
    assert f'href="{invoice.url}"' in page and "Download your <mark>invoice</mark>" in page


def test_admin_messages_in_japanese(client, editor):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "ja"
    profile.save()
    client.force_login(editor)
    html = client.post(reverse(ADD), {"language": "ja", "terms": "解約"}).content.decode()
    assert "異なる語句を 1 行に 1 つずつ、2 つ以上入力してください" in html
    assert "同義語グループ" in client.get(reverse(LIST)).content.decode()


def _log_in_docs():
    login = make_doc("Trouble to sign in", "If you cannot sign in, reset your password.")
    logs = make_doc("Read the hub's event log", "Every event is in the log of the app.")  # "log" and "in", apart
    return login, logs


def test_two_words_a_group_holds_joined_are_one_term_even_when_no_document_has_them(editor):
    """"log in": no document holds "login", but the group "log in / sign in" does: one term, so the group
    applies (before, "in" was dropped as a stopword and "log" alone found event logs)."""
    from search import vocabulary

    login, logs = _log_in_docs()
    assert keys(DatabaseBackend().search(SearchQuery(text="cant log in"))) == [logs.key]
    synonyms.save_group(editor, SynonymGroup(language="en", terms="log in\nsign in"))
    assert vocabulary.known({"login", "zzzz"}) == {"login": 1}
    assert [t.text for t in parse("cant log in", known=vocabulary.known)] == ["log in"]
    for text in ("cant log in", "I can't log in", "login", "log-in"):
        assert keys(DatabaseBackend().search(SearchQuery(text=text))) == [login.key], text


def test_elasticsearch_joins_a_group_compound_too(es_backend, editor):
    login, logs = _log_in_docs()
    for doc in (login, logs):
        es_backend.index(doc)
    refresh(es_backend)
    synonyms.save_group(editor, SynonymGroup(language="en", terms="log in\nsign in"))
    for text in ("cant log in", "I can't log in", "login"):
        assert keys(es_backend.search(SearchQuery(text=text))) == [login.key], text


@pytest.mark.parametrize("query", ["router reboot", "router reboots", "router tv"])
def test_a_synonym_in_the_other_script_beside_other_words_finds_both_languages(editor, query):
    """"router" with its synonym ルーター beside "reboot": the documents with both words in either script, and no
    document with only one of them — planned as two index lookups unioned (`_one_mixed`), or, with a word too
    short for the trigram index ("tv"), as before."""
    synonyms.save_group(editor, SynonymGroup(language="en", terms="router\nルーター"))
    other = "tv" if query.endswith("tv") else "reboot"
    both_en = make_doc(f"Router {other} loop", f"The router will {other} every night.")
    both_ja = make_doc("ルーターが再起動を繰り返す", f"管理画面の {other} ボタンでルーターを再起動します。", language="ja")
    only_router = make_doc("Router placement", "Put the router in the middle of the home.")
    only_ja = make_doc("ルーターの設置場所", "ルーターは家の中央に置いてください。", language="ja")
    only_other = make_doc(f"Scheduled {other}", f"A {other} at night is normal.")
    backend = DatabaseBackend()
    plan = backend._plan(synonyms.expand(parse(query), ""))
    assert ("UNION SELECT rowid FROM (SELECT rowid FROM search_document_fts" in plan[0]) == (other == "reboot")
    found = set(keys(backend.search(SearchQuery(text=query))))
    assert found == {both_en.key, both_ja.key}
    assert not found & {only_router.key, only_ja.key, only_other.key}


@pytest.mark.parametrize("with_synonym", [False, True])
def test_a_latin_name_run_into_a_japanese_particle_is_found(editor, with_synonym):
    """"hub オフライン" finds "Nimbus Hubが…オフライン…": Japanese text runs the name into its particle ("Hubが",
    one token for the word index), so beside Japanese words the Latin ones are looked up as text."""
    if with_synonym:
        synonyms.save_group(editor, SynonymGroup(language="en", terms="hub\nハブ本体"))
    glued = make_doc("Nimbus Hubが夜になるとオフラインになります", "毎晩オフラインになり、朝には戻っています。", language="ja")
    other = make_doc("カメラがオフラインになります", "カメラの電源を確認してください。", language="ja")
    english = make_doc("Hub offline at night", "The hub goes offline every night.")
    found = set(keys(DatabaseBackend().search(SearchQuery(text="hub オフライン"))))
    assert glued.key in found
    assert other.key not in found and english.key not in found
