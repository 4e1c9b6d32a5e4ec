"""Markdown the way other tools write it: BOMs, CRLF, comma-separated tags, footnotes, raw HTML, task lists,
lists numbered from 3 (the import audit's files)."""

from knowledge.importer import import_articles, markdown_to_blocks
from knowledge.models import ArticlePage
from tests.knowledge.test_import import GOOD, write

HEAD = GOOD.split("Intro paragraph.")[0]  # the front matter of GOOD (topic billing-refunds), then the body


def body_html(slug: str = "reset-your-password") -> str:
    return "".join(str(block.render()) for block in ArticlePage.objects.get(slug=slug).body)


def paragraphs(slug: str = "reset-your-password") -> str:
    """The rich text the import made of the Markdown's paragraphs (not the page's own markup around the blocks)."""
    return "".join(block.value.source for block in ArticlePage.objects.get(slug=slug).body if block.block_type == "paragraph")


def test_a_utf8_bom_does_not_hide_the_front_matter(tmp_path, topic):
    (tmp_path / "bom.md").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())  # as Windows editors save
    report = import_articles(tmp_path)
    assert report.created == ["bom.md"], report.failed


def test_tags_written_as_one_comma_separated_string(tmp_path, topic):
    write(tmp_path, "a.md", GOOD.replace("tags: [password, sign-in]", 'tags: "away-mode, Vacation,geo fence,"'))
    assert import_articles(tmp_path).created == ["a.md"]
    page = ArticlePage.objects.get(slug="reset-your-password")
    assert sorted(t.name for t in page.tags.all()) == ["away-mode", "geo-fence", "vacation"]


def test_a_non_ascii_tag_fails_the_file_saying_why(tmp_path, topic):
    write(tmp_path, "a.md", GOOD.replace("tags: [password, sign-in]", "tags: [サイレン, siren]"))
    report = import_articles(tmp_path)
    assert report.failed == [
        ("a.md", "“サイレン” in tags is not ASCII: tags and slugs use lowercase letters a–z, digits and hyphens only "
                 "(they appear in web addresses), e.g. siren-tones; put the Japanese word in the title or summary instead")
    ]


def test_footnotes_become_numbered_notes_at_the_end(tmp_path, topic):
    write(tmp_path, "a.md", HEAD + (
        "Matter uses IPv6[^ipv6] and port 5540[^port]. Again[^ipv6]. Not a note: `[^ipv6]`.\n\n"
        "[^port]: Open it on **your** firewall.\n"
        "[^ipv6]: Your router must allow IPv6 link-local traffic;\n  most do by default.\n"
    ))
    report = import_articles(tmp_path)
    assert report.created == ["a.md"] and not report.warnings
    body = ArticlePage.objects.get(slug="reset-your-password").body
    assert [b.block_type for b in body][-3:] == ["heading", "paragraph", "faq"] and body[-3].value["text"] == "Notes"
    assert body[0].value.source == (
        '<p>Matter uses IPv6<sup><a href="#fn-1" rel="noopener">1</a></sup> and port 5540<sup><a href="#fn-2" rel="noopener">2'
        '</a></sup>. Again<sup><a href="#fn-1" rel="noopener">1</a></sup>. Not a note: <code>[^ipv6]</code>.</p>'
    )
    assert body[-2].value.source == (
        '<ol><li id="fn-1">Your router must allow IPv6 link-local traffic;\nmost do by default.</li>'
        '<li id="fn-2">Open it on <strong>your</strong> firewall.</li></ol>'
    )


def test_a_japanese_crlf_footnote_keeps_its_text(tmp_path, site, topic):
    text = (HEAD.replace("language: en", "language: ja") + "消費電力は kWh で確認できます[^1]\n\n[^1]: 料金の目安はプランによって異なります。\n")
    (tmp_path / "ja.md").write_bytes(text.replace("\n", "\r\n").encode())
    assert import_articles(tmp_path).created == ["ja.md"]
    html = body_html()
    assert '確認できます<sup><a href="#fn-1" rel="noopener">1</a></sup>' in html
    assert '<li id="fn-1">料金の目安はプランによって異なります。</li>' in html and "[^1]" not in html
    assert ArticlePage.objects.get(slug="reset-your-password").body[-3].value["text"] == "注"


def test_a_footnote_without_its_text_stays_as_written_and_is_reported(tmp_path, topic):
    write(tmp_path, "a.md", HEAD + "See the note[^gone].\n")
    report = import_articles(tmp_path)
    assert "See the note[^gone]." in body_html()
    assert ("a.md", "footnote [^gone] has no text in the file: left as written") in report.warnings


