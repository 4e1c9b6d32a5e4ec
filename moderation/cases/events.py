"""What happens to support cases, published through `portal.events` by the case services.

Webhooks, emails and notifications subscribe in the commit phase. `CaseUpdated` is published for every
change a customer or integration may care about (status, priority, assignee, tags, replies); `CaseSolved`
is also a `CaseUpdated`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CaseEventBase:
    case_id: int
    question_id: int
    actor_id: int | None  # None: the system (the sweep, a task)


@dataclass(frozen=True)
class QuestionEscalated(CaseEventBase):
    reason: str = ""


@dataclass(frozen=True)
class CaseCreated(CaseEventBase):
    reason: str = ""


@dataclass(frozen=True)
class CaseUpdated(CaseEventBase):
    # what changed: {"status": ["open", "solved"], "priority": [...], "assignee": [id, id], "tags": [...],
    # "reply": "public" | "private" | "customer" | "note"}
    changes: dict = field(default_factory=dict)
    entry_id: int | None = None  # the CaseEvent row written for it


@dataclass(frozen=True)
class CaseSolved(CaseUpdated):
    pass


@dataclass(frozen=True)
class AgentReplied(CaseUpdated):
    """A public or private agent reply (the customer is emailed)."""

    public: bool = False


@dataclass(frozen=True)
class SurveyAnswered(CaseEventBase):
    survey_id: int = 0
