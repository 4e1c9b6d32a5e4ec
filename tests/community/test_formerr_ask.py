"""The ask form, sent back with errors: "Error: " first in the <title> (English and Japanese), and the
Markdown preview of the text kept, rendered on the page (not empty until the asker types again)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from community.models import Question
from tests.html import soup_of, title_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.mark.parametrize(("prefix", "error"), [("", "Error: "), ("/ja", "エラー: ")])
def test_the_ask_form_with_errors_says_so_in_its_title(client, asker, prefix, error):
    client.force_login(asker)
    url = prefix + reverse("community_ask")
    assert not title_of(soup_of(client.get(url))).startswith(error)
    response = client.post(url, {"title": "", "body": "The hub blinks red.", "tags": "", "language": "en"})
    assert response.status_code == 200
    assert title_of(soup_of(response)).startswith(error)
    assert not Question.objects.exists()


def test_the_preview_of_the_kept_text_is_shown_again(client, asker):
    client.force_login(asker)
    response = client.post(reverse("community_ask"), {"title": "", "body": "It blinks **red** since the update.", "tags": "", "language": "en"})
    preview = soup_of(response).find(id="ask-preview")
    assert preview.find("strong") is not None and preview.find("strong").get_text() == "red"
    response = client.post(reverse("community_ask"), {"title": "", "body": "", "tags": "", "language": "en"})
    assert soup_of(response).find(id="ask-preview").get_text(strip=True) == ""
