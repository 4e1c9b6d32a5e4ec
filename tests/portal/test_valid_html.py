"""Every public page type, in English and Japanese, passes the W3C Nu HTML checker (vnu.jar) with 0 errors.

The pages are rendered with the Django test client, written to a temporary folder and checked by one run of
`java -jar vnu.jar --errors-only --format json <files>` (one JVM start for all of them). vnu.jar comes from
npm (`vnu-jar`, pinned in scripts/test.sh, installed into the git-ignored `.tools/`). In CI (`CI=true`) a
missing checker is a failure; locally the test is skipped only when Java itself is absent.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from wagtail.embeds.models import Embed

from community import services
from devtools.management.commands.load_demo import DEMO_DIR
from devtools.management.commands.load_demo import Command as LoadDemo
from knowledge.importer import import_articles
from knowledge.models import ArticlePage, TopicPage
from knowledge.services import Visitor, record_helpful_vote
from portal.models import Profile
from portal.roles import MODERATORS
from tests.factories import UserFactory, make_article, translate

pytestmark = pytest.mark.django_db

VNU_JAR = Path(settings.BASE_DIR) / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

DEMO_ARTICLES = [
    "en/troubleshooting/error-codes.md", "ja/troubleshooting/error-codes-ja.md",
    "en/billing-refunds/cancel-nimbus-plus.md", "ja/billing-refunds/cancel-nimbus-plus-ja.md",
]
BODY_EN = [
    {"type": "heading", "value": {"text": "Before you start", "level": "h2"}},
    {"type": "paragraph", "value": "<p>You need your <b>order number</b>.</p>"},
    {"type": "heading", "value": {"text": "Steps", "level": "h3"}},
    {"type": "steps", "value": ["<p>Open Orders.</p>", "<p>Choose <i>Refund</i>.</p>"]},
    {"type": "heading", "value": {"text": "Steps", "level": "h3"}},  # the same heading twice
    {"type": "heading", "value": {"text": "???", "level": "h2"}},  # nothing left after slugify
    {"type": "callout", "value": {"kind": "warning", "text": "<p>Refunds take 5 days.</p>"}},
    {"type": "code", "value": {"language": "text", "code": "E-104 <refund>"}},
    {"type": "video", "value": {"url": "https://www.youtube.com/watch?v=abcdefghijk", "title": "Refunds in 60 seconds"}},
    {
        "type": "table",
        "value": {
            "data": [["Region", "Days"], ["EU", "14"]], "first_row_is_table_header": True,
            "first_col_is_header": False, "table_caption": "Refund times",
        },
    },
    {"type": "faq", "value": [{"question": "Can I cancel a refund?", "answer": "<p>No, once sent it is final.</p>"}]},
]
BODY_JA = [
    {"type": "heading", "value": {"text": "はじめに", "level": "h2"}},
    {"type": "paragraph", "value": "<p>注文番号が必要です。</p>"},
    {"type": "heading", "value": {"text": "手順", "level": "h3"}},
    {"type": "steps", "value": ["<p>注文を開きます。</p>", "<p>「返金」を選びます。</p>"]},
    {"type": "heading", "value": {"text": "手順", "level": "h3"}},
    {"type": "heading", "value": {"text": "？！", "level": "h2"}},
    {"type": "callout", "value": {"kind": "tip", "text": "<p>返金には5日かかります。</p>"}},
    {"type": "video", "value": {"url": "https://www.youtube.com/watch?v=lmnopqrstuv", "title": "返金の手順"}},
    {"type": "faq", "value": [{"question": "返金を取り消せますか？", "answer": "<p>いいえ。</p>"}]},
]


def vnu_command() -> list[str]:
    java = shutil.which("java")
    in_ci = os.environ.get("CI", "").lower() in ("true", "1", "yes")
    if java is None and not in_ci:
        pytest.skip("Java is not installed: the W3C Nu HTML checker (vnu.jar) needs it")
    if java is None or not VNU_JAR.exists():
        pytest.fail(
            f"The W3C Nu HTML checker is missing (java: {java or 'not found'}, {VNU_JAR}: "
            f"{'present' if VNU_JAR.exists() else 'not found'}). Run scripts/test.sh, which installs it "
            "(npm install --prefix .tools vnu-jar), and Java 17 (apt-get install default-jre-headless)."
        )
    return [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json"]


def run_vnu(files: list[Path]) -> list[dict]:
    result = subprocess.run(  # noqa: S603 - our own command line, no shell
        [*vnu_command(), *map(str, files)], capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stderr.strip() or result.stdout.strip()
    try:
        messages = json.loads(output)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu.jar did not answer with JSON (exit {result.returncode}):\n{output[:2000]}")
    return [m for m in messages if m.get("type") in ("error", "non-document-error") or m.get("subType") == "fatal"]


def format_messages(messages: list[dict]) -> str:
    """One entry per distinct error, with the pages (file:line:column) where it occurs."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for m in messages:
        name = Path(m.get("url", "?").removeprefix("file:")).stem
        where = f"{name}:{m.get('lastLine', '?')}:{m.get('firstColumn', m.get('lastColumn', '?'))}"
        grouped.setdefault((m.get("message", ""), m.get("extract", "").replace("\n", " ").strip()), []).append(where)
    lines = []
    for (message, extract), places in grouped.items():
        lines.append(f"- {message}\n    {extract}\n    in {', '.join(places[:6])}" + (f" and {len(places) - 6} more" if len(places) > 6 else ""))
    return "\n".join(lines)


