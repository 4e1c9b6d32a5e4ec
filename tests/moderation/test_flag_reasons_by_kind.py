"""Each flag reason is offered only for the kinds of post it applies to ("Outdated" for answers,
"Duplicate" for questions), and a reason posted for the wrong kind is refused with a clear message."""

from __future__ import annotations

import pytest
from django.utils import translation

from moderation import flags
from moderation.errors import ModerationError
from moderation.models import Flag, FlagReason, ReviewItem
from tests.factories import AnswerFactory, CommentFactory

pytestmark = pytest.mark.django_db


def flag_url(post, lang=""):
    return f"{lang}/community/moderation/flag/{post.kind}/{post.pk}/"


def offered(html: str) -> set[str]:
    import re

    return set(re.findall(r'type="radio" name="reason" value="([a-z_]+)"', html))


def test_the_reasons_per_kind():
    assert FlagReason.OUTDATED not in flags.REASONS_BY_KIND["question"]
    assert FlagReason.OUTDATED in flags.REASONS_BY_KIND["answer"]
    assert FlagReason.OUTDATED not in flags.REASONS_BY_KIND["comment"]
    assert FlagReason.DUPLICATE in flags.REASONS_BY_KIND["question"]
    assert FlagReason.DUPLICATE not in flags.REASONS_BY_KIND["answer"]
    assert FlagReason.DUPLICATE not in flags.REASONS_BY_KIND["comment"]
    for kind, reasons in flags.REASONS_BY_KIND.items():  # every kind keeps the catch-alls
        assert {FlagReason.SPAM, FlagReason.RUDE, FlagReason.OTHER} <= set(reasons), kind


def test_the_question_form_does_not_offer_outdated(client, spam_question, flaggers):
    client.force_login(flaggers[0])
    html = client.get(flag_url(spam_question)).content.decode()
    assert "outdated" not in offered(html) and "Outdated: this answer no longer works" not in html
    assert "duplicate" in offered(html)
    answer_html = client.get(flag_url(AnswerFactory())).content.decode()
    assert "outdated" in offered(answer_html) and "duplicate" not in offered(answer_html)
    comment_html = client.get(flag_url(CommentFactory())).content.decode()
    assert offered(comment_html) == {"spam", "rude", "off_topic", "needs_staff", "other"}


@pytest.mark.parametrize(("kind", "reason", "words"), [
    ("question", "outdated", "“Outdated” applies to answers only."),
    ("answer", "duplicate", "“Duplicate” applies to questions only."),
    ("comment", "outdated", "“Outdated” applies to answers only."),
    ("comment", "duplicate", "“Duplicate” applies to questions only."),
])
def test_a_reason_for_another_kind_is_refused_clearly(spam_question, flaggers, kind, reason, words):
    post = {"question": lambda: spam_question, "answer": AnswerFactory, "comment": CommentFactory}[kind]()
    with pytest.raises(ModerationError) as refused:
        flags.flag_post(flaggers[0], post, reason=reason, duplicate_of="1")
    assert refused.value.field == "reason"
    assert words in refused.value.message and "Please choose one of the reasons offered" in refused.value.message
    assert not Flag.objects.exists() and not ReviewItem.objects.exists()


def test_an_unknown_reason_keeps_the_general_message(spam_question, flaggers):
    with pytest.raises(ModerationError) as refused:
        flags.flag_post(flaggers[0], spam_question, reason="nonsense")
    assert refused.value.message == "Please choose one of the reasons offered for this post."


def test_the_refusal_is_translated(spam_question, flaggers):
    with translation.override("ja"), pytest.raises(ModerationError) as refused:
        flags.flag_post(flaggers[0], spam_question, reason="outdated")
    assert "回答" in refused.value.message and "Outdated" not in refused.value.message


def test_posting_outdated_on_a_question_shows_the_form_again_with_the_message(client, spam_question, flaggers):
    client.force_login(flaggers[0])
    response = client.post(flag_url(spam_question), {"reason": "outdated", "details": "Old firmware"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "“Outdated” applies to answers only." in html
    assert 'id="reason-errors"' in html and "Old firmware" in html
    assert "outdated" not in offered(html)
    assert not Flag.objects.exists()


def test_outdated_still_flags_an_answer(client, flaggers):
    answer = AnswerFactory()
    client.force_login(flaggers[0])
    response = client.post(flag_url(answer), {"reason": "outdated"})
    assert response.status_code == 302
    assert Flag.objects.get().reason == FlagReason.OUTDATED
