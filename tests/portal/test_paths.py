"""`path_maker` builds the same paths as `reverse()`, with one `reverse()` for a whole list."""

import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.paths import path_maker

USERNAME = st.text(st.characters(categories=("L", "N"), include_characters="@.+-_"), min_size=1, max_size=30)
SLUG = st.text(st.characters(categories=("L", "N"), include_characters="-_"), min_size=1, max_size=40)


@pytest.mark.parametrize("language", ["en", "ja"])
def test_member_and_question_paths_match_reverse(language):
    with translation.override(language):
        member = path_maker("member_profile", username="sample-member")
        question = path_maker("question_detail", pk=987654321, slug="sample-slug")
        for username in ("alice", "bob.smith+help@example.com", "はなこ", "o'neil", "sample"):
            assert member(username=username) == reverse("member_profile", args=[username])
        for pk, slug in ((1, "q"), (42, "hub-offline"), (7, "ハブがオフライン"), (987654321, "sample-slug")):
            assert question(pk=pk, slug=slug) == reverse("question_detail", kwargs={"pk": pk, "slug": slug})


@settings(max_examples=200, deadline=None)
@given(username=USERNAME, pk=st.integers(1, 2**62), slug=SLUG)
def test_any_value_gives_what_reverse_gives(username, pk, slug):
    member = path_maker("member_profile", username="sample-member")
    question = path_maker("question_detail", pk=987654321, slug="sample-slug")
    assert member(username=username) == reverse("member_profile", args=[username])
    assert question(pk=pk, slug=slug) == reverse("question_detail", kwargs={"pk": pk, "slug": slug})


@pytest.mark.parametrize("path", [
    "/community/users/alice/", "/ja/community/users/%E3%81%AF%E3%81%AA%E3%81%93/", "/community/?sort=votes&page=2",
    "/ja/community/tags/hub/?sort=new", "/search/?q=hub+offline&topic=3", "/community/leaderboard/?period=week",
    "/notifications/", "/no/such/path/?x=1",
])
@pytest.mark.parametrize("language", ["en", "ja"])
def test_language_links_translate_the_request_path_as_translate_url_does(rf, path, language):
    """The language switcher translates a view's path from its own match, without resolving it again."""
    from django.urls import Resolver404, resolve, translate_url

    from portal.templatetags.portal_tags import _translated_path

    request = rf.get(path)
    try:
        request.resolver_match = resolve(request.path_info)
    except Resolver404:
        request.resolver_match = None
    assert _translated_path(request, language) == translate_url(request.get_full_path(), language)