@pytest.fixture
def fake_embed(monkeypatch):
    """The English video embeds (as YouTube answers oEmbed), the Japanese one's provider does not answer."""
    from wagtail.embeds.exceptions import EmbedNotFoundException

    import knowledge.blocks

    def get_embed(url, max_width=None):
        if "lmnopqrstuv" in url:
            raise EmbedNotFoundException
        return Embed(
            url=url, type="video", width=200, height=113,
            html=(
                '<iframe width="200" height="113" src="https://www.youtube.com/embed/abcdefghijk?feature=oembed" '
                'frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; '
                'picture-in-picture; web-share" referrerpolicy="strict-origin-when-cross-origin" allowfullscreen '
                'title="Refunds in 60 seconds"></iframe>'
            ),
        )

    monkeypatch.setattr(knowledge.blocks, "get_embed", get_embed)


@pytest.fixture
def content(site, fake_embed, tmp_path_factory):
    """A help center and a community in both languages, with Japanese headings, answers, comments and votes."""
    # The demo's topics and a few of its real articles (Markdown with Japanese headings, tables, steps)
    LoadDemo().topics({"en": site["en"], "ja": site["ja"]}, {"en": site["locale_en"], "ja": site["locale_ja"]})
    demo_articles = tmp_path_factory.mktemp("articles")
    for name in DEMO_ARTICLES:
        shutil.copy(DEMO_DIR / name, demo_articles / Path(name).name)
    report = import_articles(demo_articles)
    assert not report.failed, report.failed
    topic = TopicPage.objects.get(slug="billing-refunds", locale=site["locale_en"])
    topic_ja = TopicPage.objects.get(slug="billing-refunds", locale=site["locale_ja"])
    article = make_article(topic, "Refund walkthrough", tags=["refund"], body=BODY_EN)
    article_ja = translate(article, site["locale_ja"], title="返金の手順", summary="返金の方法。", body=BODY_JA)

    asker = UserFactory(username="asker")
    answerer = UserFactory(username="answerer")
    hanako = UserFactory(username="hanako")
    Profile.objects.update_or_create(user=asker, defaults={"display_name": "Alice Chen", "bio": "Smart home fan."})
    Profile.objects.update_or_create(user=hanako, defaults={"display_name": "山田 花子", "language": "ja"})
    record_helpful_vote(article, Visitor(user_id=answerer.pk), helpful=True)

    question = services.ask_question(
        asker, title="Refund for a damaged hub", tags="refund billing", topic=topic,
        body="My hub arrived **damaged**.\n\n- box crushed\n- light off\n\n```\nE-104\n```",
    )
    first = services.post_answer(answerer, question, body="Ask for a refund from *Orders*: it takes 5 days.")
    second = services.post_answer(hanako, question, body="Same here, [the article](https://example.com/help) helped.")
    services.post_comment(answerer, question, body="Which model is it? @asker")
    services.post_comment(asker, first, body="Thanks, that worked.")
    services.vote(hanako, first, 1)
    services.vote(answerer, question, 1)
    services.accept_answer(asker, first)
    services.edit_question(
        asker, question, title="Refund for a damaged hub (Hub 2)", tags="refund billing", topic=topic,
        body=(
            "My Hub 2 arrived **damaged**.\n\n- box crushed\n- light off\n\n## Details\n\n"
            "| part | state |\n|:--|--:|\n| box | crushed |\n\n> It was ~~fine~~ broken.\n\n1. one\n2. two"
        ),
        summary="Model added",
    )
    question.refresh_from_db()
    question_ja = services.ask_question(
        hanako, title="返金はいつ届きますか？", body="一週間前に返金を依頼しました。まだ届きません。", tags="refund",
        topic=topic_ja, language="ja",
    )
    services.post_answer(answerer, question_ja, body="通常5営業日かかります。")
    services.ask_question(answerer, title="Unanswered question about billing", body="Nobody answered yet.", tags="billing")
    services.delete_post(hanako, second)  # moderators still see it, marked deleted
    moderator = UserFactory(username="mod", groups=[MODERATORS])
    return {
        "topic": topic, "topic_ja": topic_ja, "article": article, "article_ja": article_ja, "question": question,
        "question_ja": question_ja, "asker": asker, "hanako": hanako, "answerer": answerer,
        "moderator": moderator,
    }


