"""A small typed reference to any community post: `PostRef("answer", 34)`.

Flags, support cases, reputation ledgers, audit entries and notifications name a post by its kind and id
instead of a foreign key per kind. `str(ref)` is the stable text form ("answer:34"); `PostRef.parse()`
reads it back and refuses anything else. The owning app resolves a reference to its row
(`community.posts.resolve`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast, get_args

PostKind = Literal["question", "answer", "comment"]
POST_KINDS: tuple[PostKind, ...] = get_args(PostKind)


@dataclass(frozen=True, slots=True)
class PostRef:
    kind: PostKind
    id: int

    def __post_init__(self) -> None:
        if self.kind not in POST_KINDS:
            raise ValueError(f"unknown post kind {self.kind!r}")
        if not isinstance(self.id, int) or isinstance(self.id, bool) or self.id <= 0:
            raise ValueError(f"a post id is a positive integer, not {self.id!r}")

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> PostRef:
        """`"answer:34"` → `PostRef("answer", 34)`; ValueError for anything else."""
        kind, sep, number = (text or "").partition(":")
        if not sep or not number.isascii() or not number.isdigit() or len(number) > 18:
            raise ValueError(f"not a post reference: {text!r}")
        return cls(cast(PostKind, kind), int(number))
