"""Manual timing of the sweep over 100,000 questions (not collected: run it by path)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Answer, Question
from moderation.cases import escalation
from moderation.cases.models import Case
from portal.sanitize import render_markdown
from tests.factories import MemberFactory
from tests.moderation.cases.factories import make_agent

pytestmark = pytest.mark.django_db

N = 100_000
NEW_NO_ANSWER = 1000
NEW_NO_ACCEPT = 500
NEW_KEYWORD = 100


def test_sweep_speed(capsys):
    authors = MemberFactory.create_batch(50)
    for i in range(5):
        make_agent(f"agent{i}")
    now = timezone.now()
    body = "The hub light blinks red since the last firmware update. What does it mean? " * 5
    html = render_markdown(body)
    rows = []
    for i in range(N):
        if i < NEW_NO_ANSWER:
            created = now - timedelta(hours=30)
        elif i < NEW_NO_ANSWER + NEW_NO_ACCEPT:
            created = now - timedelta(days=10)
        elif i < NEW_NO_ANSWER + NEW_NO_ACCEPT + NEW_KEYWORD:
            created = now - timedelta(hours=1)
        else:
            created = now - timedelta(days=30 + i % 300) if i % 20 else now - timedelta(hours=i % 20)
        title = f"Question {i} about the hub" + (" refund" if NEW_NO_ANSWER + NEW_NO_ACCEPT <= i < NEW_NO_ANSWER + NEW_NO_ACCEPT + NEW_KEYWORD else "")
        rows.append(Question(author=authors[i % 50], title=title, slug=f"q{i}", body=body, body_html=html, language="en",
                             created_at=created, last_activity_at=created))
    Question.objects.bulk_create(rows, batch_size=5000)
    ids = list(Question.objects.order_by("pk").values_list("pk", flat=True))
    answers = []
    for n, pk in enumerate(ids):
        if NEW_NO_ANSWER <= n < NEW_NO_ANSWER + NEW_NO_ACCEPT:
            answers.append(Answer(question_id=pk, author=authors[(n + 1) % 50], body="Try a reset", body_html="<p>Try a reset</p>", created_at=now - timedelta(days=9)))
        elif n >= NEW_NO_ANSWER + NEW_NO_ACCEPT + NEW_KEYWORD and n % 20:
            answers.append(Answer(question_id=pk, author=authors[(n + 1) % 50], body="Try a reset", body_html="<p>Try a reset</p>", created_at=now - timedelta(days=29)))
    Answer.objects.bulk_create(answers, batch_size=5000)
    Question.objects.filter(pk__in=[a.question_id for a in answers]).update(answer_count=1)
    # the old answered ones: accepted
    accepted = {a.question_id: a.pk for a in Answer.objects.filter(created_at__lt=now - timedelta(days=20)).only("pk", "question_id")}
    from django.db import connection
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE community_question SET accepted_answer_id = %s WHERE id = %s", [(a, q) for q, a in accepted.items()])
    started = time.monotonic()
    counts = escalation.sweep(dry_run=True)
    dry = time.monotonic() - started
    started = time.monotonic()
    counts = escalation.sweep()
    full = time.monotonic() - started
    started = time.monotonic()
    again = escalation.sweep()
    second = time.monotonic() - started
    with capsys.disabled():
        print(f"\nquestions={Question.objects.count()} dry={dry:.2f}s counts={counts} full={full:.2f}s again={again} {second:.2f}s cases={Case.objects.count()}")
