"""Running management commands in tests."""

from __future__ import annotations

import io

from django.core.management import call_command


def run(command: str, *args, **options) -> str:
    """Run a management command; its standard output as text (standard error discarded)."""
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def recompute_check() -> str:
    return run("recompute_community", check=True)
