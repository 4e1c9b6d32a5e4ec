"""Community forms. Field rules come from community.validation, so forms and services agree."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from knowledge.models import TopicPage
from portal.audit import REASON_MAX
from portal.forms import ModelChoiceField

from .models import BODY_MAX, COMMENT_MAX, TITLE_MAX
from .validation import FieldError, clean_body, clean_comment, clean_title, parse_tags


def _run(rule, value):
    try:
        return rule(value)
    except FieldError as error:
        raise forms.ValidationError(error.message) from None


class LimitedTextField(forms.CharField):
    """A text field whose real limit (`limit`) is checked by the rule in `community.validation`, after new
    lines are normalised: browsers count a new line as one character against `maxlength` (set to the real
    limit) and send it as two (CRLF), so the field itself lets through twice the limit. Beyond that it
    refuses the text at once, with a message that states the real limit (Django's would state the field's)."""

    def __init__(self, *, limit: int, too_long, **kwargs):
        message = lazy(lambda: str(too_long) % {"max": limit}, str)()
        super().__init__(max_length=limit * 2, strip=False, error_messages={"max_length": message}, **kwargs)
        self.widget.attrs["maxlength"] = str(limit)


TITLE_TOO_LONG = _("The title is too long: the limit is %(max)d characters.")
TEXT_TOO_LONG = _("The text is too long: the limit is %(max)d characters.")


class TopicChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class QuestionForm(forms.Form):
    title = LimitedTextField(
        label=_("Title"), limit=TITLE_MAX, too_long=TITLE_TOO_LONG,
        help_text=_("Say what went wrong, in one sentence. Example: “Hub light blinks red after the update”."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = LimitedTextField(
        label=_("Details"), limit=BODY_MAX, too_long=TEXT_TOO_LONG,
        help_text=_("What you tried, what you expected and what happened. Markdown works: **bold**, lists, `code`."),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=300,
        help_text=_("Up to 5, separated by commas or spaces, for example: wifi, hub."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "tag-options"}),
    )
    topic = TopicChoiceField(label=_("Topic"), queryset=TopicPage.objects.none(), required=False, empty_label=_("No topic"))
    language = forms.ChoiceField(label=_("Language of your post"), choices=[("en", "English"), ("ja", "日本語")])

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics if topics is not None else TopicPage.objects.none()

    def clean_title(self):
        return _run(clean_title, self.cleaned_data["title"])

    def clean_body(self):
        return _run(clean_body, self.cleaned_data["body"])

    def clean_tags(self):
        return _run(parse_tags, self.cleaned_data["tags"])

    def full_clean(self):
        super().full_clean()
        for name in ("topic", "language"):  # the selects the template renders whole: their errors named for them
            if self.is_bound and name in self.fields and name in self.errors:
                self.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"{name}-errors"})


class EditQuestionForm(QuestionForm):
    summary = forms.CharField(label=_("Edit summary (optional)"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["language"]


class AnswerForm(forms.Form):
    body = LimitedTextField(
        label=_("Your answer"), limit=BODY_MAX, too_long=TEXT_TOO_LONG,
        help_text=_("Markdown works: **bold**, lists, `code`, [links](https://example.com)."),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def clean_body(self):
        return _run(clean_body, self.cleaned_data["body"])


class EditAnswerForm(AnswerForm):
    summary = forms.CharField(label=_("Edit summary (optional)"), required=False, max_length=200)


class CommentForm(forms.Form):
    body = LimitedTextField(
        label=_("Comment"), limit=COMMENT_MAX, too_long=TEXT_TOO_LONG,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_body(self):
        return _run(clean_comment, self.cleaned_data["body"])


class VoteForm(forms.Form):
    value = forms.TypedChoiceField(choices=[("1", "up"), ("-1", "down"), ("0", "none")], coerce=int)


class ModeratorReasonForm(forms.Form):
    """The optional reason a moderator gives when deleting or restoring someone's post (audit log)."""

    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=REASON_MAX,
        error_messages={"max_length": _(
            "Please keep the reason to %(limit_value)d characters or fewer (it has %(show_value)d)."
        )},
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": REASON_MAX}),
    )
