"""The rule form of the Wagtail admin, and "Try on sample text" (nothing is saved when trying)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from community.screening import Draft

from ..models import Rule
from . import engine
from .validation import rule_errors

RULE_FIELDS = ["name", "kind", "action", "pattern", "number", "applies_to", "language", "message", "message_ja", "enabled"]
MEMBER_KINDS = {Rule.Kind.LINK_LIMIT, Rule.Kind.FIRST_POSTS, Rule.Kind.ACCOUNT_AGE, Rule.Kind.SPAM_SCORE}


class RuleForm(WagtailAdminModelForm):
    sample_text = forms.CharField(
        label=gettext_lazy("Sample text"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Not saved. Paste a post here and choose “Try on sample text” to see what this rule would do."),
    )

    class Meta:
        model = Rule
        fields = RULE_FIELDS
        widgets = {"pattern": forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocapitalize": "off"})}
        help_texts = {
            "pattern": gettext_lazy(
                "Keywords: one per line (matched in titles and bodies, ignoring case and full-width/half-width; "
                "English words match whole words, Japanese anywhere). Regular expression: Python syntax, case-"
                "insensitive. Blocked domains: one per line; subdomains are blocked too."
            ),
            "message": gettext_lazy("Shown to the author when the rule rejects or holds a post. Empty: a standard message."),
        }

    def clean(self):
        data = super().clean()
        errors = rule_errors(
            kind=data.get("kind") or "", action=data.get("action") or "", pattern=data.get("pattern") or "",
            number=data.get("number"),
        )
        for name, message in errors.items():
            if name not in self.errors:
                self.add_error(name, message)
        return data


@dataclass
class TryResult:
    outcome: str  # "reject", "hold", "pass", "invalid" (fix the rule first) or "empty" (no sample text)
    title: str
    message: str = ""  # what the author would be told
    reasons: list[str] = field(default_factory=list)  # what moderators would see
    notes: list[str] = field(default_factory=list)


def try_rule(form: RuleForm) -> TryResult:
    """What the rule in `form` (saved or not; the form's values, not the database's) would do to the
    sample text, posted by a brand-new member. Writes nothing."""
    valid = form.is_valid()
    sample = (form.cleaned_data.get("sample_text") or "") if hasattr(form, "cleaned_data") else ""
    rule_field_errors = [name for name in form.errors if name != "sample_text"]
    if not valid and rule_field_errors:
        return TryResult("invalid", _("Fix the errors in the rule first: it cannot be tried as it is."))
    if not sample.strip():
        return TryResult("empty", _("Enter a sample text to try the rule on."))
    rule: Rule = form.instance  # the form's values applied in memory, not saved
    compiled = engine.compile_rule(rule)
    kind = rule.applies_to if rule.applies_to != Rule.AppliesTo.ALL else "question"
    language = rule.language or (translation.get_language() or "en").split("-")[0]
    subject = engine.Subject(
        Draft(kind, None, sample, language=language), engine.Hypothetical(),
        blocked=engine.active_rules().blocked | compiled.domains,
    )
    verdict, hits = engine.evaluate([compiled], subject)
    notes = []
    if rule.kind in MEMBER_KINDS:
        notes.append(_("Tried as if a brand-new member (account created just now, no posts yet) posted the text."))
    if rule.kind == Rule.Kind.REGEX:
        notes.append(_("The regular expression passed the test against slow texts."))
    if rule.kind in (Rule.Kind.LINK_LIMIT, Rule.Kind.SPAM_SCORE, Rule.Kind.BLOCKED_DOMAIN):
        notes.append(_("Links found: %(count)s.") % {"count": subject.links.count})
    if rule.kind == Rule.Kind.SPAM_SCORE:
        score, signals = subject.spam
        notes.append(_("Spam score: %(score)s (%(signals)s).") % {"score": score, "signals": ", ".join(signals) or "—"})
    if not rule.enabled:
        notes.append(_("This rule is disabled: it does nothing until it is enabled."))
    if verdict is None:
        return TryResult("pass", _("This text would pass: the rule does not stop it."), notes=notes)
    title = _("This text would be rejected.") if verdict.rejected else _("This text would be held for review.")
    return TryResult(verdict.action, title, message=verdict.message, reasons=[h.detail for h in hits], notes=notes)
