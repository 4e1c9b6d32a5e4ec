"""Cache versions for community pages.

Anonymous question pages and lists are cached whole. A question's version changes whenever anything on
its page changes (answer, comment, vote, accept, edit, delete); the community generation changes on any
community write, which refreshes lists and the topic pages' "From the community" section. Services call
`touch()` inside `transaction.on_commit`, so nobody sees a page older than a committed write.
"""

from __future__ import annotations

from portal import stamps
from portal.page_cache import stamp

COMMUNITY_GENERATION = "community:generation"
QUESTION_VERSION = "community:q:{pk}:version"


def community_generation() -> int:
    return stamp(COMMUNITY_GENERATION)


def question_version(pk: int) -> int:
    return stamp(QUESTION_VERSION.format(pk=pk))


def touch(question_id: int | None = None) -> None:
    if question_id is not None:
        stamps.bump(QUESTION_VERSION.format(pk=question_id))
    stamps.bump(COMMUNITY_GENERATION)
