"""Pre-publish rules (issue 11): keyword, regular-expression, link-limit, first-posts, account-age,
blocked-domain and spam-score rules that reject or hold a post before it is written.

- `engine`: compiled rules (cached per process, keyed by a version), the facts about a post, the verdict;
- `text`: normalisation (NFKC, casefold), links and their hosts;
- `screen`: the `prepublish_rules` screen registered with `community.screening`;
- `validation`: what makes a rule valid (also: refusing catastrophic regular expressions);
- `services`: saving and deleting rules (permission, audit, cache version);
- `admin`: Moderation → Pre-publish rules in the Wagtail admin, with "Try on sample text".
"""


def register() -> None:
    """The rules' audit actions and their screen (called once from `moderation.registration.register`)."""
    from django.utils.translation import pgettext_lazy

    from community.screening import register_screen
    from portal import audit

    from .screen import SCREEN_NAME, screen_draft

    audit.define_action("moderation.rule.create", pgettext_lazy("audit log", "Create pre-publish rule"),
                        pgettext_lazy("audit log", "Pre-publish rule created"))
    audit.define_action("moderation.rule.edit", pgettext_lazy("audit log", "Edit pre-publish rule"),
                        pgettext_lazy("audit log", "Pre-publish rule edited"))
    audit.define_action("moderation.rule.delete", pgettext_lazy("audit log", "Delete pre-publish rule"),
                        pgettext_lazy("audit log", "Pre-publish rule deleted"))
    from ..models import Rule

    for key, label, choices in (
        ("kind", pgettext_lazy("audit log field", "Type"), Rule.Kind),
        ("action", pgettext_lazy("audit log field", "Action"), Rule.Action),
        ("applies_to", pgettext_lazy("audit log field", "Applies to"), Rule.AppliesTo),
    ):
        audit.register_change_format("moderation.rule.", key, label, audit.choice_words(choices))
    audit.register_change_format("moderation.rule.", "pattern", pgettext_lazy("audit log field", "Pattern"))
    audit.register_change_format("moderation.rule.", "number", pgettext_lazy("audit log field", "Number"))
    audit.register_change_format("moderation.rule.", "message", pgettext_lazy("audit log field", "Message (English)"))
    audit.register_change_format("moderation.rule.", "message_ja", pgettext_lazy("audit log field", "Message (Japanese)"))
    register_screen(SCREEN_NAME, screen_draft)
