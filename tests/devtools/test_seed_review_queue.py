"""`manage.py seed_review_queue`: the benchmark's review queue on seed_bulk's posts, idempotent, with --reset;
and `manage.py bench`'s queue page (a moderator's session that the admin lets in)."""

from __future__ import annotations

import pytest

from community.models import Question
from devtools.management.commands.bench import QUEUE_PATH, Command
from moderation.models import Flag, ReviewItem
from tests.commands import run
from tests.factories import QuestionFactory
from tests.moderation.factories import item_for

pytestmark = pytest.mark.django_db


def test_seed_review_queue_fills_tops_up_and_resets(site):
    run("seed_bulk", questions=40, users=30, answers_per_question=2)
    real = item_for(QuestionFactory(title="A real flagged question"))
    out = run("seed_review_queue", items=25)
    assert "Added 25" in out
    items = ReviewItem.objects.exclude(pk=real.pk)
    assert items.filter(state="open").count() == 25
    assert set(items.values_list("post_kind", flat=True)) == {"question", "answer", "comment"}
    for item in items.prefetch_related("flags"):
        flags = list(item.flags.all())
        assert 1 <= len(flags) == item.flag_count
        assert item.flag_weight == pytest.approx(sum(flag.weight for flag in flags))
        assert all(flag.flagger_id != item.author_id for flag in flags)
        assert item.priority > 0
    # the flagged posts are left as they were
    assert not Question.objects.exclude(status="published").exists()

    assert "nothing to add" in run("seed_review_queue", items=25)
    assert "Added 5" in run("seed_review_queue", items=30)
    assert ReviewItem.objects.filter(state="open").count() == 31

    run("seed_review_queue", items=10, reset=True)
    assert ReviewItem.objects.exclude(pk=real.pk).count() == 10
    assert ReviewItem.objects.filter(pk=real.pk).exists()
    # seed_bulk --reset removes the generated items with the generated posts
    run("seed_bulk", questions=0, users=30, reset=True)
    assert list(ReviewItem.objects.values_list("pk", flat=True)) == [real.pk]
    assert Flag.objects.count() == 0


def test_the_bench_queue_page_signs_in_a_moderator(client, site):
    item_for(QuestionFactory())
    command = Command()
    page = command.queue_page()
    assert page.url == QUEUE_PATH and "1 open items" in page.title
    name, _, value = page.cookie.partition("=")
    client.cookies[name] = value
    response = client.get(QUEUE_PATH)
    assert response.status_code == 200
    assert response.content.decode().count('class="queue-row"') == 1  # TOTP set up: the admin lets them in
