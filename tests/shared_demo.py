"""The demo, loaded once per test session for the tests that only read it: the `shared_demo` fixture.

`manage.py load_demo` takes tens of seconds; tests that only read the demo (search relevance, the ask
form's suggestions, the demo logins) share one load instead of paying for it each:

- the first such test opens a transaction on the test database and loads the demo into it (session
  fixture `_shared_demo_state`);
- each test then runs as usual inside its own savepoint (pytest-django's `db`), so whatever it writes is
  rolled back after it and the next test sees the demo as loaded;
- the tests that use it are moved to the front of the run (they are ordinary `db` tests, which run first
  anyway), and after the last of them the transaction is rolled back: every other test starts from the
  empty test database exactly as before.

A test that writes and commits (`transaction=True`) cannot share it and loads its own demo. If a test using
`shared_demo` runs after the shared load was rolled back (it cannot, with the ordering above), it gets a
demo of its own loaded inside its test transaction: slower, never wrong.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

FIXTURE = "shared_demo"
STATE = pytest.StashKey["SharedDemo"]()


@dataclass
class SharedDemo:
    """The demo as one `load_demo` run left it: `output` is what the command printed."""

    output: str = ""
    blocker: object = None
    atomic: object = None
    loads: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.atomic is not None

    def load(self) -> str:
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        self.loads += 1
        return out.getvalue()

    def open(self) -> None:
        with self.blocker.unblock():
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            try:
                self.output = self.load()
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        if self.atomic is None:
            return
        with self.blocker.unblock():
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)
        self.atomic = None
        cache.clear()  # nothing cached from the demo outlives it


def uses_shared_demo(item: pytest.Item | None) -> bool:
    return item is not None and FIXTURE in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering (db tests, transactional, the rest)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    shared = [item for item in items if uses_shared_demo(item)]
    if shared:
        items[:] = shared + [item for item in items if not uses_shared_demo(item)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    try:
        return (yield)
    finally:
        # After the test's own teardown (its savepoint is gone): the last sharing test ends the shared load.
        state = item.config.stash.get(STATE, None)
        if state is not None and state.is_open and not uses_shared_demo(nextitem):
            state.close()


@pytest.fixture(scope="session")
def _shared_demo_state(request, django_db_setup, django_db_blocker):
    state = SharedDemo(blocker=django_db_blocker)
    request.config.stash[STATE] = state
    state.open()
    yield state
    state.close()


@pytest.fixture
def shared_demo(request, _shared_demo_state, db) -> SharedDemo:
    """The demo help center, community and logins, loaded once for every test that uses this fixture.
    Read it freely; writes are rolled back after each test like any other."""
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        pytest.fail("shared_demo is for tests in a rolled-back transaction; a transactional test loads its own demo")
    if not _shared_demo_state.is_open:  # not reached with the ordering above; correct all the same
        return SharedDemo(output=_shared_demo_state.load(), loads=1)
    return _shared_demo_state
