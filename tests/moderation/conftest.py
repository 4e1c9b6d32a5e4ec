"""Fixtures shared by the moderation tests; each area keeps its own in its factories module."""

from tests.moderation.flags_factories import author, flaggers, moderator, spam_question  # noqa: F401
