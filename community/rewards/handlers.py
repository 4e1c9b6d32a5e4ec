"""Community events → reputation ledger (atomic phase: the ledger moves with the change or not at all)."""

from __future__ import annotations


def register() -> None:
    pass
