"""`manage.py bench_rules`: it runs, reports per-post figures, and leaves nothing behind."""

import re

import pytest
from django.contrib.auth import get_user_model

from community.models import Question
from moderation.models import Rule
from tests.commands import run
from tests.moderation.rules_factories import RuleFactory


@pytest.mark.django_db
def test_bench_rules_reports_figures_and_rolls_back():
    kept = RuleFactory(name="A real rule")
    output = run("bench_rules", posts=30)
    assert "50 active rules, 30 posts (EN+JA)" in output
    assert re.search(r"50 rules\s+wall median [\d.]+ ms .* CPU median [\d.]+ ms .* queries/post \d+", output)
    assert re.search(r"added by 50 rules: median -?[\d.]+ ms per post", output)
    assert list(Rule.objects.all()) == [kept]  # its 50 rules were rolled back; the real one is back
    assert not get_user_model().objects.filter(username__startswith="bench-rules").exists()
    assert not Question.objects.exists()


def test_the_benchmark_rules_are_valid_and_realistic():
    from devtools.management.commands.bench_rules import realistic_rules, texts
    from moderation.rules.validation import rule_errors

    rules = realistic_rules()
    assert len(rules) == 50 and len({rule.kind for rule in rules}) == 7
    for rule in rules:
        assert rule_errors(kind=rule.kind, action=rule.action, pattern=rule.pattern, number=rule.number) == {}, rule.name
    samples = texts(100)
    assert len({body for _language, _title, body in samples}) == 100
    assert {language for language, _title, _body in samples} == {"en", "ja"}
