"""Links in imported Markdown (import audit B): file names with Japanese characters or spaces, links in table
cells and headings, links to articles the site already has, and raw HTML <a href> links."""

from knowledge.importer import import_articles, markdown_to_blocks
from knowledge.models import ArticlePage
from tests.factories import make_article
from tests.knowledge.test_import import GOOD, write

HEAD = GOOD.split("Intro paragraph.")[0]  # GOOD's front matter (topic billing-refunds, slug reset-your-password)


def article(slug: str, language: str = "en", body: str = "Text.", title: str = "") -> str:
    """A whole file: GOOD's front matter with its own slug, language and title, and `body`."""
    head = HEAD.replace("slug: reset-your-password", f"slug: {slug}").replace("language: en", f"language: {language}")
    head = head.replace("promoted: true\n", "")
    if title:
        head = head.replace("title: Reset your password", f"title: {title}")
    return head + body + "\n"


def body_html(slug: str = "reset-your-password") -> str:
    return "".join(str(block.render()) for block in ArticlePage.objects.get(slug=slug).body)


def link_warnings(report, name: str) -> list[str]:
    return [note for file, note in report.warnings if file == name and "link" in note]


# --- 1. file names that markdown-it percent-encodes -------------------------------------------------------


def test_links_to_files_named_in_japanese_or_with_spaces_lead_to_their_articles(tmp_path, site, topic):
    # The audit's kb-extra/ja folder: 電池メモ.md and "my notes.md" are in the import.
    write(tmp_path, "ja/link-test-ja.md", article(
        "link-test-ja", "ja", "電池の交換方法は[こちら](電池メモ.md#手順)をご覧ください。スペースを含むファイルは[こちら](<my notes.md>)。",
    ))
    write(tmp_path, "ja/電池メモ.md", article("battery-memo-ja", "ja", "単3形の電池を使います。"))
    write(tmp_path, "ja/my notes.md", article("my-notes-ja", "ja", "テストです。"))
    report = import_articles(tmp_path)
    assert sorted(report.created) == ["ja/link-test-ja.md", "ja/my notes.md", "ja/電池メモ.md"], report.failed
    assert link_warnings(report, "ja/link-test-ja.md") == []
    html = body_html("link-test-ja")
    assert 'href="/ja/help/battery-memo-ja/#%E6%89%8B%E9%A0%86"' in html  # the anchor as markdown-it encodes it
    assert 'href="/ja/help/my-notes-ja/"' in html
    assert ".md" not in html


def test_a_missing_file_is_named_as_written_not_percent_encoded(tmp_path, site, topic):
    write(tmp_path, "a.md", article("a", "ja", "[一](未定義.md) と [二](<no such file.md>) と [三](already%20encoded.md)"))
    report = import_articles(tmp_path)
    assert link_warnings(report, "a.md") == [
        "link to “未定義.md”: no such file in this import",
        "link to “no such file.md”: no such file in this import",
        "link to “already encoded.md”: no such file in this import",
    ]
    assert 'href="%E6%9C%AA%E5%AE%9A%E7%BE%A9.md"' in body_html("a")  # left as it was, still a valid address


# --- 2. links in table cells and headings (plain text) -------------------------------------------------------

TABLE = (
    "| Code | Fix |\n| --- | --- |\n"
    "| E-601 | Align the strike plate, see [step 2](#free-the-bolt) |\n"
    "| E-602 | Replace the batteries: [Replace the batteries](replace-lock-batteries.md) |\n"
    "| E-610 | See [the status page](https://status.example.com/) |\n"
)


