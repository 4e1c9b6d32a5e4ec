"""The audit log: every staff action is one append-only entry in Wagtail's own log.

Entries are Wagtail ``ModelLogEntry`` rows written through ``wagtail.log_actions``, so they appear in the
admin's Site history report (/admin/reports/site-history/) with its filters (action, user, type, date)
and its CSV/XLSX export, and in ``history(instance)``. No table of our own: Wagtail's has every column we
need (actor, action, target content type + id + label, time) and a JSON ``data`` column for the rest,
which this module fills the same way for every action::

    {"reason": "spam", "before": {"status": "published"}, "after": {"status": "deleted"}}

Action names are ``<area>.<verb>`` (or ``<area>.<object>.<verb>``), lower case, with underscores inside a
word. Areas, present and reserved:

- ``community.*``   staff actions on questions, answers and comments (delete, restore, hide, approve, ...)
- ``tags.*``        tag management beyond Wagtail's own ``wagtail.create`` / ``wagtail.delete``
- ``moderation.*``  flags, review queue, pre-publish rules, sanctions (``moderation.flag.resolve``,
                    ``moderation.sanction.impose``)
- ``cases.*``       support cases (``cases.assign``, ``cases.solve``, ``cases.reopen``)
- ``rewards.*``     reputation and rewards (``rewards.adjust``, ``rewards.redemption.approve``)

An app adds its actions with ``define_action(name, label, message)`` from its ``AppConfig.ready()``;
``record()`` refuses a name that was not defined, so a typo never writes an entry nobody can filter on.

Append-only: the app offers no screen that edits or deletes entries, and ``install_guard()`` (run by
``PortalConfig.ready()``) makes any ``save()`` of an existing entry or any ``delete()`` raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.db.models.signals import pre_delete, pre_save
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext_lazy
from wagtail.log_actions import LogFormatter
from wagtail.log_actions import log as wagtail_log
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

ACTION_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,2}$")
REASON_MAX = 500
VALUE_MAX = 80  # characters of one before/after value shown in a message (the data keeps it whole)

LogEntry = ModelLogEntry


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditFormatter(LogFormatter):
    """The message of an entry: what was done, what changed, and why.

    ``Deleted · status: published → deleted · Reason: spam``
    """

    def format_message(self, log_entry) -> str:
        data = log_entry.data or {}
        parts = [str(self.message)]
        changes = describe_changes(data.get("before"), data.get("after"), action=getattr(log_entry, "action", ""))
        if changes:
            parts.append(changes)
        if data.get("reason"):
            parts.append(gettext("Reason: %(reason)s") % {"reason": reason_text(data["reason"])})
        return " · ".join(parts)

    def format_comment(self, log_entry) -> str:
        return reason_text((log_entry.data or {}).get("reason", ""))


# name: (label in the action filter, message in the history). Labels say what the staff member did. The
# "audit log" context keeps "Deleted", "Edited", ... from overriding Wagtail's own translations of them.
ACTIONS: dict[str, tuple[Any, Any]] = {
    "community.delete": (
        pgettext_lazy("audit log", "Delete post (staff)"), pgettext_lazy("audit log", "Deleted"),
    ),
    "community.restore": (
        pgettext_lazy("audit log", "Restore post"), pgettext_lazy("audit log", "Restored"),
    ),
    "community.hide": (
        pgettext_lazy("audit log", "Hide post"), pgettext_lazy("audit log", "Hidden"),
    ),
    "community.unhide": (
        pgettext_lazy("audit log", "Unhide post"), pgettext_lazy("audit log", "Unhidden"),
    ),
    "community.approve": (
        pgettext_lazy("audit log", "Approve pending post"), pgettext_lazy("audit log", "Approved and published"),
    ),
    "community.accept_on_behalf": (
        pgettext_lazy("audit log", "Accept answer for the asker"), pgettext_lazy("audit log", "Accepted for the asker"),
    ),
    "community.unaccept_on_behalf": (
        pgettext_lazy("audit log", "Unaccept answer for the asker"), pgettext_lazy("audit log", "Unaccepted for the asker"),
    ),
    "community.edit_others": (
        pgettext_lazy("audit log", "Edit someone else's post"), pgettext_lazy("audit log", "Edited someone else's post"),
    ),
    "tags.edit": (
        pgettext_lazy("audit log", "Edit tag"), pgettext_lazy("audit log", "Edited"),
    ),
    "tags.merge": (
        pgettext_lazy("audit log", "Merge tags"), pgettext_lazy("audit log", "Merged"),
    ),
}


def _formatter_class(label, message) -> type[AuditFormatter]:
    return type("AuditActionFormatter", (AuditFormatter,), {"label": label, "message": message})


def define_action(name: str, label, message) -> None:
    """Add an audited action (call from an ``AppConfig.ready()``). ``label`` names the action in the
    report's filter ("Hide post"), ``message`` is the past tense shown per entry ("Hidden")."""
    if not ACTION_NAME.match(name):
        raise ValueError(f"Audit action names are '<area>.<verb>' in lower case, not {name!r}")
    if name in ACTIONS and ACTIONS[name] != (label, message):
        raise ValueError(f"The audit action {name!r} is already defined")
    ACTIONS[name] = (label, message)
    if log_registry.has_scanned_for_actions and not log_registry.action_exists(name):
        log_registry.register_action(name)(_formatter_class(label, message))


