"""The search page's boxes and filters: the query is echoed as typed, facets that would lead to an empty
page are not links, and an empty filtered result offers a way back."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from community import services
from tests.factories import UserFactory, make_article, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(site):
    account = make_topic(site["en"], "Account & sign-in", "account-sign-in", tags=["account"])
    make_article(account, "Reset your password", tags=["password"], summary="Get a reset link by email.")
    asker = UserFactory(username="asker")
    services.ask_question(asker, title="Hub keeps dropping off Wi-Fi", body="Every night the hub goes offline.", topic=account)
    return account


def _boxes(html: str) -> dict[str, str]:
    return {m[0]: m[1] for m in re.findall(r'<input id="(search-q|header-q)"[^>]*?value="([^"]*)"', html)}


def test_both_search_boxes_echo_the_query_as_typed(client, content):
    html = client.get(reverse("search"), {"q": "Reset  ＰＡＳＳＷＯＲＤ"}).content.decode()
    assert "your <mark>password</mark>" in html  # found case-insensitively ...
    assert _boxes(html) == {"search-q": "Reset ＰＡＳＳＷＯＲＤ", "header-q": "Reset ＰＡＳＳＷＯＲＤ"}  # ... shown as typed
    assert "q=Reset+%EF%BC%B0" in html  # facet and sort links keep it too
    assert "“Reset ＰＡＳＳＷＯＲＤ” — search" in html


def test_zero_count_facets_are_not_links(client, content):
    html = client.get(reverse("search"), {"q": "password"}).content.decode()
    assert "type=article" in html  # a facet with results is a link
    assert "status=solved" not in html and "status=unanswered" not in html  # no question matches: no dead ends
    assert re.search(r'<span class="facet-link facet-link--empty">.*?Solved <span class="facet-count">\(0\)</span>', html)


def test_empty_filtered_results_offer_to_remove_each_filter(client, content):
    response = client.get(reverse("search"), {"q": "password", "type": "question", "tag": "password"})
    html = response.content.decode()
    assert response.status_code == 200 and 'class="search-hit"' not in html
    assert re.search(r'<a href="\?q=password&amp;tag=password">Remove filter: Question</a>', html)
    assert re.search(r'<a href="\?q=password&amp;type=question">Remove filter: password</a>', html)
    assert '<a href="?q=password">Clear all filters</a>' in html


def test_facet_labels_follow_the_readers_language_even_from_the_cache(client, content):
    Client().get("/ja/search/", {"q": "password", "status": "unanswered"})  # cached while the language is Japanese
    html = client.get("/search/", {"q": "password", "status": "unanswered"}).content.decode()
    assert "Unanswered" in html and "未回答" not in html
    assert "Remove filter: Unanswered" in html
    ja = Client().get("/ja/search/", {"q": "password", "type": "question"}).content.decode()
    assert "質問" in ja and ">Question<" not in ja


# --- nothing holds every word: the results without one of them, or with some of them -----------------------


def _log(query):
    from search import analytics
    from search.models import SearchLog

    analytics.flush()
    return SearchLog.objects.filter(query=query).values_list("result_count", flat=True).get()


def test_a_word_nothing_holds_is_left_out_and_said(client, content):
    html = client.get(reverse("search"), {"q": "reset password yesterday"}).content.decode()
    assert "Showing results without “yesterday”" in html
    assert "your <mark>password</mark>" in html
    assert _log("reset password yesterday") == 0  # still a content gap for the Insights report


def test_the_left_out_word_keeps_the_rarer_ones(client, content):
    """"hub offline" holds two questions, "hub password" one: of the words that can go, the one that leaves the
    fewest results goes, so the query keeps its rarer words."""
    asker = UserFactory(username="asker2")
    services.ask_question(asker, title="Hub offline every night", body="It drops at 2 am.", topic=content)
    services.ask_question(asker, title="Change the hub password", body="The admin password of the hub.", topic=content)
    html = client.get(reverse("search"), {"q": "hub password offline"}).content.decode()
    assert "Showing results without “offline”" in html and "Change the <mark>hub</mark>" in html
    assert "1 result" in html


def test_with_no_word_to_leave_out_titles_sharing_some_words(client, content):
    html = client.get(reverse("search"), {"q": "hub wifi password nightly zzqx"}).content.decode()
    assert "Showing results with some of them." in html
    assert "your <mark>password</mark>" in html and "Wi-Fi" in html
    assert _log("hub wifi password nightly zzqx") == 0


def test_nothing_at_all_still_offers_to_ask(client, content):
    html = client.get(reverse("search"), {"q": "zzqx"}).content.decode()
    assert "Showing results" not in html and "Nothing matches your search yet." in html
    # Nothing to sort or filter: no sort links, no "Filters" of zero counts above the offer to ask.
    assert 'class="sort-links"' not in html and 'id="search-filters"' not in html and "0 results" in html
    filtered = client.get(reverse("search"), {"q": "zzqx", "status": "solved"}).content.decode()
    assert "Remove filter: " in filtered  # a chosen filter can still be removed
    ja = client.get("/ja/search/", {"q": "password 昨日"}).content.decode()
    assert "「昨日」を除いた結果を表示しています" in ja  # the message in the reader's language


def test_every_word_found_is_not_relaxed(client, content):
    html = client.get(reverse("search"), {"q": "reset password"}).content.decode()
    assert "Showing results" not in html


# --- few results hold every word: more without one of them follow -----------------------------------------


def test_few_results_are_followed_by_more_without_one_word(client, content):
    asker = UserFactory(username="asker3")
    services.ask_question(asker, title="Hub cannot find the Wi-Fi network", body="After a new router.", topic=content)
    html = client.get(reverse("search"), {"q": "hub dropping wifi"}).content.decode()
    assert "1 result" in html and "Showing results without" not in html  # the one result holding every word
    main, _sep, also = html.partition('<section class="search-also"')
    print(re.findall(r'class="hit-title"><a[^>]*>(.*?)</a>', html))
    assert "keeps <mark>dropping</mark>" in main and "find the" not in main
    assert "More results without “dropping”" in also and "<mark>Hub</mark> cannot find the <mark>Wi-Fi</mark>" in also
    pings = re.findall(r'data-click-ping="[^"]*?[?&]amp;p=(\d+)', html) or re.findall(r'data-click-ping="[^"]*?p=(\d+)', html)
    assert pings == ["1", "2"]  # positions go on after the results holding every word
    assert _log("hub dropping wifi") == 1  # what held every word
    ja = client.get("/ja/search/", {"q": "hub dropping wifi"}).content.decode()
    assert "「dropping」を除いたその他の結果" in ja


def test_enough_results_get_no_more(client, content):
    asker = UserFactory(username="asker4")
    for title in ("Hub dropping Wi-Fi at night", "Hub dropping Wi-Fi after update", "Hub cannot find the Wi-Fi network"):
        services.ask_question(asker, title=title, body=f"Details: {title}.", topic=content)
    html = client.get(reverse("search"), {"q": "hub dropping wifi"}).content.decode()
    assert "3 results" in html and "More results without" not in html


def test_topic_filters_are_named_in_the_readers_language(client, content, site, django_assert_max_num_queries):
    """English results on the Japanese page: the topic filter says アカウントとログイン, not "Account & sign-in"
    (the results only know the English name). A search in the page's language looks nothing up."""
    from tests.factories import translate

    translate(content, site["locale_ja"], title="アカウントとログイン")
    client.get(reverse("search"), {"q": "password"})  # warm: the same queries then on
    with django_assert_max_num_queries(10) as captured:
        en = client.get(reverse("search"), {"q": "reset"}).content.decode()
    assert "Account &amp; sign-in" in en.partition('class="search-facets"')[2]
    assert not any("knowledge_topicpage" in q["sql"] for q in captured.captured_queries)
    ja = client.get("/ja/search/", {"q": "password"}).content.decode()
    facets = ja.partition('class="search-facets"')[2].partition("</aside>")[0]
    assert "アカウントとログイン" in facets and "Account &amp; sign-in" not in facets