def test_links_in_table_cells_are_reported_with_their_text_and_target(tmp_path, topic):
    write(tmp_path, "lock.md", article("lock-bolt-jammed", body="Intro.\n\n" + TABLE))
    write(tmp_path, "replace-lock-batteries.md", article("replace-lock-batteries", title="Replace the lock batteries"))
    report = import_articles(tmp_path)
    assert sorted(report.created) == ["lock.md", "replace-lock-batteries.md"], report.failed
    table = next(block for block in ArticlePage.objects.get(slug="lock-bolt-jammed").body if block.block_type == "table")
    assert table.value["data"][2] == ["E-602", "Replace the batteries: Replace the batteries"]  # words kept
    assert link_warnings(report, "lock.md") == [
        "link “step 2” → “#free-the-bolt” in a table cell not imported (table cells hold plain text: its words are kept)",
        "link “Replace the batteries” → “replace-lock-batteries.md” in a table cell not imported (table cells hold plain "
        "text: its words are kept); it leads to the imported article “Replace the lock batteries” "
        "(/help/replace-lock-batteries/): link to it from the text around the table",
        "link “the status page” → “https://status.example.com/” in a table cell not imported (table cells hold plain "
        "text: its words are kept)",
    ]


def test_a_japanese_table_cell_link_to_a_japanese_file_name_says_where_it_leads(tmp_path, site, topic):
    write(tmp_path, "ja/lock.md", article("lock-ja", "ja", "| 症状 | 対処 |\n|---|---|\n| E-602 | [電池を交換する](電池交換.md) |\n"))
    write(tmp_path, "ja/電池交換.md", article("battery-ja", "ja", "電池を交換します。", title="電池を交換する"))
    report = import_articles(tmp_path)
    assert link_warnings(report, "ja/lock.md") == [
        "link “電池を交換する” → “電池交換.md” in a table cell not imported (table cells hold plain text: its words are "
        "kept); it leads to the imported article “電池を交換する” (/ja/help/battery-ja/): link to it from the text around the table",
    ]


def test_a_link_in_a_heading_is_reported_too():
    links: list = []
    blocks = markdown_to_blocks("## Use the [guide](/help/x/)\n\n| a |\n|---|\n| [b](c.md) |\n", dropped_links=links)
    assert blocks[0]["value"]["text"] == "Use the guide"
    assert [(link.where, link.text, link.href) for link in links] == [("heading", "guide", "/help/x/"), ("table cell", "b", "c.md")]


def test_a_table_without_links_or_a_cell_with_a_link_in_code_is_not_reported(tmp_path, topic):
    write(tmp_path, "a.md", article("a", body="| Code | Text |\n|---|---|\n| `[x](y.md)` | plain |\n"))
    report = import_articles(tmp_path)
    assert link_warnings(report, "a.md") == []


# --- 5. a link to an article the site already has ----------------------------------------------------------


def test_a_link_to_a_file_not_imported_leads_to_the_sites_article_of_that_slug(tmp_path, site, topic):
    make_article(topic, "Camera not recording", slug="camera-not-recording")
    make_article(topic, "Draft only", slug="draft-only", live=False)
    write(tmp_path, "en/troubleshooting/camera.md", article("camera-keeps-disconnecting", body=(
        "See [recording](../troubleshooting/camera-not-recording.md#fix), [draft](draft-only.md) and [gone](gone.md)."
    )))
    write(tmp_path, "ja/camera.md", article("camera-ja", "ja", "[録画](camera-not-recording.md)"))  # no Japanese article
    report = import_articles(tmp_path)
    assert not report.failed, report.failed
    html = body_html("camera-keeps-disconnecting")
    assert 'href="/help/camera-not-recording/#fix"' in html and 'href="/help/draft-only/"' in html
    assert 'href="gone.md"' in html
    assert link_warnings(report, "en/troubleshooting/camera.md") == [
        "link to “../troubleshooting/camera-not-recording.md”: not in this import; it leads to the site's article "
        "“Camera not recording” (/help/camera-not-recording/#fix)",
        "link to “draft-only.md”: not in this import; it leads to the site's article “Draft only” (/help/draft-only/), "
        "which is not published yet",
        "link to “gone.md”: no such file in this import",
    ]
    assert 'href="camera-not-recording.md"' in body_html("camera-ja")  # the same slug in another language: no
    assert link_warnings(report, "ja/camera.md") == ["link to “camera-not-recording.md”: no such file in this import"]