def test_raw_html_keeps_its_text_not_its_tags(tmp_path, topic):
    write(tmp_path, "a.md", HEAD + (
        'Press <kbd>?</kbd> for help, <span style="color:red">red</span> &copy; 5 < 6. Code: `<b>x</b>`.\n\n'
        '<div class="note">\nRaw <strong>HTML</strong> &amp; text.\n</div>\n\n'
        "<details>\n<summary>All shortcuts</summary>\n\n| Keys | Action |\n|---|---|\n| g h | Home |\n\n</details>\n\n"
        '<script>alert("xss")</script>\n\n<style>p { color: red }</style>\n\n<!-- a note to self -->\n\n'
        "Inline <script>steal()</script>end.\n\nline one<br>line two<br/>three\n"
    ))
    report = import_articles(tmp_path)
    html = paragraphs()
    assert "<p>Press ? for help, red © 5 &lt; 6. Code: <code>&lt;b&gt;x&lt;/b&gt;</code>.</p>" in html
    assert "<p>Raw HTML &amp; text.</p>" in html and "<p>All shortcuts</p>" in html and "<p>Inline end.</p>" in html
    assert "<p>line one\nline two\nthree</p>" in html  # a <br> leaves a line break, not "oneline"
    for gone in ("kbd", "span", "div", "details", "summary", "script", "style", "alert", "steal", "color"):
        assert gone not in html
    assert [b.block_type for b in ArticlePage.objects.get(slug="reset-your-password").body].count("table") == 1
    assert [note for name, note in report.warnings if note.startswith("HTML")] == [
        "HTML <kbd>, <span>, <div>, <strong>, <details>, <summary>, <br> not imported: the text inside is kept as plain text",
        "HTML <script>, <style> not imported: left out with their content",
    ]


def test_html_comments_alone_are_dropped_without_a_warning(tmp_path, topic):
    write(tmp_path, "a.md", HEAD + "Text <!-- inline note --> here.\n\n<!--\nblock note\n-->\n")
    report = import_articles(tmp_path)
    assert "note" not in paragraphs() and "&lt;" not in paragraphs() and not report.warnings


def test_a_list_numbered_from_3_keeps_its_order_and_is_reported():
    notes: list[str] = []
    blocks = markdown_to_blocks("3. Open **Settings**.\n4. Tap **Create**.\n5. Scan it.\n", notes)
    assert blocks[0]["value"] == ["<p>Open <strong>Settings</strong>.</p>", "<p>Tap <strong>Create</strong>.</p>", "<p>Scan it.</p>"]
    assert notes == ["numbered list starting at 3 imported as steps 1–3 (steps always start at 1): check the numbering"]
    markdown_to_blocks("1. one\n2. two\n", notes)
    assert len(notes) == 1  # a list from 1 is not reported


def test_steps_and_list_items_starting_in_bold_are_paragraphs_like_their_siblings():
    (steps,) = markdown_to_blocks("1. **Open** the app.\n2. Tap it.\n3. `code` first\n")
    assert steps["value"] == ["<p><strong>Open</strong> the app.</p>", "<p>Tap it.</p>", "<p><code>code</code> first</p>"]
    (callout,) = markdown_to_blocks("> [!NOTE]\n> **E-601** means the code expired.\n")
    assert callout["value"]["text"] == "<p><strong>E-601</strong> means the code expired.</p>"


def test_task_list_items_show_a_box_not_brackets():
    (para,) = markdown_to_blocks("- [ ] Create the endpoint\n- [x] Store the **secret**\n- [link](/x/) stays\n")
    assert para["value"] == (
        "<ul>\n<li>☐ Create the endpoint</li>\n<li>☑ Store the <strong>secret</strong></li>\n"
        '<li><a href="/x/" rel="noopener">link</a> stays</li>\n</ul>'
    )


def test_a_link_to_a_file_that_failed_says_so_and_is_fixed_by_the_next_import(tmp_path, topic):
    write(tmp_path, "a.md", GOOD.replace("Intro paragraph.", "See [refunds](b.md) and [other](c.md)."))
    write(tmp_path, "b.md", "---\ntitle: [unclosed\n---\nbody")  # fails to parse
    write(tmp_path, "c.md", GOOD.replace("reset-your-password", "other").replace("billing-refunds", "nowhere"))  # fails to write
    report = import_articles(tmp_path)
    assert report.created == ["a.md"]
    assert ("a.md", "link to “b.md”: that file failed to import (see below); import again once it is fixed") in report.warnings
    assert ("a.md", "link to “c.md”: that file failed to import (see below); the link works once it is imported") in report.warnings
    assert 'href="b.md"' in body_html() and 'href="/help/other/"' in body_html()
    write(tmp_path, "b.md", GOOD.replace("reset-your-password", "refunds"))
    report = import_articles(tmp_path)
    assert report.updated == ["a.md"] and "b.md" in report.created  # the link now leads somewhere
    assert 'href="/help/refunds/"' in body_html()
