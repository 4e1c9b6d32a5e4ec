"""A topic translated by the import takes the Japanese file's topic_title (import audit B)."""

from knowledge.importer import import_articles
from knowledge.models import TopicPage
from tests.factories import make_topic, translate
from tests.knowledge.test_import import GOOD, write

EN = GOOD.replace("topic: billing-refunds", "topic: smart-locks\ntopic_title: Smart locks").replace("promoted: true\n", "")
JA = (
    GOOD.replace("topic: billing-refunds", "topic: smart-locks\ntopic_title: スマートロック")
    .replace("slug: reset-your-password", "slug: reset-ja\ntranslation_of: reset-your-password")
    .replace("language: en", "language: ja").replace("promoted: true\n", "")
)


def test_a_topic_created_in_english_is_translated_with_the_japanese_files_topic_title(tmp_path, site):
    write(tmp_path, "en/a.md", EN)
    write(tmp_path, "ja/a.md", JA)
    report = import_articles(tmp_path, create_topics=True)
    assert sorted(report.created) == ["en/a.md", "ja/a.md"], report.failed
    en = TopicPage.objects.get(slug="smart-locks", locale=site["locale_en"])
    ja = TopicPage.objects.get(slug="smart-locks", locale=site["locale_ja"])
    assert en.title == "Smart locks" and ja.title == "スマートロック" and ja.draft_title == "スマートロック"
    assert ja.live and ja.translation_key == en.translation_key and ja.get_parent().pk == site["ja"].pk
    assert ja.get_latest_revision().as_object().title == "スマートロック"
    assert not [note for _name, note in report.warnings if "topic" in note]


def test_an_existing_topic_translation_keeps_its_editors_title(tmp_path, site):
    en = make_topic(site["en"], "Smart locks", "smart-locks")
    translate(en, site["locale_ja"], title="スマートロック（編集済み）")
    write(tmp_path, "en/a.md", EN)
    write(tmp_path, "ja/a.md", JA.replace("スマートロック", "別の名前"))
    report = import_articles(tmp_path)
    assert not report.failed, report.failed
    assert TopicPage.objects.get(slug="smart-locks", locale=site["locale_ja"]).title == "スマートロック（編集済み）"


def test_a_topic_translated_without_a_topic_title_keeps_the_original_title_and_says_so(tmp_path, site):
    make_topic(site["en"], "Smart locks", "smart-locks")
    write(tmp_path, "ja/a.md", JA.replace("topic_title: スマートロック\n", "").replace("translation_of: reset-your-password\n", ""))
    report = import_articles(tmp_path, publish=False)
    assert report.created == ["ja/a.md"], report.failed
    ja = TopicPage.objects.get(slug="smart-locks", locale=site["locale_ja"])
    assert ja.title == "Smart locks"
    assert not ja.live  # a draft import translates the topic as a draft, as it creates topics as drafts
    assert [warning for warning in report.warnings if "topic" in warning[1]] == [
        ("ja/a.md", "topic 'smart-locks' translated into ja with the title “Smart locks” of the en topic: give the file "
                    "a topic_title, or translate the title in the admin"),
    ]
