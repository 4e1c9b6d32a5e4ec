"""allauth's sign-in, sign-up and password reset pages, sent back with errors, say so first in the <title>
("Error: ", as the other forms of the site), in English and Japanese; without errors they do not."""

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PREFIXES = [("", "Error: "), ("/ja", "エラー: ")]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def title_of(response) -> str:
    return " ".join(BeautifulSoup(response.content.decode(), "html.parser").title.get_text().split())  # as browsers show it


@pytest.mark.parametrize(("prefix", "error"), PREFIXES)
def test_sign_in_with_errors(client, site, member, prefix, error):
    url = prefix + reverse("account_login")
    assert not title_of(client.get(url)).startswith(error)
    response = client.post(url, {"login": member.email, "password": "wrong-" + PASSWORD})
    assert response.status_code == 200 and title_of(response).startswith(error)


@pytest.mark.parametrize(("prefix", "error"), PREFIXES)
def test_sign_up_with_errors(client, site, prefix, error):
    url = prefix + reverse("account_signup")
    assert not title_of(client.get(url)).startswith(error)
    response = client.post(url, {"email": "not-an-email", "username": "newbie", "password1": "short", "password2": "short"})
    assert response.status_code == 200 and title_of(response).startswith(error)


@pytest.mark.parametrize(("prefix", "error"), PREFIXES)
def test_password_reset_with_errors(client, site, prefix, error):
    url = prefix + reverse("account_reset_password")
    assert not title_of(client.get(url)).startswith(error)
    response = client.post(url, {"email": "not-an-email"})
    assert response.status_code == 200 and title_of(response).startswith(error)
