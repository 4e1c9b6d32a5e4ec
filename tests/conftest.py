import pytest
from django.core.cache import cache
from django.db import connection

from tests.factories import UserFactory, make_article, make_site, make_topic


@pytest.fixture(autouse=True)
def _clear_cache():
    from community import view_counts

    view_counts.discard()
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def site(db):
    return make_site()


@pytest.fixture
def topic(site):
    return make_topic(site["en"], "Billing & refunds", "billing-refunds", tags=["refund", "billing"], icon="card")


@pytest.fixture
def article(topic):
    return make_article(topic, "Request a refund", tags=["refund"])


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: CI repeats the suite with DATABASE_URL set to it")
