"""Version stamps that every process of the portal agrees on.

Cached pages, search results, leaderboards and settings are keyed by (or checked against) a stamp that a
change moves: nobody is served what was cached before a committed change. That only holds when every
process reads the same stamp — the web workers, and the commands run beside them (`import_articles`,
`search_rebuild`, `load_demo`, `refresh_leaderboards`). With Redis (`REDIS_URL`) the stamps live in the
shared cache. The embedded default's cache is each process's own memory, so there a stamp is a small file
under `PORTAL_STAMPS_DIR` (var/stamps): a read is one small file read (a few µs), a move an atomic
replace; both stay on the one machine the embedded default (SQLite) runs on anyway.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _directory() -> Path | None:
    directory = getattr(settings, "PORTAL_STAMPS_DIR", None)
    return Path(directory) if directory else None


def _path(directory: Path, key: str) -> Path:
    # One file per key; the name spells the key out (":" → "%3a"), so two keys never share a file.
    return directory / _UNSAFE.sub(lambda match: f"%{ord(match.group()):02x}", key)


def _read_file(path: Path) -> int | None:
    try:
        with open(path, "rb") as handle:
            return int(handle.read() or b"x")
    except (FileNotFoundError, ValueError):
        return None


def _write_file(path: Path, value: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    temporary.write_bytes(str(value).encode())
    os.replace(temporary, path)  # readers see the old value or the new one, never half of one


def read(key: str) -> int:
    """The stamp's current value, created on first use."""
    directory = _directory()
    if directory is None:
        value = cache.get(key)
        if value is None:
            value = time.time_ns()
            if not cache.add(key, value, timeout=None):
                value = cache.get(key, value)
        return value
    path = _path(directory, key)
    value = _read_file(path)
    if value is None:
        value = time.time_ns()
        _write_file(path, value)
    return value


def bump(key: str) -> int:
    """Move the stamp: whatever was cached under the old value is no longer found. Returns the new value."""
    directory = _directory()
    value = time.time_ns()
    if directory is None:
        cache.set(key, value, timeout=None)
        return value
    path = _path(directory, key)
    value = max(value, (_read_file(path) or 0) + 1)  # never back to an earlier value (a clock step back)
    _write_file(path, value)
    return value
