"""Fixtures the case tests share. Each module defines its own `agent` (a plain agent, a supervisor, a Japanese
agent); `agent_client` signs that agent in."""

from __future__ import annotations

import pytest


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
