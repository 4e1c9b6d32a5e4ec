"""Domain events: what just happened, announced by the service that did it.

Services call `publish(SomethingHappened(...))` inside their transaction; apps subscribe in their
`AppConfig.ready()`. This is an explicit, typed bus, not Django signals: every subscription is visible in
the `ready()` that makes it, and a handler receives the event object itself.

Two phases:

- `"atomic"` handlers run immediately, inside the publisher's transaction. Use them for what must be exact
  and roll back with the change: ledgers, counters, audit entries, the search document row, moderation
  rules that may refuse the write (raise to roll back).
- `"commit"` handlers run after the transaction commits (`transaction.on_commit(robust=True)`), never for a
  rolled-back change. Use them for side effects: enqueuing tasks (indexing in Elasticsearch,
  notifications, webhooks, emails), cache stamps. One failing commit handler is logged and does not
  stop the others.

Handlers run in subscription order; subscribing the same handler twice for an event is a no-op. A
subscription to a base class receives its subclasses' events too.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, Literal, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)

Phase = Literal["atomic", "commit"]
E = TypeVar("E")
Handler = Callable[[Any], None]

_subscribers: dict[type, list[tuple[Phase, Handler]]] = defaultdict(list)


def subscribe(event_type: type[E], handler: Callable[[E], None], *, phase: Phase = "commit") -> None:
    if phase not in ("atomic", "commit"):
        raise ValueError(f"unknown phase {phase!r}")
    entry = (phase, handler)
    if entry not in _subscribers[event_type]:
        _subscribers[event_type].append(entry)


def unsubscribe(event_type: type, handler: Handler) -> None:
    _subscribers[event_type] = [entry for entry in _subscribers[event_type] if entry[1] is not handler]


def handlers_for(event_type: type) -> list[tuple[Phase, Handler]]:
    found: list[tuple[Phase, Handler]] = []
    for klass in event_type.__mro__:
        found.extend(_subscribers.get(klass, ()))
    return found


def _run_after_commit(handler: Handler, event: object) -> None:
    try:
        handler(event)
    except Exception:  # a side effect failing must not hide the others; it is logged with its traceback
        logger.exception("event handler %r failed for %r", handler, event)


def publish(event: object, *, using: str | None = None) -> None:
    """Announce `event`: atomic handlers now, commit handlers once the current transaction commits."""
    for recorder in _recorders:
        recorder.append(event)
    for phase, handler in handlers_for(type(event)):
        if _muted and getattr(handler, "__module__", "").startswith(tuple(_muted)):
            continue
        if phase == "atomic":
            handler(event)
        else:
            transaction.on_commit(partial(_run_after_commit, handler, event), using=using)


_recorders: list[list] = []
_muted: list[str] = []


@contextmanager
def muted(*module_prefixes: str) -> Iterator[None]:
    """Skip the handlers defined in modules under `module_prefixes` inside the block — for loaders that write
    history in bulk afterwards (the demo loader mutes the rewards app, then backfills its ledger with each
    row dated when its cause happened)."""
    _muted.extend(module_prefixes)
    try:
        yield
    finally:
        for prefix in module_prefixes:
            _muted.remove(prefix)


@contextmanager
def recorded() -> Iterator[list]:
    """Collect every event published inside the block (tests and diagnostics)."""
    events: list = []
    _recorders.append(events)
    try:
        yield events
    finally:
        _recorders.remove(events)
