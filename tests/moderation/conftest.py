"""Fixtures shared by the moderation tests; each area keeps its own in its factories module."""

import pytest

from tests.moderation.flags_factories import author, flaggers, moderator, spam_question  # noqa: F401


@pytest.fixture
def mod_client(client, moderator):  # noqa: F811 - the fixture imported above
    """The test client signed in as `moderator` (the Moderators role, two-factor on)."""
    client.force_login(moderator)
    return client
