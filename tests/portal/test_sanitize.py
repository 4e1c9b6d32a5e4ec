import pytest

from portal.sanitize import clean_embed, clean_html, render_markdown


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
