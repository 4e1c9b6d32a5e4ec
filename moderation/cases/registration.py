"""What support cases plug in (called once from `moderation.registration.register()`).
Each area of the package adds one line here."""

from __future__ import annotations


def register() -> None:
    from . import timeline

    timeline.register()  # audit actions cases.*
    # --- cust: customer pages, surveys, acceptance requests ---
    from . import acceptance, customer, surveys

    customer.register()  # CaseCreated → the "My support cases" header flag
    surveys.register()  # CaseSolved → survey email
    acceptance.register()  # CaseSolved → ask the asker to accept the solution
