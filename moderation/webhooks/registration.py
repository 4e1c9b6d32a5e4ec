"""What webhooks plug in (called once from `moderation.registration.register()`): the case-event
subscribers (commit phase: after the change committed, never for a rolled-back one) and the audit actions."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

from portal import audit, events

AUDIT_ACTIONS = {
    "webhooks.create": (pgettext_lazy("audit log", "Create webhook endpoint"), pgettext_lazy("audit log", "Webhook endpoint created")),
    "webhooks.change": (pgettext_lazy("audit log", "Change webhook endpoint"), pgettext_lazy("audit log", "Webhook endpoint changed")),
    "webhooks.delete": (pgettext_lazy("audit log", "Delete webhook endpoint"), pgettext_lazy("audit log", "Webhook endpoint deleted")),
    "webhooks.rotate": (pgettext_lazy("audit log", "Rotate webhook secret"), pgettext_lazy("audit log", "Webhook secret rotated")),
}


def register() -> None:
    from moderation.cases import events as case_events

    from . import subscribers

    for name, (label, message) in AUDIT_ACTIONS.items():
        audit.define_action(name, label, message)
    events.subscribe(case_events.QuestionEscalated, subscribers.question_escalated)
    events.subscribe(case_events.CaseCreated, subscribers.case_created)
    events.subscribe(case_events.CaseUpdated, subscribers.case_updated)  # also receives CaseSolved: skipped there
    events.subscribe(case_events.CaseSolved, subscribers.case_solved)
    events.subscribe(case_events.SurveyAnswered, subscribers.survey_answered)
