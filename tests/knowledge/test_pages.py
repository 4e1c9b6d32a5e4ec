import json
import re

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Page, Workflow

from knowledge.models import ArticleDailyStat, ArticlePage, TopicPage
from knowledge.services import Visitor, count_article_view, flush_article_views, record_helpful_vote
from portal.models import HomePage
from portal.roles import CONTENT_EDITORS, MODERATORS
from tests.factories import UserFactory, make_article, make_topic, translate

FULL_BODY = [
    {"type": "heading", "value": {"text": "Before you start", "level": "h2"}},
    {"type": "paragraph", "value": "<p>You need your <b>order number</b>.</p>"},
    {"type": "steps", "value": ["<p>Open Orders.</p>", "<p>Choose <i>Refund</i>.</p>"]},
    {"type": "callout", "value": {"kind": "warning", "text": "<p>Refunds take 5 days.</p>"}},
    {"type": "code", "value": {"language": "text", "code": "E-104 <refund>"}},
    {"type": "video", "value": {"url": "https://www.youtube.com/watch?v=abcdefghijk", "title": "Refunds in 60 seconds"}},
    {"type": "table", "value": {"data": [["Region", "Days"], ["EU", "14"]], "first_row_is_table_header": True, "first_col_is_header": False, "table_caption": ""}},
    {"type": "faq", "value": [{"question": "Can I cancel a refund?", "answer": "<p>No, once sent it is final.</p>"}]},
]


def test_page_creation_rules(db):
    assert TopicPage.can_create_at(HomePage()) is True
    assert ArticlePage.can_create_at(HomePage()) is False
    assert ArticlePage.can_create_at(TopicPage()) is True
    assert TopicPage.can_create_at(ArticlePage()) is False
    assert HomePage.max_count_per_parent == 1


def test_article_requires_a_summary(topic):
    with pytest.raises(ValidationError):
        topic.add_child(instance=ArticlePage(title="No summary", slug="no-summary", body=FULL_BODY[:1]))


def test_article_renders_every_block_type(client, topic):
    article = make_article(topic, "Refund timeline", body=FULL_BODY, tags=["refund"])
    html = client.get(article.url).content.decode()
    assert '<h2 id="before-you-start">Before you start</h2>' in html
    assert '<ol class="steps"><li><p>Open Orders.</p></li>' in html
    assert "callout--warning" in html and "Refunds take 5 days." in html
    assert "E-104 &lt;refund&gt;" in html  # code is escaped
    assert 'href="https://www.youtube.com/watch?v=abcdefghijk"' in html  # offline: the video degrades to a link
    assert '<th scope="col">Region</th>' in html and "<td>14</td>" in html
    assert "<summary>Can I cancel a refund?</summary>" in html
    assert 'href="/community/tags/refund/"' in html
    assert "1 minute read" in html and "Last reviewed" in html


def test_structured_data_is_valid_json(client, topic):
    article = make_article(topic, "Refund timeline", body=FULL_BODY, tags=["refund"])
    html = client.get(article.url).content.decode()
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]
    types = {b["@type"] for b in blocks}
    assert types == {"Article", "BreadcrumbList", "FAQPage"}
    crumbs = next(b for b in blocks if b["@type"] == "BreadcrumbList")["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Help Center", "Billing & refunds", "Refund timeline"]
    assert '<link rel="canonical" href="http://testserver/billing-refunds/refund-timeline/">' in html
    assert '<meta name="description" content="All about Refund timeline.">' in html
    assert '<meta property="og:type" content="article">' in html


def test_no_faq_means_no_faqpage(client, article):
    assert "FAQPage" not in client.get(article.url).content.decode()


def test_topic_lists_its_children_and_tagged_articles_elsewhere(client, site, topic):
    other = make_topic(site["en"], "Shipping", "shipping", tags=["shipping"])
    own = make_article(topic, "Refund policy", tags=["policy"])
    tagged = make_article(other, "Refunds for lost parcels", tags=["refund"])
    unrelated = make_article(other, "Track a parcel", tags=["shipping"])
    draft = make_article(topic, "Secret draft", live=False)
    html = client.get(topic.url).content.decode()
    assert own.title in html and tagged.title in html
    assert unrelated.title not in html and draft.title not in html
    assert "From the community" in html


def test_related_articles_editor_picks_win_over_shared_tags(client, topic):
    a = make_article(topic, "Refund A", tags=["refund", "card"])
    b = make_article(topic, "Refund B", tags=["refund", "card"])
    c = make_article(topic, "Refund C", tags=["refund"])
    html = client.get(a.url).content.decode()
    assert html.index("Refund B") < html.index("Refund C")  # most shared tags first
    a.related_items.create(related=c)
    a.save_revision().publish()
    html = client.get(a.url).content.decode()
    sidebar = html[html.index('id="related-heading"'):]
    assert "Refund C" in sidebar and "Refund B" not in sidebar and b.pk


def test_trending_counts_views_and_recent_helpful_votes(client, topic, member):
    a = make_article(topic, "Popular one", tags=["refund"])
    b = make_article(topic, "Helpful one", tags=["refund"])
    for _ in range(5):
        count_article_view(a.pk)
    flush_article_views()
    record_helpful_vote(b, Visitor(user_id=member.pk), helpful=True)
    assert ArticleDailyStat.objects.get(article=a).views == 5
    html = client.get(topic.url).content.decode()
    read = html[html.index("Most read"):html.index("Most helpful")]
    helpful = html[html.index("Most helpful"):]
    assert "Popular one" in read and "Helpful one" not in read
    assert "Helpful one" in helpful


