"""Community forms. Field rules come from community.validation, so forms and services agree."""

from __future__ import annotations

from django import forms
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


class TopicChoiceField(ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class QuestionForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX + 50, strip=False,
        help_text=_("Say what went wrong, in one sentence. Example: “Hub light blinks red after the update”."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": TITLE_MAX}),
    )
    body = forms.CharField(
        label=_("Details"), max_length=BODY_MAX + 1000, strip=False,
        help_text=_("What you tried, what you expected and what happened. Markdown works: **bold**, lists, `code`."),
        widget=forms.Textarea(attrs={"rows": 10, "maxlength": BODY_MAX}),
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


class EditQuestionForm(QuestionForm):
    summary = forms.CharField(label=_("Edit summary (optional)"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["language"]


class AnswerForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"), max_length=BODY_MAX + 1000, strip=False,
        help_text=_("Markdown works: **bold**, lists, `code`, [links](https://example.com)."),
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": BODY_MAX}),
    )

    def clean_body(self):
        return _run(clean_body, self.cleaned_data["body"])


class EditAnswerForm(AnswerForm):
    summary = forms.CharField(label=_("Edit summary (optional)"), required=False, max_length=200)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX + 100, strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": COMMENT_MAX}),
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
