"""The base form of the help-center pages' editor in the Wagtail admin."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminPageForm


class HelpPageForm(WagtailAdminPageForm):
    """Counts a field as changed only when the submitted value differs from the stored one.

    Django gives every model field with a callable default (``last_reviewed``: today) a hidden
    ``initial-<name>`` input and compares the submission with *that* (``show_hidden_initial``). Wagtail's
    panels never render it, so such a field always counted as changed: every Approve or Reject from the
    page editor saved a new revision, and with ``WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT`` the approval
    task restarted instead of publishing. Compared with the page's own value, an untouched form is
    unchanged, and an edit still restarts the review as it should.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.show_hidden_initial = False
