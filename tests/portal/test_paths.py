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