def register_log_actions(actions) -> None:
    """The body of the ``register_log_actions`` hook (portal/wagtail_hooks.py)."""
    for name, (label, message) in ACTIONS.items():
        actions.register_action(name)(_formatter_class(label, message))


# --- targets ---------------------------------------------------------------------------------------------

# How an entry names its target in the report (stored with the entry, so it survives renames and
# deletions). Keyed by "app_label.modelname" so this core module imports no app. A model may instead
# define ``audit_label()``; anything else is named by its ``str()``.
TARGET_LABELS: dict[str, Callable[[Any], str]] = {
    "community.question": lambda q: gettext("Question %(id)s: %(title)s") % {"id": q.pk, "title": q.title},
    "community.answer": lambda a: gettext("Answer %(id)s to question %(question)s") % {
        "id": a.pk, "question": a.question_id},
    "community.comment": lambda c: (
        gettext("Comment %(id)s on answer %(answer)s") % {"id": c.pk, "answer": c.answer_id}
        if c.answer_id
        else gettext("Comment %(id)s on question %(question)s") % {"id": c.pk, "question": c.question_id}
    ),
}


def register_target_label(model_label: str, label: Callable[[Any], str]) -> None:
    TARGET_LABELS[model_label.lower()] = label


def target_label(instance: Model) -> str:
    """The name an entry stores for its target, in the site's default language (not the actor's)."""
    with translation.override(settings.LANGUAGE_CODE):
        if hasattr(instance, "audit_label"):
            return str(instance.audit_label())
        describe = TARGET_LABELS.get(instance._meta.label_lower)
        return describe(instance) if describe else str(instance)


# --- how entries read -----------------------------------------------------------------------------------------

# How a before/after value reads in an entry's message, per action prefix ("moderation.sanction.") and key:
# (label, format). Entries store raw values ("silence", ISO dates); they are put in words when shown, in the
# reader's language. A key without a format reads as stored.
CHANGE_FORMATS: dict[str, dict[str, tuple[Any, Callable[[Any], str] | None]]] = {}
# Reasons the system stores as fixed English sentences (marked for translation where they are defined):
# shown in the reader's language. Any other reason is a person's words, shown as written.
SYSTEM_REASONS: set[str] = set()


def register_change_format(prefix: str, key: str, label, value: Callable[[Any], str] | None = None) -> None:
    """Show ``key`` of the before/after data of actions starting with ``prefix`` as ``label``, its values
    through ``value(raw) -> str`` (called in the reader's language; an empty value reads "—"). The prefix ""
    applies to every action (an app's own prefix wins over it)."""
    CHANGE_FORMATS.setdefault(prefix, {})[key] = (label, value)


def choice_words(choices) -> Callable[[Any], str]:
    """A value format for a Django choices class: the stored value ("pending") reads as its label."""
    return lambda value: str(choices(value).label)


def _numbered(value) -> str:
    return f"#{value}"


def _language(value) -> str:
    try:
        return str(translation.get_language_info(value)["name_translated"])
    except KeyError:
        return str(value)


# Keys several areas' entries share, in words for every action ("featured: False → True" read like a
# database dump). Yes/No, lists and empty values are put in words by `_short` whatever the key.
_COMMON_KEYS = {
    "title": (pgettext_lazy("audit log field", "Title"), None),
    "body": (pgettext_lazy("audit log field", "Text"), None),
    "tags": (pgettext_lazy("audit log field", "Tags"), None),
    "topic": (pgettext_lazy("audit log field", "Topic"), _numbered),
    "revision": (pgettext_lazy("audit log field", "Revision"), None),
    "featured": (pgettext_lazy("audit log field", "Featured"), None),
    "pinned": (pgettext_lazy("audit log field", "Pinned"), None),
    "recommended": (pgettext_lazy("audit log field", "Recommended"), None),
    "locked": (pgettext_lazy("audit log field", "Locked"), None),
    "duplicate_of": (pgettext_lazy("audit log field", "Duplicate of question"), _numbered),
    "merged_into": (pgettext_lazy("audit log field", "Merged into question"), _numbered),
    "answers": (pgettext_lazy("audit log field", "Answers"), None),
    "accepted_answer": (pgettext_lazy("audit log field", "Accepted answer"), _numbered),
    "accepted_on_original": (pgettext_lazy("audit log field", "Accepted answer on the original"), _numbered),
    "answer": (pgettext_lazy("audit log field", "Answer"), _numbered),
    "case": (pgettext_lazy("audit log field", "Case"), _numbered),
    "article": (pgettext_lazy("audit log field", "Article page"), _numbered),
    "priority": (pgettext_lazy("audit log field", "Priority"), None),
    "assignee": (pgettext_lazy("audit log field", "Assignee (user)"), _numbered),
    "rank": (pgettext_lazy("audit log field", "Rank"), None),
    "state": (pgettext_lazy("audit log field", "State"), None),
    "name": (pgettext_lazy("audit log field", "Name"), None),
    "slug": (pgettext_lazy("audit log field", "Slug"), None),
    "url": (pgettext_lazy("audit log field", "URL"), None),
    "events": (pgettext_lazy("audit log field", "Events"), None),
    "active": (pgettext_lazy("audit log field", "Active"), None),
    "enabled": (pgettext_lazy("audit log field", "Enabled"), None),
    "language": (pgettext_lazy("audit log field", "Language"), _language),
    "terms": (pgettext_lazy("audit log field", "Terms"), None),
    "reward": (pgettext_lazy("audit log field", "Reward"), _numbered),
    "cost": (pgettext_lazy("audit log field", "Cost (points)"), None),
    "user": (pgettext_lazy("audit log field", "Member (user)"), _numbered),
    "reason": (pgettext_lazy("audit log field", "Reason"), None),
    "lifted": (pgettext_lazy("audit log field", "Lifted from answer"), _numbered),
}
for _key, (_label, _format) in _COMMON_KEYS.items():
    register_change_format("", _key, _label, _format)
