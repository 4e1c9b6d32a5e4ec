"""Question view counts without a database write per view.

Each web process counts views in memory and writes them in one short transaction at most every
FLUSH_SECONDS (or after FLUSH_VIEWS views), as `view_count = view_count + n` per question. A process that
dies loses at most those few seconds of counts, which is fine for a popularity signal.
"""

from __future__ import annotations

import atexit
import threading
import time
from collections import Counter

from django.db import DatabaseError, transaction
from django.db.models import F

from .models import Question

FLUSH_SECONDS = 30
FLUSH_VIEWS = 1000

_pending: Counter = Counter()
_lock = threading.Lock()
_last_flush = time.monotonic()


def count_view(question_id: int) -> None:
    global _last_flush
    with _lock:
        _pending[question_id] += 1
        due = sum(_pending.values()) >= FLUSH_VIEWS or time.monotonic() - _last_flush >= FLUSH_SECONDS
    if due:
        flush()


def pending(question_id: int) -> int:
    with _lock:
        return _pending.get(question_id, 0)


def discard() -> None:
    """Forget uncounted views (tests)."""
    with _lock:
        _pending.clear()


def flush() -> int:
    """Write the counted views; returns how many were written."""
    global _last_flush
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    if not batch:
        return 0
    try:
        with transaction.atomic():
            for question_id, count in sorted(batch.items()):
                Question.objects.filter(pk=question_id).update(view_count=F("view_count") + count)
    except DatabaseError:
        with _lock:  # keep them for the next attempt
            _pending.update(batch)
        return 0
    return sum(batch.values())


atexit.register(lambda: flush() if _pending else None)
