"""Case events → webhook deliveries (commit-phase handlers; see registration.py).

| event                | webhook              |
|----------------------|----------------------|
| QuestionEscalated    | question.escalated   |
| CaseCreated          | case.created         |
| CaseUpdated (and its AgentReplied; not CaseSolved) | case.updated |
| CaseSolved           | case.solved          |
| SurveyAnswered       | survey.answered      |

Nothing is built when no active endpoint asked for the event (one query).
"""

from __future__ import annotations

from moderation.cases import events as case_events

from . import delivery, payloads, tasks


def publish(event_name: str, event) -> None:
    endpoints = delivery.subscribed_endpoints(event_name)
    if not endpoints:
        return
    payload = payloads.build(event_name, event)
    if payload is not None:
        delivery.queue(payload, endpoints, then=tasks.enqueue)


def question_escalated(event: case_events.QuestionEscalated) -> None:
    publish("question.escalated", event)


def case_created(event: case_events.CaseCreated) -> None:
    publish("case.created", event)


def case_updated(event: case_events.CaseUpdated) -> None:
    if isinstance(event, case_events.CaseSolved):
        return  # sent as case.solved by case_solved
    publish("case.updated", event)


def case_solved(event: case_events.CaseSolved) -> None:
    publish("case.solved", event)


def survey_answered(event: case_events.SurveyAnswered) -> None:
    publish("survey.answered", event)