def test_a_question_found_on_the_japanese_pages_opens_in_japanese(client, content):
    """A question's page exists in both interface languages: a reader of /ja/ stays on /ja/ (results, header
    suggestions and old click links), a reader of the English pages on the English ones — whichever language
    the question was indexed from."""
    from django.utils import translation

    from community.models import Question
    from search.models import SearchDocument

    question = Question.objects.get()
    doc = SearchDocument.objects.get(kind="question")
    assert doc.url == f"/community/q/{question.pk}/{question.slug}/"  # stored in the default language
    with translation.override("ja"):
        services.edit_question(question.author, question, title="Hub keeps dropping off Wi-Fi at night",
                               body="Every night the hub goes offline.", tags="")
    doc.refresh_from_db()
    assert doc.url.startswith("/community/q/")  # re-indexed from a Japanese request: still the default language
    SearchDocument.objects.filter(pk=doc.pk).update(url="/ja" + doc.url)  # as stored before this rule

    ja = client.get("/ja/search/", {"q": "hub wi-fi"}).content.decode()
    assert f'href="/ja/community/q/{question.pk}/' in ja
    en = client.get("/search/", {"q": "hub wi-fi"}).content.decode()
    assert f'href="/community/q/{question.pk}/' in en and "/ja/community/q/" not in en
    suggestions = client.get("/ja/search/suggest/", {"q": "hub k", "format": "json", "lang": "all"}).json()["suggestions"]
    assert [item["url"] for item in suggestions if item["kind"] == "question"] == [f"/ja/community/q/{question.pk}/{question.slug}/"]
    assert client.get("/search/click/", {"k": f"question:{question.pk}"})["Location"] == f"/community/q/{question.pk}/{question.slug}/"
    assert client.get("/ja/search/click/", {"k": f"question:{question.pk}"})["Location"].startswith("/ja/community/q/")
    assert 'href="/account-sign-in/reset-your-password/"' in client.get("/ja/search/", {"q": "password"}).content.decode()  # articles keep their own address