def public_pages(content) -> dict[str, tuple[str, object]]:
    """name -> (URL, signed-in user or None) for every public page type in both languages."""
    pages: dict[str, tuple[str, object]] = {}
    for lang in ("en", "ja"):
        prefix = "" if lang == "en" else "/ja"
        with translation.override(lang):
            question_url = content["question"].get_absolute_url()
            question_ja_url = content["question_ja"].get_absolute_url()
        topic = content["topic"] if lang == "en" else content["topic_ja"]
        article = content["article"] if lang == "en" else content["article_ja"]
        anonymous = {
            "home": f"{prefix}/",
            "topic": topic.url,
            "article": article.url,
            "article-demo": ArticlePage.objects.get(slug="error-codes" + ("-ja" if lang == "ja" else "")).url,
            "community": f"{prefix}/community/",
            "community-filtered": f"{prefix}/community/?status=unanswered&sort=newest&topic=billing-refunds&lang={lang}",
            "question": question_url,
            "question-ja": question_ja_url,
            "revisions": f"{prefix}/community/q/{content['question'].pk}/revisions/",
            "tag": f"{prefix}/community/tags/refund/",
            "profile": f"{prefix}/community/users/asker/",
            "profile-ja": f"{prefix}/community/users/hanako/",
            "search": f"{prefix}/search/?q=refund",
            "search-empty": f"{prefix}/search/?q=zzqqxxnothing",
            "search-faceted": f"{prefix}/search/?q=refund&type=question&tag=refund&sort=newest",
            "login": f"{prefix}/accounts/login/",
            "signup": f"{prefix}/accounts/signup/",
            "password-reset": f"{prefix}/accounts/password/reset/",
            "not-found": f"{prefix}/no-such-page/",
        }
        for name, url in anonymous.items():
            pages[f"{lang}-{name}"] = (url, None)
        signed_in = {
            "question-asker": (question_url, content["asker"]),
            "question-member": (question_url, content["hanako"]),
            "question-moderator": (question_url, content["moderator"]),
            "question-edit": (f"{prefix}/community/q/{content['question'].pk}/edit/", content["asker"]),
            "notifications": (f"{prefix}/notifications/", content["asker"]),
            "notification-preferences": (f"{prefix}/notifications/preferences/", content["asker"]),
            "ask": (f"{prefix}/community/ask/", content["asker"]),
            "edit-profile": (f"{prefix}/accounts/profile/", content["asker"]),
            "home-member": (f"{prefix}/", content["hanako"]),
            "search-member": (f"{prefix}/search/?q=refund", content["hanako"]),
        }
        for name, (url, user) in signed_in.items():
            pages[f"{lang}-{name}"] = (url, user)
    return pages


