"""Benchmark-sized support cases, fast: `manage.py seed_cases 10000`.

Not for real content, and not through the services (10,000 escalations through `escalate` would assign,
notify and publish events one by one): rows only, written with `bulk_create` in batches. Each case is about
a question that `seed_bulk` generated (never the benchmark question), one case per question, so the
"one active case per question" constraint holds by construction; the customer is the asker and the
snapshot, topic and language are the question's.

- statuses: new, open, pending customer, solved and closed (about 15/30/15/15/25 %), priorities low to
  urgent, reasons of every kind;
- SLA due times from the policy of the case's topic (else the default policy) for its priority; among the
  cases whose clock runs about a fifth are breached and a sixth due soon (`next_due_at` as the services keep
  it: first-response due until the first reply, then resolution due; empty once solved or closed);
- assignees among a handful of generated agents `bulk-agent-N` (staff in "Support agents" with TOTP and an
  agent profile: English, Japanese or both) and the demo agent ("agent", when load_demo ran) with a share
  of its own, so its "mine" queue is not empty; about half the new cases are unassigned;
- a few timeline rows each (opened, assigned, private reply, customer reply, internal note, status
  changes), a tag from the question's, and an answered survey on some of the solved and closed cases.

Public replies are not generated (they would be answers on the thread and change its counters): every
agent reply here is private. Idempotent: with N generated cases already there it does nothing; with fewer it
adds the missing ones on generated questions that have no case. `--reset` deletes the cases on generated
questions first (so does `seed_bulk --reset`). Needs `seed_bulk` to have run (scripts/bench.sh runs both).
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from community.models import TaggedQuestion
from devtools.community_demo import DEMO_PASSWORD
from devtools.generated import generated_questions
from moderation.cases import sla
from moderation.cases.models import (
    AgentProfile,
    Case,
    CaseEvent,
    CaseStatus,
    EscalationReason,
    Priority,
    SlaPolicy,
    Survey,
    TaggedCase,
)
from portal.models import Profile
from portal.roles import SUPPORT_AGENTS
from portal.sanitize import render_markdown

BATCH = 2_000
BENCHMARK_TITLE = "Benchmark: hub keeps dropping off Wi-Fi (50 answers)"  # seed_bulk's; it gets no case
BULK_AGENT = "bulk-agent-"
# username suffix, display name, languages
AGENTS = [
    ("1", "Bulk Agent One", "en"), ("2", "Bulk Agent Two", "en"), ("3", "Bulk Agent Three", "en,ja"),
    ("4", "Bulk Agent Four", "ja"), ("5", "Bulk Agent Five", "en"), ("6", "Bulk Agent Six", "en,ja"),
]
DEMO_AGENT = "agent"
DEMO_AGENT_SHARE = 0.12  # of the assigned English cases
STATUSES = [CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.SOLVED, CaseStatus.CLOSED]
STATUS_WEIGHTS = [15, 30, 15, 15, 25]
PRIORITIES = [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT]
PRIORITY_WEIGHTS = [15, 55, 22, 8]
REASONS = [EscalationReason.NO_ANSWER, EscalationReason.NO_ACCEPTED, EscalationReason.STILL_NEED_HELP,
           EscalationReason.STAFF_FLAG, EscalationReason.KEYWORD, EscalationReason.MANUAL]
REASON_WEIGHTS = [35, 25, 20, 5, 10, 5]
SLA_STATES = ["breached", "due_soon", ""]
SLA_WEIGHTS = [20, 16, 64]
TEXTS = {
    "private_reply": {
        "en": "Thanks for the details. Could you send us the serial number on the back of the device and the "
              "time it last went offline? We'll check it in our logs.",
        "ja": "詳細をありがとうございます。本体背面のシリアル番号と、最後にオフラインになった時刻を教えていただけますか？"
              "ログを確認いたします。",
    },
    "customer_reply": {
        "en": "The serial is on its way by email. It went offline again at 2:10 this morning.",
        "ja": "シリアル番号をメールで送りました。今朝 2 時 10 分ごろにまたオフラインになりました。",
    },
    "note": {
        "en": "Known firmware issue on this batch; engineering ticket linked. Offer a replacement if it recurs.",
        "ja": "このロットの既知のファームウェア不具合。再発した場合は交換を案内する。",
    },
}


def generated_cases():
    """The cases about generated questions (seed_cases', and whatever a sweep opened on generated data)."""
    return Case.objects.filter(question__in=generated_questions().values("pk"))


def forget_generated_cases() -> int:
    """Delete the cases on generated questions (timelines, surveys and tags go with them).
    `seed_bulk --reset` calls it before it deletes the generated questions (a case protects its question)."""
    with transaction.atomic():
        deleted, _ = generated_cases().delete()
    return deleted


class Command(BaseCommand):
    help = "Generate benchmark-sized support cases (every status, SLA states, timelines) on seed_bulk's questions."

    def add_arguments(self, parser):
        parser.add_argument("cases", nargs="?", type=int, default=10_000, help="How many generated cases there should be (10,000).")
        parser.add_argument("--reset", action="store_true", help="Delete the cases on generated questions first.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (the data is reproducible).")

    def handle(self, *, cases: int, reset: bool, seed: int, **options):
        if cases < 0:
            raise CommandError("The number of cases must be >= 0.")
        started = time.monotonic()
        if reset:
            self.stdout.write(f"Reset: deleted {forget_generated_cases():,} rows")
        have = generated_cases().count()
        if have >= cases:
            self.stdout.write(f"{have:,} generated cases already there (asked for {cases:,}): nothing to add.")
            return
        self.now = timezone.now()
        self.memo: dict[str, str] = {}
        agents = self.agents()
        added = self.add(cases - have, agents, random.Random(seed + have))  # noqa: S311 - generated data
        self.stdout.write(self.style.SUCCESS(
            f"Added {added:,} support cases ({have + added:,} in all) in {time.monotonic() - started:.1f}s"
        ))

    # --- agents -----------------------------------------------------------------------------------------------------

    def agents(self) -> dict[str, list[int]]:
        """Agent ids by language ("en", "ja"); the demo agent's id under "demo" (empty without load_demo)."""
        from devtools.management.commands.load_demo import STAFF_TOTP_SECRET

        User = get_user_model()
        group = Group.objects.get(name=SUPPORT_AGENTS)
        password = None
        by_language: dict[str, list[int]] = {"en": [], "ja": [], "demo": []}
        with transaction.atomic():
            for suffix, name, languages in AGENTS:
                username = f"{BULK_AGENT}{suffix}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    password = password or make_password(DEMO_PASSWORD)
                    user = User.objects.create(
                        username=username, email=f"{username}@bulk.example", password=password, is_staff=True
                    )
                    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
                    Profile.objects.get_or_create(user=user, defaults={"display_name": name, "language": languages[:2]})
                    user.groups.add(group)
                if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                    TOTP.activate(user, STAFF_TOTP_SECRET)
                AgentProfile.objects.get_or_create(user=user, defaults={"languages": languages})
                for code in languages.split(","):
                    by_language[code].append(user.pk)
            demo = User.objects.filter(username=DEMO_AGENT, groups__name=SUPPORT_AGENTS).first()
            if demo is not None:
                AgentProfile.objects.get_or_create(user=demo, defaults={"languages": "en"})
                by_language["demo"].append(demo.pk)
        return by_language

    # --- cases ------------------------------------------------------------------------------------------------------

    def add(self, wanted: int, agents: dict[str, list[int]], rng: random.Random) -> int:
        questions = list(
            generated_questions()
            .filter(status="published")
            .exclude(title=BENCHMARK_TITLE)
            .exclude(Exists(Case.objects.filter(question=OuterRef("pk"))))
            .order_by("pk")
            .values("pk", "author_id", "title", "body", "body_html", "topic_id", "language", "created_at")[:wanted]
        )
        if not questions and wanted:
            raise CommandError("No generated questions without a case: run manage.py seed_bulk first (or more of it).")
        policies = {policy.topic_id: policy for policy in SlaPolicy.objects.select_related("calendar")}
        default = policies.get(None) or SlaPolicy.objects.filter(is_default=True).first()
        added = 0
        for start in range(0, len(questions), BATCH):
            chunk = questions[start:start + BATCH]
            tags = {}
            for question_id, tag_id in TaggedQuestion.objects.filter(
                content_object_id__in=[q["pk"] for q in chunk]
            ).order_by("pk").values_list("content_object_id", "tag_id"):
                tags.setdefault(question_id, tag_id)
            rows = [self.case_row(question, policies.get(question["topic_id"]) or default, agents, rng) for question in chunk]
            with transaction.atomic():
                Case.objects.bulk_create([case for case, _plan in rows], batch_size=BATCH)
                events, surveys = [], []
                for case, plan in rows:
                    events += self.events(case, plan)
                    if plan.get("survey"):
                        surveys.append(self.survey(case, rng))
                CaseEvent.objects.bulk_create(events, batch_size=BATCH)
                Survey.objects.bulk_create(surveys, batch_size=BATCH)
                TaggedCase.objects.bulk_create(
                    [TaggedCase(content_object_id=case.pk, tag_id=tags[case.question_id])
                     for case, _plan in rows if case.question_id in tags],
                    batch_size=BATCH,
                )
            added += len(rows)
        return added

    def case_row(self, question: dict, policy: SlaPolicy | None, agents, rng: random.Random) -> tuple[Case, dict]:
        now = self.now
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        reason = rng.choices(REASONS, REASON_WEIGHTS)[0]
        probe = policy or SlaPolicy()
        first_hours, resolution_hours = probe.first_response_hours(priority), probe.resolution_hours(priority)
        window = probe.due_soon_hours
        plan: dict = {}
        if status in (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING):
            # Place the running clock's due time where the wanted SLA state puts it (exact around the clock;
            # a business calendar moves it, and the state is then whatever it is).
            hours = first_hours if status == CaseStatus.NEW else resolution_hours
            state = rng.choices(SLA_STATES, SLA_WEIGHTS)[0]
            if state == "breached":
                offset = -rng.uniform(0.25, 96)
            elif state == "due_soon":
                offset = rng.uniform(0.05, min(window, hours) * 0.95)
            else:
                offset = rng.uniform(min(window, hours), hours) if hours > window else rng.uniform(0.05, hours)
            created = now + timedelta(hours=offset - hours)
        else:
            created = now - timedelta(days=rng.uniform(2, 90))
        created = max(created, question["created_at"] + timedelta(hours=1))
        created = min(created, now - timedelta(minutes=5))
        first_due, resolution_due = sla.due_times(policy, priority, created)
        language = question["language"]
        pool = agents["ja"] if language == "ja" else agents["en"]
        assignee = None
        if status != CaseStatus.NEW or rng.random() < 0.5:
            if agents["demo"] and language == "en" and rng.random() < DEMO_AGENT_SHARE / 0.88:
                assignee = agents["demo"][0]
            else:
                assignee = rng.choice(pool)
        case = Case(
            question_id=question["pk"], customer_id=question["author_id"], question_title=question["title"][:200],
            question_body=question["body"], question_body_html=question["body_html"], reason=reason,
            escalated_by_id=assignee if reason == EscalationReason.MANUAL else None,
            priority=priority, topic_id=question["topic_id"], language=language, policy=policy, status=status,
            assignee_id=assignee, created_at=created, updated_at=created, first_response_due=first_due,
            resolution_due=resolution_due,
        )
        moment = created
        if assignee is not None:
            plan["assigned"] = moment = self.later(rng, moment, 0.02, 0.5)
        if status != CaseStatus.NEW:
            if status in (CaseStatus.OPEN, CaseStatus.PENDING):
                reply_by = min(first_due - timedelta(minutes=5), now - timedelta(minutes=3))
                moment = max(moment, created + timedelta(minutes=1))
                case.first_responded_at = moment + (reply_by - moment) * rng.uniform(0.2, 0.9) if reply_by > moment else moment
            else:
                case.first_responded_at = self.later(rng, moment, 0.2, first_hours * (1.3 if rng.random() < 0.15 else 0.9))
            plan["reply"] = case.first_responded_at
            moment = case.first_responded_at
            if status == CaseStatus.PENDING:
                plan["pending"] = moment
            elif status == CaseStatus.OPEN and rng.random() < 0.5:
                plan["customer_reply"] = moment = self.later(rng, moment, 0.05, 0.5)
            if rng.random() < 0.3:
                plan["note"] = moment = self.later(rng, moment, 0.02, 0.3)
            if status in (CaseStatus.SOLVED, CaseStatus.CLOSED):
                late = rng.random() < 0.1
                case.solved_at = self.later(rng, moment, 1, resolution_hours * (1.5 if late else 0.9))
                plan["solved"] = moment = case.solved_at
                plan["survey"] = rng.random() < 0.6
                if status == CaseStatus.CLOSED:
                    case.closed_at = min(moment + timedelta(days=rng.uniform(3, 7)), now - timedelta(minutes=1))
                    plan["closed"] = moment = max(case.closed_at, moment)
        case.next_due_at = sla.next_due(case)
        case.record_hours()  # bulk_create skips Case.save(), which would store them
        case.updated_at = moment
        case.version = 1 + len(plan)
        return case, plan

    def later(self, rng: random.Random, moment: datetime, low_hours: float, high_hours: float) -> datetime:
        """A moment low..high hours after `moment`, never in the future."""
        return min(moment + timedelta(hours=rng.uniform(low_hours, max(low_hours, high_hours))), self.now - timedelta(minutes=2))

    def text(self, kind: str, language: str) -> tuple[str, str]:
        body = TEXTS[kind][language if language in TEXTS[kind] else "en"]
        html = self.memo.get(body)
        if html is None:
            html = self.memo[body] = render_markdown(body)
        return body, html

    def events(self, case: Case, plan: dict) -> list[CaseEvent]:
        Kind = CaseEvent.Kind
        rows = [CaseEvent(case_id=case.pk, kind=Kind.CREATED, data={"reason": case.reason, "priority": case.priority},
                          created_at=case.created_at)]
        agent = case.assignee_id
        if "assigned" in plan:
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.ASSIGNED, data={"from": None, "to": agent},
                                  created_at=plan["assigned"]))
        if "reply" in plan:
            body, html = self.text("private_reply", case.language)
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.PRIVATE_REPLY, actor_id=agent, body=body, body_html=html,
                                  created_at=plan["reply"]))
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.STATUS, actor_id=agent,
                                  data={"from": CaseStatus.NEW, "to": CaseStatus.OPEN}, created_at=plan["reply"]))
        if "pending" in plan:
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.STATUS, actor_id=agent,
                                  data={"from": CaseStatus.OPEN, "to": CaseStatus.PENDING}, created_at=plan["pending"]))
        if "customer_reply" in plan:
            body, html = self.text("customer_reply", case.language)
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.CUSTOMER_REPLY, actor_id=case.customer_id, body=body,
                                  body_html=html, created_at=plan["customer_reply"]))
        if "note" in plan:
            body, html = self.text("note", case.language)
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.NOTE, actor_id=agent, body=body, body_html=html,
                                  created_at=plan["note"]))
        if "solved" in plan:
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.STATUS, actor_id=agent,
                                  data={"from": CaseStatus.OPEN, "to": CaseStatus.SOLVED}, created_at=plan["solved"]))
        if "closed" in plan:
            rows.append(CaseEvent(case_id=case.pk, kind=Kind.STATUS, actor_id=None,
                                  data={"from": CaseStatus.SOLVED, "to": CaseStatus.CLOSED}, created_at=plan["closed"]))
        return rows

    def survey(self, case: Case, rng: random.Random) -> Survey:
        answered = rng.random() < 0.7
        csat = rng.choices([1, 2, 3, 4, 5], [4, 6, 15, 35, 40])[0]
        ask_nps = rng.random() < 0.3
        return Survey(
            case_id=case.pk, customer_id=case.customer_id, created_at=case.solved_at,
            expires_at=case.solved_at + timedelta(days=14), ask_nps=ask_nps,
            answered_at=min(case.solved_at + timedelta(hours=rng.uniform(1, 48)), self.now) if answered else None,
            csat=csat if answered else None,
            ces=max(1, min(7, csat + rng.choice((1, 2, 2, 3)))) if answered else None,
            nps=min(10, csat * 2 + rng.choice((-1, 0, 0, 1))) if answered and ask_nps else None, comment="",
        )
