from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from knowledge.importer import import_articles
from knowledge.models import ArticlePage, TopicPage, TopicPromotedItem

GOOD = """---
title: Reset your password
slug: reset-your-password
summary: Get a reset link by email.
topic: billing-refunds
tags: [password, sign-in]
language: en
last_reviewed: 2026-09-14
promoted: true
faq:
  - q: Does the link expire?
    a: After 60 minutes.
---
Intro paragraph.

## Steps

1. Open the app.
2. Tap **Forgot password?**

> [!WARNING]
> Links expire.

```text
E-104
```

| Region | Days |
|---|---|
| EU | 14 |

@[video](https://www.youtube.com/watch?v=abcdefghijk) Reset in a minute

<script>alert(1)</script>
[click](javascript:alert(1))
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_structured_published_articles(tmp_path, topic):
    write(tmp_path, "en/reset.md", GOOD)
    report = import_articles(tmp_path)
    assert report.created == ["en/reset.md"] and not report.failed
    page = ArticlePage.objects.get(slug="reset-your-password")
    assert page.live and page.get_parent().pk == topic.pk
    assert [b.block_type for b in page.body] == [
        "paragraph", "heading", "steps", "callout", "code", "table", "video", "paragraph", "faq"
    ]
    assert sorted(t.name for t in page.tags.all()) == ["password", "sign-in"]
    html = "".join(str(b.render()) for b in page.body)
    assert "<script" not in html and "&lt;script" not in html  # raw HTML is not imported; a script not even as text
    assert ("en/reset.md", "HTML <script> not imported: left out with its content") in report.warnings
    assert 'href="javascript:' not in html
    assert TopicPromotedItem.objects.filter(topic=topic, article=page).exists()


def test_reimport_updates_by_slug_and_skips_unchanged(tmp_path, topic):
    write(tmp_path, "reset.md", GOOD)
    import_articles(tmp_path)
    again = import_articles(tmp_path)
    assert again.skipped == [("reset.md", "unchanged since the last import")] and not again.created
    write(tmp_path, "reset.md", GOOD.replace("Get a reset link by email.", "New summary."))
    third = import_articles(tmp_path)
    assert third.updated == ["reset.md"]
    assert ArticlePage.objects.get(slug="reset-your-password").summary == "New summary."
    assert ArticlePage.objects.filter(slug="reset-your-password").count() == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (GOOD.replace("title: Reset your password\n", ""), "missing 'title'"),
        (GOOD.replace("topic: billing-refunds", "topic: nowhere"), "unknown topic 'nowhere'"),
        (GOOD.replace("tags: [password, sign-in]", "tags: [Bad Tag!]"), "invalid tags"),
        (GOOD.replace("language: en", "language: fr"), "language must be one of"),
        (GOOD.replace("slug: reset-your-password", "slug: Not A Slug"), "slug must be"),
        (GOOD.replace("last_reviewed: 2026-09-14", "last_reviewed: yesterday"), "last_reviewed must be a date"),
        ("---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        ("no front matter at all", "no front matter"),
        ("", "the file is empty"),
        ("\n  \n", "the file is empty"),
        ('+++\ntitle = "Reset"\n+++\nbody', "TOML front matter (+++) is not supported: write it in YAML between --- lines"),
        ("---\ntitle: Pair\nsummary: How to pair: the siren\n---\nbody",
         "front matter is not valid YAML: mapping values are not allowed in this context (line 3)"),
        ("\n\n---\ntitle: x\n\tslug: y\n---\nbody", "front matter is not valid YAML: found a tab character that violates indentation (line 5)"),
        (GOOD.split("---\nIntro")[0] + "---\n", "no body"),
    ],
)
def test_malformed_files_are_reported_not_half_imported(tmp_path, topic, text, reason):
    write(tmp_path, "bad.md", text)
    write(tmp_path, "good.md", GOOD.replace("reset-your-password", "another-one"))
    report = import_articles(tmp_path)
    assert report.created == ["good.md"]
    assert len(report.failed) == 1 and report.failed[0][0] == "bad.md" and reason in report.failed[0][1]
    assert not ArticlePage.objects.filter(slug="reset-your-password").exists()


def test_draft_import_and_command_output(tmp_path, topic, capsys):
    write(tmp_path, "reset.md", GOOD)
    call_command("import_articles", str(tmp_path), "--draft")
    page = ArticlePage.objects.get(slug="reset-your-password")
    assert not page.live and page.has_unpublished_changes
    assert "1 created, 0 updated, 0 skipped, 0 failed" in capsys.readouterr().out
    write(tmp_path, "broken.md", "---\ntitle: x\n---\n")
    with pytest.raises(CommandError):
        call_command("import_articles", str(tmp_path))
    assert "FAILED   broken.md" in capsys.readouterr().err


def test_translation_of_links_the_japanese_article(tmp_path, site, topic):
    write(tmp_path, "en/reset.md", GOOD)
    write(
        tmp_path,
        "ja/reset.md",
        GOOD.replace("slug: reset-your-password", "slug: reset-your-password-ja\ntranslation_of: reset-your-password")
        .replace("language: en", "language: ja")
        .replace("title: Reset your password", "title: パスワードをリセットする方法"),
    )
    report = import_articles(tmp_path)
    assert not report.failed, report.failed
    en = ArticlePage.objects.get(slug="reset-your-password")
    ja = ArticlePage.objects.get(slug="reset-your-password-ja")
    assert ja.translation_key == en.translation_key and ja.locale.language_code == "ja"
    assert ja.url.startswith("/ja/billing-refunds/")


# --- topics: a default for files without one, and creating missing ones (issue 14) --------------------------

NO_TOPIC = GOOD.replace("topic: billing-refunds\n", "").replace("promoted: true\n", "")


def test_files_without_a_topic_take_the_default(tmp_path, topic, capsys):
    write(tmp_path, "a.md", NO_TOPIC)
    write(tmp_path, "b.md", GOOD.replace("reset-your-password", "second").replace("topic: billing-refunds", "topic: elsewhere"))
    report = import_articles(tmp_path, default_topic="billing-refunds")
    assert report.created == ["a.md"] and report.failed[0][0] == "b.md"  # a named topic wins over the default
    assert ArticlePage.objects.get(slug="reset-your-password").get_parent().pk == topic.pk
    write(tmp_path, "c.md", NO_TOPIC.replace("reset-your-password", "third"))
    report = import_articles(tmp_path)  # no default: the file says what is missing and how to fix it
    assert ("c.md", "missing 'topic' (name one in the file, or give a default with --topic SLUG)") in report.failed
    assert not ArticlePage.objects.filter(slug="third").exists()


def test_unknown_topic_without_the_flag_fails_clearly_and_writes_nothing(tmp_path, site, capsys):
    write(tmp_path, "a.md", NO_TOPIC)
    with pytest.raises(CommandError):
        call_command("import_articles", str(tmp_path), "--topic", "new-topic")
    err = capsys.readouterr().err
    assert "FAILED   a.md: unknown topic 'new-topic': create it in the admin first, or import with --create-topics" in err
    assert not ArticlePage.objects.exists() and not TopicPage.objects.exists()
    with pytest.raises(CommandError, match="a topic slug is lowercase"):
        call_command("import_articles", str(tmp_path), "--topic", "Not A Slug")


def test_create_topics_under_the_home_page_of_each_language(tmp_path, site, capsys):
    write(tmp_path, "en/a.md", NO_TOPIC.replace("summary:", "topic_title: Smart locks\nsummary:"))
    write(tmp_path, "en/b.md", GOOD.replace("reset-your-password", "pairing").replace("billing-refunds", "pairing-help"))
    write(
        tmp_path, "ja/a.md",
        NO_TOPIC.replace("slug: reset-your-password", "slug: reset-ja\ntranslation_of: reset-your-password")
        .replace("language: en", "language: ja"),
    )
    write(tmp_path, "ja/only.md", GOOD.replace("reset-your-password", "ja-only").replace("language: en", "language: ja")
          .replace("billing-refunds", "ja-topic"))
    call_command("import_articles", str(tmp_path), "--topic", "smart-locks", "--create-topics")
    assert "4 created, 0 updated, 0 skipped, 0 failed" in capsys.readouterr().out
    en = TopicPage.objects.get(slug="smart-locks", locale=site["locale_en"])
    ja = TopicPage.objects.get(slug="smart-locks", locale=site["locale_ja"])
    assert en.title == "Smart locks" and en.live and en.get_parent().pk == site["en"].pk
    assert ja.get_parent().pk == site["ja"].pk and ja.translation_key == en.translation_key
    assert TopicPage.objects.get(slug="pairing-help").title == "Pairing help"
    only = TopicPage.objects.get(slug="ja-topic")
    assert only.locale == site["locale_ja"] and only.get_parent().pk == site["ja"].pk
    assert ArticlePage.objects.get(slug="ja-only").url.startswith("/ja/ja-topic/")
    assert ArticlePage.objects.get(slug="reset-your-password").url == "/smart-locks/reset-your-password/"


def test_a_failed_file_leaves_no_created_topic_and_drafts_stay_drafts(tmp_path, site):
    write(tmp_path, "a.md", NO_TOPIC.replace("slug: reset-your-password", "slug: reset\ntranslation_of: missing-original"))
    report = import_articles(tmp_path, default_topic="new-topic", create_topics=True)
    assert "translation_of 'missing-original'" in report.failed[0][1]
    assert not TopicPage.objects.exists()  # rolled back with the file
    write(tmp_path, "a.md", NO_TOPIC)
    report = import_articles(tmp_path, default_topic="new-topic", create_topics=True, publish=False)
    assert report.created == ["a.md"]
    assert not TopicPage.objects.get(slug="new-topic").live and not ArticlePage.objects.get().live


def test_table_cells_show_their_words_not_markdown_syntax():
    from knowledge.importer import markdown_to_blocks

    source = (
        "| Code | How to fix |\n|---|---|\n"
        "| E_204 | Check the boiler; see [Nimbus Thermo isn't heating](/help/thermostat-not-heating/) |\n"
        "| E-205 | **Restart** the `hub`, then ![diagram](x.png) *wait* |\n"
    )
    (table,) = [block for block in markdown_to_blocks(source) if block["type"] == "table"]
    assert table["value"]["data"] == [
        ["Code", "How to fix"],
        ["E_204", "Check the boiler; see Nimbus Thermo isn't heating"],
        ["E-205", "Restart the hub, then diagram wait"],
    ]


def test_a_nested_list_in_a_step_is_not_put_inside_a_paragraph():
    from knowledge.importer import markdown_to_blocks

    (steps,) = [block for block in markdown_to_blocks("1. first\n2. second\n   - a sub-step\n") if block["type"] == "steps"]
    assert steps["value"] == ["<p>first</p>", "<p>second</p><ul>\n<li>a sub-step</li>\n</ul>"]


def test_images_are_reported_not_silently_dropped(tmp_path, topic, capsys):
    write(tmp_path, "reset.md", GOOD.replace("Intro paragraph.", "Intro paragraph.\n\n![The reset screen](https://example.com/reset.png)"))
    report = import_articles(tmp_path)
    assert report.created == ["reset.md"]
    assert [w for w in report.warnings if "image" in w[1]] == [
        ("reset.md", "image “The reset screen” not imported: upload it and add it in the editor")
    ]
    page = ArticlePage.objects.get(slug="reset-your-password")
    assert "<p></p>" not in "".join(str(b.render()) for b in page.body)  # no empty paragraph where it was
    write(tmp_path, "reset.md", GOOD.replace("Intro paragraph.", "Intro.\n\n![](https://example.com/a.png)"))
    call_command("import_articles", str(tmp_path))
    assert "warning  reset.md: image “https://example.com/a.png” not imported" in capsys.readouterr().out


def test_headings_show_their_words_not_markdown_syntax():
    from knowledge.importer import markdown_to_blocks

    (heading,) = markdown_to_blocks("## Use **privacy** mode with the `hub` ([guide](/help/x/))\n")
    assert heading["value"] == {"text": "Use privacy mode with the hub (guide)", "level": "h2"}


def test_tags_written_with_spaces_become_slugs(tmp_path, topic):
    write(tmp_path, "reset.md", GOOD.replace("tags: [password, sign-in]", "tags: [Password, Sign in, two_factor]"))
    assert import_articles(tmp_path).created == ["reset.md"]
    page = ArticlePage.objects.get(slug="reset-your-password")
    assert sorted(t.name for t in page.tags.all()) == ["password", "sign-in", "two-factor"]


def test_links_between_imported_files_lead_to_their_articles(tmp_path, topic):
    other = GOOD.replace("title: Reset your password", "title: Refunds").replace("slug: reset-your-password", "slug: refunds")
    write(tmp_path, "en/billing/refunds.md", other)
    write(tmp_path, "en/account/reset.md", GOOD.replace(
        "Intro paragraph.", "See [refunds](../billing/refunds.md#when), [missing](nowhere.md) and [site](https://example.com/a.md)."
        '\n\n```html\n<a href="../billing/refunds.md">code</a>\n```'
    ))
    report = import_articles(tmp_path)
    assert sorted(report.created) == ["en/account/reset.md", "en/billing/refunds.md"]
    html = "".join(str(b.render()) for b in ArticlePage.objects.get(slug="reset-your-password").body)
    assert 'href="/help/refunds/#when"' in html  # the article's short link, anchor kept
    assert 'href="nowhere.md"' in html and 'href="https://example.com/a.md"' in html  # left as they were
    assert ("en/account/reset.md", "link to “nowhere.md”: no such file in this import") in report.warnings
    code = next(b for b in ArticlePage.objects.get(slug="reset-your-password").body if b.block_type == "code")
    assert code.value["code"] == '<a href="../billing/refunds.md">code</a>'  # a code sample is left alone


def test_a_first_heading_repeating_the_title_is_not_shown_twice(tmp_path, topic):
    write(tmp_path, "reset.md", GOOD.replace("Intro paragraph.", "# Reset your  password\n\nIntro paragraph."))
    assert import_articles(tmp_path).created == ["reset.md"]
    body = ArticlePage.objects.get(slug="reset-your-password").body
    assert body[0].block_type == "paragraph"  # the "# Reset your password" line is the page's own title
    write(tmp_path, "only.md", GOOD.replace("reset-your-password", "only-title").split("Intro paragraph.")[0] + "# Reset your password\n")
    report = import_articles(tmp_path)
    assert ("only.md", "the article has no body") in report.failed