def test_every_public_page_is_valid_html_in_both_languages(client, content, tmp_path):
    command = vnu_command()  # fail (CI) or skip (no Java) before rendering anything
    assert command
    files = []
    for name, (url, user) in public_pages(content).items():
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        expected = 404 if name.endswith("not-found") else 200
        assert response.status_code == expected, f"{name}: GET {url} answered {response.status_code}"
        assert response["Content-Type"].startswith("text/html"), name
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(path)
    errors = run_vnu(files)
    assert errors == [], f"{len(errors)} HTML errors (W3C Nu checker):\n" + format_messages(errors)


def test_the_checker_reports_invalid_html(tmp_path):
    """The check itself works: a page with a duplicate id and a bad datetime is reported."""
    vnu_command()
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body>'
        '<h2 id="a">A</h2><h2 id="a">B</h2><time datetime="2026-12-01T10:00:00.123456+00:00">now</time></body></html>'
    )
    errors = run_vnu([page])
    text = format_messages(errors)
    assert "Duplicate ID" in text and "datetime" in text, text


def test_article_headings_get_unique_non_empty_ids_in_any_script(client, site, fake_embed):
    """Japanese headings keep their text as the anchor, repeats get a suffix, empty slugs get section-N."""
    from tests.factories import make_topic

    topic = make_topic(site["en"], "Billing", "billing")
    translate(topic, site["locale_ja"], title="請求")
    article = make_article(topic, "Refund walkthrough", body=BODY_EN)
    article_ja = translate(article, site["locale_ja"], title="返金の手順", body=BODY_JA)
    ids = {}
    for lang, page in (("en", article), ("ja", article_ja)):
        html = client.get(page.url).content.decode()
        body = html.split('class="article-body"', 1)[1].split('id="helpful"', 1)[0]
        ids[lang] = re.findall(r'<h[23] id="([^"]*)">', body)
        assert all(ids[lang]), ids
        ids[lang] = ids[lang][:4]  # the FAQ block's own heading follows
        all_ids = re.findall(r'\sid="([^"]*)"', html)
        assert len(all_ids) == len(set(all_ids)), f"duplicate ids on {page.url}"
    assert ids["en"] == ["before-you-start", "steps", "steps-2", "section-4"]
    assert ids["ja"] == ["はじめに", "手順", "手順-2", "section-4"]


def test_time_elements_carry_whole_seconds(client, site):
    """`<time datetime>` is a valid HTML date-time: no microseconds (HTML allows three fraction digits)."""
    asker = UserFactory()
    question = services.ask_question(asker, title="Hub light blinks red after the update", body="Since the update.")
    services.post_comment(asker, question, body="Still blinking.")
    html = client.get(question.get_absolute_url()).content.decode() + client.get("/community/").content.decode()
    values = re.findall(r'<time datetime="([^"]*)"', html)
    assert len(values) >= 3
    for value in values:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", value), value


def test_every_datetime_attribute_goes_through_the_one_filter():
    """Templates the page test may not reach keep to the rule too: `datetime="{{ value|datetime_attr }}"`."""
    offenders = []
    for template in sorted((Path(settings.BASE_DIR) / "templates").rglob("*.html")):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
            for value in re.findall(r'datetime="([^"]*)"', line):
                if "{{" in value and "|datetime_attr" not in value:
                    offenders.append(f"{template.relative_to(settings.BASE_DIR)}:{number}: {value}")
    assert offenders == [], "use |datetime_attr (portal_tags) for <time datetime>:\n" + "\n".join(offenders)
