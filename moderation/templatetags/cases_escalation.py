"""The question page's support panel, computed per request (never in the cached page): the asker's
"I still need help" or "our support team is on it", and staff agents' "Escalate" form. Anonymous visitors
and members who neither asked the question nor are staff cost no query."""

from __future__ import annotations

from django import template

from community import permissions as community_permissions
from community.models import Question

from ..cases.escalation import active_case, can_request_help
from ..cases.permissions import is_agent

register = template.Library()

QUESTION_FIELDS = ("pk", "author_id", "status", "merged_into_id", "topic_id", "created_at", "answer_count", "accepted_answer_id")


@register.simple_tag(takes_context=True)
def question_support_panel(context, head) -> dict | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False) or not isinstance(head, dict) or head.get("status") != "published":
        return None
    match = getattr(request, "resolver_match", None)
    pk = (match.kwargs.get("pk") if match else None) or head.get("pk")
    if not pk:
        return None
    panel: dict = {"question_id": pk}
    if head.get("author_id") == user.pk:
        case = active_case(pk)
        if case is not None:
            panel["case"] = case
        else:
            question = Question.objects.filter(pk=pk).only(*QUESTION_FIELDS).first()
            panel["can_request_help"] = question is not None and can_request_help(user, question)
    # staff agents (moderators have the form in their own cached page's tool row)
    if (user.is_staff or user.is_superuser) and is_agent(user) and not community_permissions.is_moderator(user):
        panel["can_escalate"] = True
    return panel if (panel.get("case") or panel.get("can_request_help") or panel.get("can_escalate")) else None