del _key, _label, _format


def register_system_reasons(reasons) -> None:
    """Fixed English reasons (msgids) the system writes into entries: shown translated."""
    SYSTEM_REASONS.update(str(reason) for reason in reasons if reason)


def reason_text(reason: str) -> str:
    return gettext(reason) if reason and reason in SYSTEM_REASONS else (reason or "")


def _formats_for(action: str) -> dict[str, tuple[Any, Callable[[Any], str] | None]]:
    found: dict[str, tuple[Any, Callable[[Any], str] | None]] = {}
    for prefix in sorted(CHANGE_FORMATS, key=len):  # the longest prefix wins
        if action.startswith(prefix):
            found.update(CHANGE_FORMATS[prefix])
    return found


# --- writing and reading ------------------------------------------------------------------------------------


def describe_changes(before: Mapping | None, after: Mapping | None, *, action: str = "") -> str:
    """``status: published → deleted; title: Old → New`` for the keys whose values differ; keys and values
    registered for the action (``register_change_format``) read in words."""
    before, after = before or {}, after or {}
    formats = _formats_for(action) if action else {}
    changes = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old != new:
            label, value = formats.get(key, (key, None))
            changes.append(f"{label}: {_short(old, value)} → {_short(new, value)}")
    return "; ".join(changes)


def _short(value, formatter: Callable[[Any], str] | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(part) for part in value)
    if formatter is not None:
        try:
            value = formatter(value)
        except (TypeError, ValueError):  # a value stored before its format changed: as stored
            pass
    return "—" if value in (None, "") else Truncator(str(value)).chars(VALUE_MAX)


def record(
    user,
    action: str,
    instance: Model,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> ModelLogEntry:
    """Append one audit entry: ``user`` did ``action`` to ``instance`` (why: ``reason``), changing
    ``before`` into ``after`` (JSON-serialisable dicts of the fields that matter). Call it inside the
    service's transaction, so the entry exists exactly when the change does."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}: define it with portal.audit.define_action()")
    if instance.pk is None:
        raise ValueError("Only a saved object can be the target of an audit entry")
    data: dict[str, Any] = {"reason": (reason or "").strip()[:REASON_MAX]}
    if before is not None:
        data["before"] = dict(before)
    if after is not None:
        data["after"] = dict(after)
    actor = user if getattr(user, "is_authenticated", False) else None
    entry = wagtail_log(instance, action, user=actor, data=data, title=target_label(instance))
    if entry is None:  # pragma: no cover - Wagtail registers ModelLogEntry for every model
        raise RuntimeError(f"No log entry model for {type(instance).__name__}")
    return entry


def history(instance: Model) -> QuerySet[ModelLogEntry]:
    """Every entry about ``instance`` (audit actions and Wagtail's own), newest first."""
    return log_registry.get_logs_for_instance(instance).select_related("user")


# --- append-only guard ------------------------------------------------------------------------------------------


def _refuse_change(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if sender.objects.filter(pk=instance.pk).exists():
        raise AuditLogIsAppendOnly("Log entries are append-only: they cannot be changed")


def _refuse_delete(sender, instance, **kwargs):
    raise AuditLogIsAppendOnly("Log entries are append-only: they cannot be deleted")


def install_guard() -> None:
    """Refuse saving an existing entry or deleting one (``save()``, ``delete()`` and queryset
    ``delete()``, which sends ``pre_delete`` per row). A raw SQL ``UPDATE`` is outside the app's reach."""
    pre_save.connect(_refuse_change, sender=ModelLogEntry, dispatch_uid="audit-append-only-save")
    pre_delete.connect(_refuse_delete, sender=ModelLogEntry, dispatch_uid="audit-append-only-delete")
