import pytest
from django.core.cache import cache
from django.db import connection

from tests.factories import UserFactory, make_article, make_site, make_topic

pytest_plugins = ["tests.shared_demo"]  # the `shared_demo` fixture: the demo loaded once per test session


@pytest.fixture(autouse=True)
def _clear_cache():
    from community import view_counts
    from portal.insights import pageviews
    from search import analytics

    view_counts.discard()
    analytics.discard()
    # Page views buffered by earlier tests (and the time since the last write) would be flushed by whichever request
    # comes 30 s later: a query count measured then would be off by the flush (a moderator's page "cost" 18, then 14).
    pageviews.discard()
    cache.clear()
    yield
    cache.clear()


OPEN_PRIVILEGES = {"upvote": 0, "downvote": 0, "comment_everywhere": 0}


@pytest.fixture(autouse=True)
def _open_privileges(request, monkeypatch):
    """Tests written before privileges vote and comment as members with no reputation: upvote, downvote and
    comment everywhere are open to them (the other thresholds stay as the settings say). A test that checks
    the thresholds themselves asks for the `real_privileges` fixture."""
    if "real_privileges" in request.fixturenames:
        return
    from community import standing

    monkeypatch.setattr(standing, "_threshold_providers", [*standing._threshold_providers, lambda: OPEN_PRIVILEGES])


@pytest.fixture
def real_privileges():
    """The thresholds as `RewardsSettings` sets them (no test override)."""


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


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /ja/ leaves Japanese active in the thread (LocaleMiddleware does not reset it), which
    would leak into the next test's reverse() and gettext calls: every test starts in the default language."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def one_ratelimit_window(monkeypatch):
    """Rate-limit windows are aligned to the clock; a long loop could cross a boundary and reset the count.
    This keeps the limiter's clock still for the test."""
    from types import SimpleNamespace

    import portal.ratelimit

    now = portal.ratelimit.time.time()
    monkeypatch.setattr(portal.ratelimit, "time", SimpleNamespace(time=lambda: now))
