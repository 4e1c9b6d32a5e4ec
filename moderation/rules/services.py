"""Saving and deleting pre-publish rules: permission → validation → transaction → audit → cache version.

The admin's views call these (they never save a rule themselves). Each change is an audit entry
(`moderation.rule.create` / `.edit` / `.delete`, with the settings before and after), and after commit the
rules' cache version is dropped so every process recompiles the rules on its next post.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portal import audit

from ..errors import ModerationError, PermissionRefused
from ..models import Rule
from . import engine
from .permissions import can_manage_rules
from .validation import rule_errors

AUDITED_FIELDS = ("name", "kind", "action", "pattern", "number", "applies_to", "language", "message", "message_ja", "enabled")


def snapshot(rule: Rule) -> dict[str, Any]:
    return {name: getattr(rule, name) for name in AUDITED_FIELDS}


def validate(rule: Rule) -> None:
    errors = rule_errors(kind=rule.kind, action=rule.action, pattern=rule.pattern, number=rule.number)
    if errors:
        field, message = next(iter(errors.items()))
        raise ModerationError(message, field=field)
    if not rule.name.strip():
        raise ModerationError(_("Give the rule a name (moderators see it on held posts)."), field="name")


def save_rule(actor: Any, rule: Rule) -> Rule:
    """Create (`rule.pk` is None) or update a rule from the admin's form."""
    creating = rule.pk is None
    if not can_manage_rules(actor, "add" if creating else "change"):
        raise PermissionRefused(_("You cannot manage pre-publish rules."))
    validate(rule)
    with transaction.atomic():
        before = None
        if not creating:
            before = snapshot(Rule.objects.select_for_update().get(pk=rule.pk))
        rule.save()
        after = snapshot(rule)
        if before != after:
            audit.record(actor, "moderation.rule.create" if creating else "moderation.rule.edit", rule, before=before, after=after)
        transaction.on_commit(engine.invalidate)
    return rule


def delete_rule(actor: Any, rule: Rule) -> None:
    if not can_manage_rules(actor, "delete"):
        raise PermissionRefused(_("You cannot manage pre-publish rules."))
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        audit.record(actor, "moderation.rule.delete", rule, before=snapshot(rule))
        rule.delete()
        transaction.on_commit(engine.invalidate)

