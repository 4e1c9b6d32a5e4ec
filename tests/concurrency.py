"""Racing calls against each other in threads (PostgreSQL tests: each thread gets its own connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_at_once(*calls: Callable[[], Any]) -> tuple[list, list[Exception]]:
    """Start every call at the same moment in its own thread; return (results, exceptions)."""
    barrier = threading.Barrier(len(calls))
    results: list = []
    errors: list[Exception] = []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def race(*calls: Callable[[], Any]) -> list[Exception]:
    """Start every call at the same moment in its own thread; return the exceptions raised."""
    return run_at_once(*calls)[1]
