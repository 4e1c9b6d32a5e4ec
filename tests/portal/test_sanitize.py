import re

import pytest

from portal.sanitize import clean_embed, clean_html, markdown_too_deep, render_markdown


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        '<p onclick="alert(1)">x</p>',
        '<svg><script>alert(1)</script></svg>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
        '<style>body{display:none}</style>',
    ],
)
def test_dangerous_html_is_made_inert(payload):
    cleaned = clean_html(payload)
    lowered = cleaned.lower()
    assert "<script" not in lowered and "onerror" not in lowered and "onclick" not in lowered
    assert "javascript:" not in lowered and "<iframe" not in lowered and "data:" not in lowered
    assert "<style" not in lowered and "<svg" not in lowered


def test_markdown_renders_formatting_and_marks_user_links():
    html = render_markdown("**bold** and [a link](https://example.com)\n\n<script>x</script>")
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow ugc noopener"' in html
    assert "&lt;script&gt;" in html


def test_embeds_keep_only_known_video_iframes():
    good = '<iframe src="https://www.youtube.com/embed/abc" title="v" onload="x()"></iframe>'
    assert clean_embed(good) == '<iframe src="https://www.youtube.com/embed/abc" title="v"></iframe>'
    assert "src" not in clean_embed('<iframe src="https://evil.example/x"></iframe>')
    assert "<script" not in clean_embed('<script>alert(1)</script><iframe src="https://player.vimeo.com/v"></iframe>')


def test_a_markdown_image_becomes_a_link_named_by_its_alt_text():
    html = render_markdown('See ![the *wiring* diagram](https://example.com/a.png "t") or ![](https://example.com/b.png).')
    assert '<a href="https://example.com/a.png" rel="nofollow ugc noopener">the wiring diagram</a>' in html
    assert '<a href="https://example.com/b.png" rel="nofollow ugc noopener">https://example.com/b.png</a>' in html
    assert "<img" not in html  # no third-party image is loaded from a post


@pytest.mark.parametrize("src", ["![x](javascript:alert(1))", '![<b onmouseover="x">](https://e.example/"onerror=x)'])
def test_a_hostile_markdown_image_stays_inert(src):
    html = render_markdown(src).lower()
    assert 'href="javascript' not in html and "<img" not in html
    assert not re.search(r"<b[\s>]", html) and "onerror" not in html.split("href=")[0]  # markup only as text


@pytest.mark.parametrize(
    "depth, cut",
    [(18, False), (19, True), (200, True)],  # a list level counts twice against markdown-it's limit of 40
)
def test_markdown_nested_past_the_limit_is_reported_not_silently_shown_cut(depth, cut):
    src = "".join("  " * level + "- item\n" for level in range(depth)) + "  " * depth + "- deepest words\n\nafter"
    assert markdown_too_deep(src) is cut
    assert ("deepest words" in render_markdown(src)) is not cut
    assert markdown_too_deep(">" * 39 + " quoted") is False and markdown_too_deep(">" * 40 + " quoted") is True
