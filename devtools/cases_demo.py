"""Support-case demo content for `manage.py load_demo`: a working support desk for the demo agents.

Over the demo community's questions (`devtools.community_demo`), the askers being the customers:

- the team's set-up: the agents' profiles (the demo "agent" for English, "agent-ja" for Japanese, the
  supervisor for both but not taking new cases), a Tokyo business calendar (Monday–Friday 9:00–18:00, a few
  public holidays) used by the Japanese billing topic's own SLA policy, three macros in English and
  Japanese, and a webhook endpoint to a CRM, disabled;
- thirteen cases in every status (new, open, pending customer, solved, closed) with realistic timelines:
  opened, assigned, public replies (answers on the thread marked as the support team's), private replies,
  internal notes, customer replies and status changes; some breached, some due soon, some comfortably in
  time (times are relative to now, so a fresh load always shows them so), and survey answers (CSAT, CES,
  NPS) on solved and closed ones.

Written directly (the case services are not used here: they notify, assign automatically and publish
events), with `moderation.cases.timeline.record` for the timeline. Public replies are posted with the
community's `post_answer` (counters, revisions, follows and followers' notifications as real use makes them)
and then marked as support replies and dated, so `recompute_community --check` agrees afterwards.

Idempotent: the set-up rows are looked up by name, and a question that already has a case gets no demo case;
a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max
from django.test.utils import override_settings
from django.utils import timezone

from community import services
from community.models import Answer, PostRevision, Question
from devtools.community_demo import date_notifications
from devtools.generated import generated_questions
from knowledge.models import TopicPage
from moderation.cases import sla, timeline
from moderation.cases.models import (
    AgentProfile,
    BusinessCalendar,
    Case,
    CaseEvent,
    CaseStatus,
    Holiday,
    Macro,
    SlaPolicy,
    Survey,
)
from moderation.webhooks.models import WebhookEndpoint

TOKYO = "Tokyo office"
HOLIDAYS = [  # (month, day, name): Japanese public holidays, this year and next
    (1, 1, "元日 New Year's Day"), (1, 2, "年始休暇 New Year holiday"), (1, 3, "年始休暇 New Year holiday"),
    (2, 11, "建国記念の日 National Foundation Day"), (4, 29, "昭和の日 Shōwa Day"), (5, 3, "憲法記念日 Constitution Day"),
    (5, 4, "みどりの日 Greenery Day"), (5, 5, "こどもの日 Children's Day"), (11, 3, "文化の日 Culture Day"),
    (11, 23, "勤労感謝の日 Labour Thanksgiving Day"), (12, 29, "年末休暇 Year-end holiday"),
    (12, 30, "年末休暇 Year-end holiday"), (12, 31, "大晦日 New Year's Eve"),
]
TOPIC_POLICY = "請求・返金 (Tokyo billing team)"
MACROS = [
    (
        "Ask for device details",
        "Hello {customer_name},\n\nThanks for getting in touch about “{question_title}”. So that we can look at your "
        "device in our logs, could you reply with:\n\n- the serial number on the back of the device\n- the app version "
        "(*Settings → About*)\n- roughly when the problem last happened\n\nBest regards,\n{agent_name}, Nimbus Home support "
        "(case {case_number})",
        "{customer_name} 様\n\n「{question_title}」についてお問い合わせいただきありがとうございます。ログを確認するため、"
        "次の情報をお知らせください。\n\n- 本体背面のシリアル番号\n- アプリのバージョン（**設定 → 情報**）\n- 最後に問題が"
        "起きたおおよその日時\n\nNimbus Home サポート {agent_name}（ケース {case_number}）",
    ),
    (
        "Refund on its way",
        "Hello {customer_name},\n\nWe have refunded the duplicate charge. It shows on your statement within 5–10 business "
        "days, depending on your bank. You can also see it under *Account → Billing → Invoices*.\n\n{agent_name}, Nimbus "
        "Home support",
        "{customer_name} 様\n\n重複した請求を返金いたしました。カード会社により、明細への反映まで 5〜10 営業日ほどかかります。"
        "**アカウント → 請求 → 請求書** からもご確認いただけます。\n\nNimbus Home サポート {agent_name}",
    ),
    (
        "Solved — anything else?",
        "Hello {customer_name},\n\nI'm marking this case as solved. If anything still doesn't work, simply reply here and "
        "the case reopens. The answer is also on your question for others: {question_url}\n\n{agent_name}",
        "{customer_name} 様\n\nこのケースを解決済みにいたします。まだ問題がある場合は、こちらに返信していただければケースが"
        "再開されます。回答はご質問のページにも掲載しています: {question_url}\n\n{agent_name}",
    ),
]
WEBHOOK = ("CRM (demo, disabled)", "https://crm.nimbus-home.example/hooks/support",
           ["question.escalated", "case.created", "case.updated", "case.solved", "survey.answered"])
AGENT_PROFILES = [("agent", "en", True), ("agent-ja", "ja", True), ("supervisor", "en,ja", False)]


@dataclass
class Spec:
    """One demo case. `clock` places the running SLA due time (hours from now: negative = breached); solved
    and closed cases start `days` ago and their steps take `span` hours. Steps, in order: public:<text key>,
    private:<key>, customer:<key>, note:<key>, pending, solve, close, accept."""

    title: str
    status: str
    priority: str
    reason: str
    assignee: str | None
    steps: list[str] = field(default_factory=list)
    clock: float = 0.0
    days: float = 0.0
    span: float = 24.0
    survey: tuple | None = None  # (csat, ces, nps or None, comment) or () for sent and not answered
    escalated_by: str | None = None


TEXTS = {
    "ask_details": "Hello! Thanks for the details so far. Could you send us the serial number on the back of the device and "
                   "the app version (*Settings → About*)? Then we can check it in our logs.",
    "ask_details_ja": "お問い合わせありがとうございます。本体背面のシリアル番号と、アプリのバージョン（**設定 → 情報**）を"
                      "お知らせいただけますか？ログを確認いたします。",
    "serial": "Sure — the serial is NH2-4471-0932 and the app is 5.3.0. It happened again last night around 2 am.",
    "serial_ja": "シリアル番号は NH2-8812-3304、アプリは 5.3.0 です。昨夜もまた同じ状態になりました。",
    "note_batch": "Serial is in the affected NH2-44xx batch (firmware 4.2.0 reconnect bug). Engineering ticket HW-2291. "
                  "Offer a replacement if the 4.2.2 update does not fix it.",
    "note_refund": "Duplicate charge confirmed in Stripe (two captures 3 seconds apart). Refund approved by billing.",
    "note_ja": "返金は請求チームの承認待ち。2 営業日以内に回答予定。",
    "led_answer": "**From the Nimbus support team:** the orange blinking after 4.2 means the hub is waiting to finish the "
                  "update. Keep it powered, then hold the button for 3 seconds until it blinks white; it completes the "
                  "update within 5 minutes. Firmware 4.2.2 (rolling out this week) fixes the hang for good.",
    "thanks": "That worked, the LED is solid white again. Thank you!",
    "return_answer": "**From the Nimbus support team:** yes — every Nimbus device can be returned within 30 days of delivery "
                     "for a full refund. Start the return under *Orders → Return an item*; the label is free.",
    "reset_answer": "**From the Nimbus support team:** reset emails come from no-reply@nimbus-home.example and some "
                    "providers file them under *Promotions* or *Spam*. If it isn't there within 15 minutes, request a "
                    "new one: only the newest link works.",
    "cancel": "We've stopped the order before it left the warehouse. Could you confirm whether you'd like a refund to "
              "your card or store credit?",
    "refund_private": "We have refunded the unused part of this month (¥0 fees). You'll see it on your statement within "
                      "5–10 business days.",
    "refund_answer": "**From the Nimbus support team:** when you cancel Nimbus Plus mid-month, the unused days are refunded "
                     "automatically to the original payment method; nothing else to do.",
    "delete": "We have started deleting your account and every recording. It takes up to 7 days; you'll get a "
              "confirmation email when it's done.",
    "delete_ok": "Thanks — but I'd have liked this to be a button in the app.",
    "refund_ja": "お問い合わせありがとうございます。解約日以降の日割り分を返金いたします。お支払いに使われたカードの"
                 "下 4 桁を教えていただけますか？",
    "refund_ja_reply": "下 4 桁は 4242 です。よろしくお願いします。",
    "twofa_answer_ja": "**Nimbus サポートチームより:** 認証アプリのコードが無効になる場合、ほとんどはスマートフォンの"
                       "時刻のずれが原因です。**設定 → 日付と時刻** で「自動設定」をオンにしてから、もう一度お試しください。",
    "led_ja": "ご不便をおかけしております。ランプがオレンジ色に点滅している場合、アップデートの完了待ちの状態です。"
              "電源を入れたまま、ボタンを 3 秒押してください。5 分ほどで完了します。",
}

SPECS = [
    # alice: a solved case with a survey, and a pending one about to breach
    Spec("Hub LED blinks orange after the 4.2 firmware update", CaseStatus.SOLVED, "normal", "no_accepted", "agent",
         ["public:led_answer", "customer:thanks", "solve", "accept"], days=9, span=20, survey=(5, 6, 9, "Quick and clear, thanks!")),
    Spec("Cancel an order that hasn't shipped yet", CaseStatus.PENDING, "high", "keyword", "agent",
         ["private:cancel", "pending"], clock=1.2),
    # bob: an open case past its resolution time, and a closed one
    Spec('Camera shows "Offline" every night around 2am', CaseStatus.OPEN, "normal", "still_need_help", "agent",
         ["private:ask_details", "pending", "customer:serial", "note:note_batch"], clock=-5),
    Spec("Can I return the outdoor camera after 20 days?", CaseStatus.CLOSED, "normal", "no_answer", "agent",
         ["public:return_answer", "solve", "close"], days=30, span=6, survey=(4, 5, None, "Fine, would have liked it in the FAQ.")),
    # hanako (Japanese): an open case due soon
    Spec("ハブのアップデート後、ランプがオレンジ色に点滅しています", CaseStatus.OPEN, "normal", "no_accepted", "agent-ja",
         ["private:led_ja", "note:note_ja"], clock=1.5),
    # new cases: breached, due soon, unassigned
    Spec("Charged twice for Nimbus Plus this month", CaseStatus.NEW, "high", "keyword", "agent", ["note:note_refund"], clock=-2),
    Spec("Package shows delivered but nothing arrived", CaseStatus.NEW, "normal", "no_answer", None, [], clock=1),
    Spec("Hub firmware update stuck at 42%", CaseStatus.NEW, "urgent", "manual", None, [], clock=-0.5, escalated_by="moderator"),
    # solved with the survey still open, closed with a poor score
    Spec("Nimbus Plus refund after cancelling mid-month?", CaseStatus.SOLVED, "high", "keyword", "agent",
         ["private:refund_private", "public:refund_answer", "solve"], days=2, span=10, survey=()),
    Spec("Delete my account and all recordings", CaseStatus.CLOSED, "normal", "staff_flag", "agent",
         ["private:delete", "customer:delete_ok", "solve", "close"], days=20, span=60,
         survey=(2, 3, 4, "It took a week and three emails. Please add a delete button to the app.")),
    # Japanese: billing on the Tokyo calendar, a solved one with a survey
    Spec("Nimbus Plus の解約方法と返金について", CaseStatus.OPEN, "high", "keyword", "agent-ja",
         ["private:refund_ja", "customer:refund_ja_reply"], clock=-20),
    Spec("二段階認証のコードが「無効」と表示されてログインできません", CaseStatus.SOLVED, "normal", "still_need_help", "agent-ja",
         ["public:twofa_answer_ja", "solve"], days=5, span=8, survey=(5, 7, 10, "丁寧に教えていただき、すぐに解決しました。")),
    Spec("Forgot password and the reset email never arrives", CaseStatus.PENDING, "low", "no_answer", "agent",
         ["public:reset_answer", "pending"], clock=30),
]


def load_cases_demo(stdout=None, now: datetime | None = None) -> int:
    """Create the support demo (what is missing of it). Returns how many cases were created now."""
    now = now or timezone.now()
    User = get_user_model()
    people = {user.username: user for user in User.objects.filter(
        username__in={"agent", "agent-ja", "supervisor", "moderator", "admin"}
    )}
    with transaction.atomic():
        calendar = _calendar(now)
        _policy(calendar)
        _profiles(people)
        _macros()
        _webhook(people.get("admin"))
    created = 0
    first_notification = _next_notification()
    with services.relaxed_limits(), override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        for spec in SPECS:
            question = Question.objects.filter(title=spec.title).select_related("author").first()
            if question is None or Case.objects.filter(question=question).exists():
                continue
            if spec.assignee and spec.assignee not in people:
                continue
            with transaction.atomic():
                _case(spec, question, people, now)
            created += 1
    date_notifications(first_notification, now)
    if stdout is not None:
        demo = Case.objects.exclude(question__in=generated_questions().values("pk"))
        counts = {status: demo.filter(status=status).count() for status in CaseStatus.values}
        stdout.write(
            f"Support: {sum(counts.values())} demo cases ({', '.join(f'{n} {s}' for s, n in counts.items())}; "
            f"{created} created), "
            f"{Macro.objects.count()} macros, calendar {TOKYO!r}, {WebhookEndpoint.objects.count()} webhook endpoint(s)."
        )
    return created


# --- set-up -----------------------------------------------------------------------------------------------------------


def _calendar(now: datetime) -> BusinessCalendar:
    calendar, _ = BusinessCalendar.objects.get_or_create(
        name=TOKYO, defaults={"time_zone": "Asia/Tokyo", "work_days": "1,2,3,4,5", "day_start": "09:00", "day_end": "18:00"},
    )
    year = now.year
    for day_year in (year, year + 1):
        for month, day, name in HOLIDAYS:
            Holiday.objects.get_or_create(calendar=calendar, date=date(day_year, month, day), defaults={"name": name})
    return calendar


def _policy(calendar: BusinessCalendar) -> SlaPolicy | None:
    topic = TopicPage.objects.filter(slug="billing-refunds", locale__language_code="ja").first()
    if topic is None:
        return None
    policy = SlaPolicy.objects.filter(topic=topic).first()
    if policy is None:
        policy = SlaPolicy.objects.create(
            name=TOPIC_POLICY, topic=topic, calendar=calendar, no_answer_hours=8, no_accept_hours=48,
            first_response_high=2, first_response_normal=4, resolution_high=9, resolution_normal=18,
            priority_keywords="refund\ncancel\nlegal\n解約\n返金\n二重請求",
        )
    return policy


def _profiles(people: dict) -> None:
    for username, languages, available in AGENT_PROFILES:
        if username in people:
            AgentProfile.objects.get_or_create(user=people[username], defaults={"languages": languages, "available": available})


def _macros() -> None:
    for name, body_en, body_ja in MACROS:
        Macro.objects.get_or_create(name=name, defaults={"body_en": body_en, "body_ja": body_ja})


def _webhook(admin) -> None:
    import secrets

    name, url, events = WEBHOOK
    if not WebhookEndpoint.objects.filter(name=name).exists():
        WebhookEndpoint.objects.create(
            name=name, url=url, events=events, active=False, secret=secrets.token_hex(32), created_by=admin,
        )


def _next_notification() -> int:
    from portal.models import Notification

    return (Notification.objects.aggregate(last=Max("pk"))["last"] or 0) + 1


# --- one case ---------------------------------------------------------------------------------------------------------


def _case(spec: Spec, question: Question, people: dict, now: datetime) -> Case:
    policy = sla.policy_for(question.topic_id)
    probe = policy or SlaPolicy()
    working = spec.status in (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)
    responded = any(step.split(":")[0] in ("public", "private") for step in spec.steps)
    if working:
        hours = probe.resolution_hours(spec.priority) if responded else probe.first_response_hours(spec.priority)
        around_the_clock = sla.counts_every_hour(policy.calendar if policy and policy.calendar_id else None)
        # Around the clock the running due time lands exactly `clock` hours from now; on a business calendar
        # the case simply started that long before (the calendar decides what is due when).
        created = now + timedelta(hours=spec.clock - hours) if around_the_clock else now - timedelta(hours=abs(spec.clock) + hours / 2)
        end = now - timedelta(minutes=12)
    else:
        created = now - timedelta(days=spec.days)
        end = min(created + timedelta(hours=spec.span), now - timedelta(hours=1))
    created = min(max(created, question.created_at + timedelta(hours=1)), now - timedelta(minutes=30))
    end = max(end, created + timedelta(minutes=len(spec.steps) + 2))
    first_due, resolution_due = sla.due_times(policy, spec.priority, created)
    agent = people.get(spec.assignee) if spec.assignee else None
    escalated_by = people.get(spec.escalated_by) if spec.escalated_by else None
    case = Case.objects.create(
        question=question, customer=question.author, question_title=question.title[:200],
        question_body=question.body, question_body_html=question.body_html, reason=spec.reason,
        reason_detail="Escalated from the question page: the update has failed on several hubs this week." if escalated_by else "",
        escalated_by=escalated_by, priority=spec.priority, topic_id=question.topic_id, language=question.language,
        policy=policy, status=CaseStatus.NEW, created_at=created, updated_at=created,
        first_response_due=first_due, resolution_due=resolution_due, next_due_at=first_due,
    )
    case.tags.set(list(question.tags.names())[:3])
    timeline.record(case, CaseEvent.Kind.CREATED, escalated_by, body=case.reason_detail,
                    data={"reason": spec.reason, "priority": spec.priority, "keywords": []}, now=created)
    moments = _moments(created, end, len(spec.steps) + (1 if agent else 0))
    if working and spec.clock > 0:  # not breached: the first reply came in time (a late one is a breach for good)
        moments = _first_reply_in_time(moments, spec.steps, 1 if agent else 0, created, first_due)
    changes = 0
    if agent:
        moment = moments.pop(0)
        case.assignee = agent
        timeline.record(case, CaseEvent.Kind.ASSIGNED, None, data={"from": None, "to": agent.pk}, now=moment)
        changes += 1
    last_public = None
    for step, moment in zip(spec.steps, moments, strict=True):
        kind, _, key = step.partition(":")
        text = TEXTS.get(key, "")
        if kind in ("public", "private"):
            answer = None
            if kind == "public":
                answer = last_public = _public_reply(agent, question, text, moment)
            timeline.record(case, CaseEvent.Kind.PUBLIC_REPLY if kind == "public" else CaseEvent.Kind.PRIVATE_REPLY,
                            agent, body=text, answer=answer, now=moment)
            if case.first_responded_at is None:
                case.first_responded_at = moment
            if case.status == CaseStatus.NEW:
                _status(case, CaseStatus.OPEN, agent, moment)
        elif kind == "customer":
            timeline.record(case, CaseEvent.Kind.CUSTOMER_REPLY, case.customer, body=text, now=moment)
            if case.status in (CaseStatus.PENDING, CaseStatus.SOLVED):
                _status(case, CaseStatus.OPEN, case.customer, moment, reopened=True)
        elif kind == "note":
            timeline.record(case, CaseEvent.Kind.NOTE, agent, body=text, now=moment)
        elif kind == "pending":
            _status(case, CaseStatus.PENDING, agent, moment)
        elif kind == "solve":
            case.solved_at = moment
            case.solution_answer = last_public
            _status(case, CaseStatus.SOLVED, agent, moment)
        elif kind == "close":
            case.closed_at = min(moment + timedelta(days=4), now - timedelta(minutes=30))
            _status(case, CaseStatus.CLOSED, None, case.closed_at)
            moment = case.closed_at
        elif kind == "accept":
            case.accept_requested_at = moment
            timeline.record(case, CaseEvent.Kind.ACCEPT_REQUESTED, None, answer=last_public, now=moment)
        changes += 1
        case.updated_at = moment
    if case.status != spec.status:
        raise ValueError(f"demo case {spec.title!r} ends {case.status}, not {spec.status}")
    if spec.survey is not None and case.solved_at:
        _survey(case, spec.survey, now)
    case.next_due_at = sla.next_due(case)
    case.version = 1 + changes
    case.save()
    return case


def _first_reply_in_time(moments: list[datetime], steps: list[str], offset: int, created: datetime, first_due: datetime) -> list[datetime]:
    """The moments, with those up to the first agent reply moved before the first-response due time."""
    replies = [index for index, step in enumerate(steps) if step.split(":")[0] in ("public", "private")]
    if not replies:
        return moments
    last = offset + replies[0]
    target = first_due - timedelta(minutes=10)
    if moments[last] <= target or target <= created:
        return moments
    return [*_moments(created, target, last + 1), *moments[last + 1:]]


def _moments(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` moments spread between start and end (exclusive), a little uneven so they read naturally."""
    if count <= 0:
        return []
    span = end - start
    weights = [1.0 + (index % 3) * 0.35 for index in range(count + 1)]
    total = sum(weights)
    moments, elapsed = [], 0.0
    for weight in weights[:-1]:
        elapsed += weight
        moments.append(start + span * (elapsed / total))
    return moments


