"""Pre-publish rule factories (issue 11, rules). Rows are written with the ORM, as a rule that slipped in
behind the admin form's back would be; the rules' cache version is dropped so the next post sees them."""

from __future__ import annotations

import factory

from moderation.models import Rule
from moderation.rules import engine


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    name = factory.Sequence(lambda n: f"Rule {n:03d}")
    kind = Rule.Kind.KEYWORD
    action = Rule.Action.HOLD
    pattern = "free money"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        rule = super()._create(model_class, *args, **kwargs)
        engine.invalidate()
        return rule
