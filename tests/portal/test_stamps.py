"""Version stamps every process agrees on (portal/stamps.py): a change made by a command run beside the
server (import_articles, search_rebuild, refresh_leaderboards) reaches the server's cached pages and search
results, though the embedded default's cache is each process's own memory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portal import stamps

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def stamp_dir(settings, tmp_path):
    settings.PORTAL_STAMPS_DIR = tmp_path
    return tmp_path


def test_a_stamp_is_created_once_and_moves_forward_on_every_bump(stamp_dir):
    first = stamps.read("page-cache:generation")
    assert stamps.read("page-cache:generation") == first
    moved = [stamps.bump("page-cache:generation") for _ in range(50)]
    assert moved == sorted(set(moved)) and moved[0] > first  # distinct and increasing, even within one tick
    assert stamps.read("page-cache:generation") == moved[-1]
    stamps.read("community:q:7:version")
    assert {path.name for path in stamp_dir.iterdir()} == {"page-cache%3ageneration", "community%3aq%3a7%3aversion"}


def test_two_keys_never_share_a_file(stamp_dir):
    stamps.read("a:b")
    stamps.read("a_b")
    before = stamps.read("a_b")
    stamps.bump("a:b")
    assert stamps.read("a_b") == before


def test_a_bump_in_another_process_is_seen_here(stamp_dir):
    before = stamps.read("search:generation")
    code = (
        "import django; django.setup();"
        "from django.conf import settings; from portal import stamps;"
        f"settings.PORTAL_STAMPS_DIR = {str(stamp_dir)!r}; stamps.bump('search:generation')"
    )
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings.test", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert result.returncode == 0, result.stderr
    assert stamps.read("search:generation") > before


def test_a_damaged_stamp_file_is_replaced_not_an_error(stamp_dir):
    stamps.read("leaderboard:generation")
    (stamp_dir / "leaderboard%3ageneration").write_bytes(b"")
    assert stamps.read("leaderboard:generation") > 0


def test_with_a_shared_cache_the_stamps_live_in_it(settings):
    from django.core.cache import cache

    settings.PORTAL_STAMPS_DIR = None
    value = stamps.bump("page-cache:generation")
    assert cache.get("page-cache:generation") == value == stamps.read("page-cache:generation")