def test_article_views_are_counted_without_a_database_write_per_view(client, article, django_assert_num_queries):
    client.get(article.url)
    flush_article_views()
    with django_assert_num_queries(0):
        client.get(article.url)  # cached: served and counted from the cache
    flush_article_views()
    assert ArticleDailyStat.objects.get(article=article).views == 2


def test_home_page_shows_topics_popular_articles_and_ask_cta(client, site, topic, article):
    html = client.get("/").content.decode()
    assert 'role="search"' in html and 'action="/search/"' in html
    assert "Billing &amp; refunds" in html and "Request a refund" in html
    assert "Ask the community" in html


def _page_queries(client, urls):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for url in urls:
        client.get(url)  # warm the per-process caches (site root paths, locales) first
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    return counts


def test_query_budgets_are_fixed_and_do_not_grow(client, site, topic, member, django_assert_max_num_queries):
    """Home, topic and article pages (signed in, so never from the page cache) run a fixed number of
    queries however many articles, tags, related items and votes there are."""
    client.force_login(member)

    def grow(n, start):
        pages = [make_article(topic, f"Article {start + i}", tags=["refund", f"t{start + i}"]) for i in range(n)]
        for page in pages:
            record_helpful_vote(page, Visitor(user_id=member.pk), helpful=True)
            count_article_view(page.pk)
        flush_article_views()
        return pages

    first = grow(2, 0)
    first[0].related_items.create(related=first[1])
    first[0].save_revision().publish()
    urls = ["/", topic.url, first[0].url]
    small = _page_queries(client, urls)
    more = grow(12, 2)
    for other in more[:4]:
        first[0].related_items.create(related=other)
    first[0].save_revision().publish()
    large = _page_queries(client, urls)
    assert small == large, f"queries grew with content: {small} -> {large}"
    for url, budget in zip(urls, (16, 21, 20), strict=True):  # topic: + its community questions (3)
        with django_assert_max_num_queries(budget):
            client.get(url)


def test_workflow_editor_submits_moderator_publishes(site, topic):
    editor = UserFactory(groups=[CONTENT_EDITORS])
    moderator = UserFactory(groups=[MODERATORS])
    workflow = Workflow.objects.get(name="Moderators approval")
    assert workflow.active and Page.get_first_root_node().get_workflow() == workflow
    article = make_article(topic, "Draft by editor", live=False)
    assert not article.permissions_for_user(editor).can_publish()
    assert article.permissions_for_user(editor).can_edit()
    assert article.permissions_for_user(moderator).can_publish()
    state = workflow.start(article, editor)
    assert state.status == "in_progress"
    task_state = state.current_task_state
    assert task_state.task.specific.user_can_access_editor(article, moderator)
    task_state.task.specific.on_action(task_state, moderator, "approve")
    article.refresh_from_db()
    assert article.live


def test_japanese_translation_is_served_under_ja(client, site, topic, article):
    topic_ja = translate(topic, site["locale_ja"], title="請求と払い戻し")
    article_ja = translate(article, site["locale_ja"], title="払い戻しを申請する", summary="払い戻しの手順。")
    assert article_ja.url.startswith("/ja/")
    html = client.get(article_ja.url).content.decode()
    assert '<html lang="ja">' in html and "払い戻しを申請する" in html
    assert f'hreflang="en" href="http://testserver{article.url}"' in html
    assert topic_ja.pk


def test_scheduled_publishing_goes_live_on_time(client, topic):
    from datetime import timedelta

    import time_machine
    from django.core.management import call_command
    from django.utils import timezone

    article = make_article(topic, "Holiday shipping", live=False)
    article = article.get_latest_revision_as_object()
    go_live_at = timezone.now() + timedelta(hours=2)
    article.go_live_at = go_live_at
    revision = article.save_revision()
    revision.publish()  # with a future go_live_at, Wagtail schedules instead of publishing
    article.refresh_from_db()
    assert not article.live
    assert client.get("/billing-refunds/holiday-shipping/").status_code == 404
    with time_machine.travel(go_live_at - timedelta(seconds=1), tick=False):
        call_command("publish_scheduled")
    article.refresh_from_db()
    assert not article.live  # not yet: one second before its time
    with time_machine.travel(go_live_at + timedelta(seconds=1), tick=False):
        call_command("publish_scheduled")
    article.refresh_from_db()
    assert article.live
    assert client.get("/billing-refunds/holiday-shipping/").status_code == 200


def test_faq_structured_data_is_plain_text_decoded_once(client, topic):
    body = [{"type": "faq", "value": [{"question": "Where is it?", "answer": "<p>Settings &gt; Billing &amp; plans</p><ul><li>one</li><li>two</li></ul>"}]}]
    article = make_article(topic, "Plan settings", body=body)
    html = client.get(article.url).content.decode()
    blocks = [json.loads(b) for b in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)]
    faq = next(b for b in blocks if b["@type"] == "FAQPage")
    assert faq["mainEntity"][0]["acceptedAnswer"]["text"] == "Settings > Billing & plans one two"


def test_a_short_link_with_another_languages_slug_opens_the_readers_translation(client, site, topic, article):
    """/ja/help/<English slug>/ (a link copied from the English site) opens the Japanese article, not the English."""
    topic_ja = translate(topic, site["locale_ja"], title="請求", slug="billing-ja")
    article_ja = translate(article, site["locale_ja"], title="返金を申請する", slug="request-a-refund-ja")
    assert topic_ja.pk and article_ja.url.startswith("/ja/")
    assert client.get(f"/ja/help/{article.slug}/")["Location"] == article_ja.url
    assert client.get(f"/help/{article_ja.slug}/")["Location"] == article.url  # and the other way round
    assert client.get(f"/ja/help/{article_ja.slug}/")["Location"] == article_ja.url
    assert client.get("/ja/help/no-such-article/").status_code == 404
