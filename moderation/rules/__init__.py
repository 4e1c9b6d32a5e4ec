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
    register_screen(SCREEN_NAME, screen_draft)
