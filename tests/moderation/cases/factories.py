"""Factories for support cases (shared by every case test module)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from moderation.cases import sla
from moderation.cases.models import AgentProfile, BusinessCalendar, Case, CaseStatus, Holiday, Macro, SlaPolicy
from portal.roles import SUPPORT_AGENTS, SUPPORT_SUPERVISORS
from portal.sanitize import render_markdown
from tests.factories import MemberFactory, QuestionFactory, with_two_factor


def make_agent(username: str | None = None, *, supervisor: bool = False, topics=(), languages: str = "", available: bool = True, **fields):
    """A support agent as staff are: the role, TOTP two-factor and an agent profile (what they cover)."""
    if username:
        fields["username"] = username
    user = MemberFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=SUPPORT_SUPERVISORS if supervisor else SUPPORT_AGENTS))
    profile = AgentProfile.objects.create(user=user, languages=languages, available=available)
    if topics:
        profile.topics.set(list(topics))
    return with_two_factor(user)


class CalendarFactory(factory.django.DjangoModelFactory):
    """Tokyo office hours, Monday–Friday 9:00–18:00."""

    class Meta:
        model = BusinessCalendar

    name = factory.Sequence(lambda n: f"Tokyo office {n}")
    time_zone = "Asia/Tokyo"
    work_days = "1,2,3,4,5"
    day_start = "09:00"
    day_end = "18:00"


def add_holiday(calendar: BusinessCalendar, date, name: str = "Holiday") -> Holiday:
    return Holiday.objects.create(calendar=calendar, date=date, name=name)


def default_policy(**fields) -> SlaPolicy:
    """The default policy (migration 0005 creates one), updated with `fields`."""
    policy, _ = SlaPolicy.objects.get_or_create(is_default=True, defaults={"name": "Default"})
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy


class MacroFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Macro

    name = factory.Sequence(lambda n: f"Macro {n}")
    body_en = "Hello {customer_name}, thanks for asking about “{question_title}”."
    body_ja = "{customer_name} 様、「{question_title}」についてお問い合わせありがとうございます。"


class CaseFactory(factory.django.DjangoModelFactory):
    """A case written directly (for pages and queries); services are tested through the services."""

    class Meta:
        model = Case
        skip_postgeneration_save = True

    question = factory.SubFactory(QuestionFactory)
    customer = factory.SelfAttribute("question.author")
    question_title = factory.SelfAttribute("question.title")
    question_body = factory.SelfAttribute("question.body")
    question_body_html = factory.LazyAttribute(lambda o: render_markdown(o.question_body))
    reason = "no_answer"
    priority = "normal"
    topic = factory.SelfAttribute("question.topic")
    language = factory.SelfAttribute("question.language")
    status = CaseStatus.NEW
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")
    first_response_due = factory.LazyAttribute(lambda o: o.created_at + timedelta(hours=8))
    resolution_due = factory.LazyAttribute(lambda o: o.created_at + timedelta(hours=40))
    next_due_at = factory.LazyAttribute(
        lambda o: sla.next_due(Case(status=o.status, first_response_due=o.first_response_due,
                                    resolution_due=o.resolution_due, first_responded_at=None))
    )