def _status(case: Case, status: str, actor, moment: datetime, reopened: bool = False) -> None:
    data = {"from": case.status, "to": status}
    if reopened:
        data["reopened"] = True
    timeline.record(case, CaseEvent.Kind.STATUS, actor, data=data, now=moment)
    case.status = status


def _public_reply(agent, question: Question, body: str, moment: datetime) -> Answer:
    """The support team's answer on the thread, as the community's posting service writes it, dated `moment`."""
    before = Question.objects.values_list("last_activity_at", flat=True).get(pk=question.pk)
    answer = services.post_answer(services.Actor(agent), question, body=body)
    if answer.status != "published":
        raise ValueError(f"the demo support reply on {question.title!r} was held ({answer.status})")
    Answer.objects.filter(pk=answer.pk).update(is_support_reply=True, created_at=moment)
    PostRevision.objects.filter(answer=answer).update(created_at=moment)
    Question.objects.filter(pk=question.pk).update(last_activity_at=max(before, moment))
    answer.refresh_from_db()
    return answer


def _survey(case: Case, values: tuple, now: datetime) -> Survey:
    created = case.solved_at
    survey = Survey(case=case, customer=case.customer, created_at=created, expires_at=created + timedelta(days=14))
    if values:
        csat, ces, nps, comment = values
        survey.ask_nps = nps is not None
        survey.answered_at = min(created + timedelta(hours=3), now - timedelta(minutes=20))
        survey.csat, survey.ces, survey.nps, survey.comment = csat, ces, nps, comment
    survey.save()
    if survey.answered_at:
        timeline.record(case, CaseEvent.Kind.SURVEY, case.customer,
                        data={"csat": survey.csat, "ces": survey.ces, "nps": survey.nps, "comment": bool(survey.comment)},
                        now=survey.answered_at)
    return survey
