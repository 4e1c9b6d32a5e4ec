"""What support cases plug in (called once from `moderation.registration.register()`).
Each area of the package adds one line here."""

from __future__ import annotations


def register() -> None:
    from . import timeline

    timeline.register()  # audit actions cases.*

    from .workspace import admin as workspace_admin

    workspace_admin.register()  # agent workspace: /admin/cases/, the "Support" menu, back-office viewsets

    # --- cust: customer pages, surveys, acceptance requests ---
    from . import acceptance, customer, surveys

    customer.register()  # CaseCreated → the "My support cases" header flag
    surveys.register()  # CaseSolved → survey email
    acceptance.register()  # CaseSolved → ask the asker to accept the solution
