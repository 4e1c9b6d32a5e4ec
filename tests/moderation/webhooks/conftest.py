from __future__ import annotations

import pytest

from moderation.webhooks import destinations
from tests.factories import UserFactory, with_two_factor

from .receiver import Receiver


@pytest.fixture
def receiver():
    destinations._resolved.clear()
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def superuser(db):
    return with_two_factor(UserFactory(is_superuser=True, is_staff=True, username="root-admin"))
