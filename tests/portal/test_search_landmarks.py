"""Two search forms on one page (the header's and the page's own, on the home, search and 404 pages) are two
search landmarks: each has its own name, so a screen reader's landmark list tells them apart (axe:
landmark-unique)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def search_landmarks(html: str) -> list[str]:
    """The aria-label (or "") of each role=search form, in page order."""
    forms = re.findall(r"<form\b[^>]*\brole=\"search\"[^>]*>", html)
    return [(re.search(r'aria-label="([^"]*)"', form) or [None, ""])[1] for form in forms]


@pytest.mark.parametrize(("prefix", "name"), [("", "Site search"), ("/ja", "サイト内検索")])
def test_the_header_search_and_the_pages_own_have_different_names(client, site, prefix, name):
    for path in ("/", "/search/?q=refund", "/no-such-page/"):
        html = client.get(prefix + path).content.decode()
        names = search_landmarks(html)
        assert len(names) == 2, (path, names)
        assert names[0] == name and len(set(names)) == 2, (path, names)