def test_a_table_cell_link_to_a_sites_article_says_so(tmp_path, topic):
    make_article(topic, "Camera not recording", slug="camera-not-recording")
    write(tmp_path, "a.md", article("a", body="| a |\n|---|\n| [rec](camera-not-recording.md) |\n"))
    report = import_articles(tmp_path)
    assert link_warnings(report, "a.md") == [
        "link “rec” → “camera-not-recording.md” in a table cell not imported (table cells hold plain text: its words "
        "are kept); it leads to the site's article “Camera not recording” (/help/camera-not-recording/): link to it "
        "from the text around the table",
    ]


# --- 4. raw HTML <a href> becomes a link ---------------------------------------------------------------------


def test_an_inline_html_link_with_a_safe_address_stays_a_link(tmp_path, topic):
    write(tmp_path, "a.md", article("a", body=(
        '1. Open <a href="https://nimbus-home.example/account/devices">Account › My devices</a>.\n'
        '2. Mail <a href="mailto:help@example.com" title="Support">us</a> or read <a href="other.md#why">other</a>.\n\n'
        'Not <a href="javascript:alert(1)">this</a>, <a name="x">nor this</a>, <a href="data:text/html,x">nor</a>.\n'
    )))
    write(tmp_path, "other.md", article("other"))
    report = import_articles(tmp_path)
    steps = next(block for block in ArticlePage.objects.get(slug="a").body if block.block_type == "steps")
    assert [str(step) for step in steps.value] == [
        '<p>Open <a href="https://nimbus-home.example/account/devices" rel="noopener">Account › My devices</a>.</p>',
        '<p>Mail <a href="mailto:help@example.com" title="Support" rel="noopener">us</a> or read '
        '<a href="/help/other/#why" rel="noopener">other</a>.</p>',
    ]
    html = body_html("a")
    assert "<p>Not this, nor this, nor.</p>" in html and "javascript" not in html and "data:" not in html
    assert [note for file, note in report.warnings if file == "a.md"] == [
        "HTML <a> not imported: the text inside is kept as plain text",  # the three unsafe or address-less ones
    ]


def test_a_safe_html_link_alone_is_not_reported():
    notes: list[str] = []
    (para,) = markdown_to_blocks('See <a href="https://example.com/x?a=1&amp;b=2">the <em>docs</em></a> now.\n', notes)
    assert para["value"] == '<p>See <a href="https://example.com/x?a=1&amp;b=2" rel="noopener">the docs</a> now.</p>'
    assert notes == ["HTML <em> not imported: the text inside is kept as plain text"]
    notes.clear()
    (para,) = markdown_to_blocks('An <a href="/help/x/">unclosed link\n', notes)
    assert para["value"] == '<p>An <a href="/help/x/" rel="noopener">unclosed link</a></p>' and not notes


def test_an_html_link_inside_an_html_block_stays_a_link():
    notes: list[str] = []
    (para,) = markdown_to_blocks('<div class="x">\nRead <a href="https://example.com/">the guide</a> first.\n</div>\n', notes)
    assert para["value"] == '<p>Read <a href="https://example.com/" rel="noopener">the guide</a> first.</p>'
    assert notes == ["HTML <div> not imported: the text inside is kept as plain text"]


def test_an_html_link_in_a_table_cell_is_reported_like_a_markdown_one():
    links: list = []
    (table,) = markdown_to_blocks('| a |\n|---|\n| <a href="https://example.com/">site</a> |\n', dropped_links=links)
    assert table["value"]["data"] == [["a"], ["site"]]
    assert [(link.text, link.href) for link in links] == [("site", "https://example.com/")]
