"""Flags: weights, the auto-hide threshold, one open flag per member, refusals, rate limits, held posts."""

from __future__ import annotations

import pytest
from django.utils import translation

from community import screening, services
from community.models import Question
from community.status import PostStatus
from moderation import flags
from moderation.errors import ModerationError, PermissionRefused
from moderation.flags import flag_post, flag_weight
from moderation.models import Flag, ModerationSettings, ReviewItem
from portal import audit
from tests.factories import AnswerFactory, CommentFactory, MemberFactory, QuestionFactory
from tests.moderation.flags_factories import track_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(monkeypatch):
    """Members named in the returned set are barred from flagging (as a sanction's provider would)."""
    from community import standing

    barred: set[int] = set()
    monkeypatch.setattr(standing, "_restriction_providers", [lambda user: {"flag"} if user.pk in barred else set()])
    return barred


def nothing_written():
    assert Flag.objects.count() == 0
    assert ReviewItem.objects.count() == 0


# --- weight ---------------------------------------------------------------------------------------------------


def test_a_verified_member_with_no_history_weighs_one():
    assert flag_weight(MemberFactory()) == 1.0


def test_accurate_flaggers_weigh_more_inaccurate_ones_less():
    accurate, inaccurate, mixed = MemberFactory.create_batch(3)
    track_record(accurate, upheld=8, dismissed=0)
    track_record(inaccurate, upheld=0, dismissed=8)
    track_record(mixed, upheld=3, dismissed=3)
    assert flag_weight(accurate) == pytest.approx(1.8)  # 2 × 9 / 10
    assert flag_weight(inaccurate) == pytest.approx(0.2)  # 2 × 1 / 10
    assert flag_weight(mixed) == pytest.approx(1.0)


def test_weight_is_clamped_and_only_the_last_20_resolved_flags_count():
    member = MemberFactory()
    track_record(member, upheld=0, dismissed=30)
    assert flag_weight(member) == 0.2  # 2/22 would be 0.09
    veteran = MemberFactory()
    track_record(veteran, upheld=100, dismissed=0)
    assert flag_weight(veteran) <= 2.0
    recovering = MemberFactory()
    track_record(recovering, upheld=0, dismissed=20, days_ago=10)  # older
    track_record(recovering, upheld=20, dismissed=0)  # newer: only these count
    assert flag_weight(recovering) == pytest.approx(2 * 21 / 22, abs=1e-3)


def test_restricted_or_unverified_members_weigh_nothing(restricted):
    member = MemberFactory()
    restricted.add(member.pk)
    assert flag_weight(member) == 0.0
    assert flag_weight(MemberFactory(verified=False)) == 0.0


def test_the_weight_is_fixed_on_the_flag(spam_question):
    accurate = MemberFactory()
    track_record(accurate, upheld=8, dismissed=0)
    flag = flag_post(accurate, spam_question, reason="spam")
    assert flag.weight == pytest.approx(1.8)
    track_record(accurate, upheld=0, dismissed=20)
    flag.refresh_from_db()
    assert flag.weight == pytest.approx(1.8)


# --- the threshold -------------------------------------------------------------------------------------------------


def test_three_good_standing_members_hide_the_post_and_its_author_sees_why(client, spam_question, flaggers, author):
    for member in flaggers[:2]:
        flag_post(member, spam_question, reason="spam")
    spam_question.refresh_from_db()
    assert spam_question.status == PostStatus.PUBLISHED
    item = ReviewItem.objects.get()
    assert (item.flag_count, item.flag_weight, item.top_reason, item.flagged) == (2, 2.0, "spam", True)

    flag_post(flaggers[2], spam_question, reason="spam")
    spam_question.refresh_from_db()
    assert spam_question.status == PostStatus.HIDDEN
    assert spam_question.status_reason == "Hidden until a moderator reviews it: members reported it as spam."
    item.refresh_from_db()
    assert (item.flag_count, item.flag_weight) == (3, 3.0)
    # the post's history: the system hid it (no actor), with the reason
    entry = audit.history(spam_question).get(action="community.hide")
    assert entry.user is None and entry.data["reason"] == spam_question.status_reason

    client.force_login(author)
    html = client.get(spam_question.get_absolute_url()).content.decode()
    assert "members reported it as spam." in html
    with translation.override("ja"):
        japanese = translation.gettext(spam_question.status_reason)
    assert japanese != spam_question.status_reason
    html = client.get("/ja" + spam_question.get_absolute_url()).content.decode()
    assert japanese in html
    client.force_login(flaggers[0])  # members no longer see it
    assert client.get(spam_question.get_absolute_url()).status_code == 404


def test_mixed_reasons_name_the_heaviest_and_others(spam_question, flaggers):
    flag_post(flaggers[0], spam_question, reason="rude")
    flag_post(flaggers[1], spam_question, reason="spam")
    flag_post(flaggers[2], spam_question, reason="spam")
    spam_question.refresh_from_db()
    assert spam_question.status_reason == flags.HIDE_REASONS_AND_OTHERS["spam"]
    assert ReviewItem.objects.get().top_reason == "spam"


def test_two_accurate_flaggers_are_enough_and_the_threshold_is_a_setting(spam_question):
    accurate = MemberFactory.create_batch(2)
    for member in accurate:
        track_record(member, upheld=8, dismissed=0)
    flag_post(accurate[0], spam_question, reason="spam")
    spam_question.refresh_from_db()
    assert spam_question.status == PostStatus.PUBLISHED
    flag_post(accurate[1], spam_question, reason="spam")
    spam_question.refresh_from_db()
    assert spam_question.status == PostStatus.HIDDEN

    settings = ModerationSettings.load()
    settings.flag_hide_threshold = 10
    settings.save()
    answer = AnswerFactory(question=QuestionFactory())
    for member in MemberFactory.create_batch(4):
        flag_post(member, answer, reason="rude")
    answer.refresh_from_db()
    assert answer.status == PostStatus.PUBLISHED


def test_inaccurate_flaggers_do_not_hide_a_post_alone(spam_question):
    for member in MemberFactory.create_batch(5):
        track_record(member, upheld=0, dismissed=8)
        flag_post(member, spam_question, reason="spam")
    spam_question.refresh_from_db()
    assert spam_question.status == PostStatus.PUBLISHED
    assert ReviewItem.objects.get(state="open").flag_weight == pytest.approx(1.0)


def test_answers_and_comments_are_flagged_into_their_own_items(flaggers):
    question = QuestionFactory()
    answer = AnswerFactory(question=question)
    comment = CommentFactory(question=question)
    flag_post(flaggers[0], answer, reason="outdated")
    flag_post(flaggers[0], comment, reason="rude")
    flag_post(flaggers[1], comment, reason="other", details="Personal data of someone")
    items = {item.post_kind: item for item in ReviewItem.objects.all()}
    assert items["answer"].post_id == answer.pk and items["answer"].question_id == question.pk
    assert items["comment"].flag_count == 2 and items["comment"].top_reason in ("rude", "other")
    assert Flag.objects.get(reason="other").details == "Personal data of someone"


# --- one open flag per member ------------------------------------------------------------------------------------------


def test_one_open_flag_per_member_per_post(spam_question, flaggers):
    flag_post(flaggers[0], spam_question, reason="spam")
    with pytest.raises(ModerationError, match="You have already flagged this post"):
        flag_post(flaggers[0], spam_question, reason="rude")
    assert Flag.objects.count() == 1
    assert ReviewItem.objects.get().flag_count == 1


def test_the_database_refuses_a_second_open_flag_when_the_check_is_raced(spam_question, flaggers, monkeypatch):
    flag_post(flaggers[0], spam_question, reason="spam")
    real_filter = Flag.objects.filter

    real_manager = Flag.objects

    class Raced:  # the pre-check sees nothing, as when two submits pass it together
        def __getattr__(self, name):
            return getattr(real_manager, name)

        def filter(self, *args, **kwargs):
            query = real_filter(*args, **kwargs)
            return query.none() if kwargs.get("flagger") == flaggers[0] else query

    monkeypatch.setattr(Flag, "objects", Raced(), raising=False)
    with pytest.raises(ModerationError, match="You have already flagged this post"):
        flag_post(flaggers[0], spam_question, reason="spam")
    monkeypatch.undo()
    assert Flag.objects.count() == 1
    assert ReviewItem.objects.get().flag_count == 1


# --- refusals: nothing written ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reason", "details", "duplicate_of", "field", "message"),
    [
        ("bogus", "", None, "reason", "Please choose one of the reasons"),
        ("", "", None, "reason", "Please choose one of the reasons"),
        ("other", "", None, "details", "what is wrong"),
        ("other", "   ", None, "details", "what is wrong"),
        ("other", "x" * 501, None, "details", "under 500 characters"),
        ("duplicate", "", None, "duplicate_of", "Please give the link"),
        ("duplicate", "", "not a link", "duplicate_of", "could not find that question"),
        ("duplicate", "", "999999", "duplicate_of", "could not find that question"),
        ("duplicate", "", "/community/tags/hub/", "duplicate_of", "could not find that question"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(spam_question, flaggers, reason, details, duplicate_of, field, message):
    with pytest.raises(ModerationError, match=message) as refused:
        flag_post(flaggers[0], spam_question, reason=reason, details=details, duplicate_of=duplicate_of)
    assert refused.value.field == field
    nothing_written()


def test_duplicate_of_itself_or_of_a_deleted_question_is_refused(spam_question, flaggers, moderator):
    with pytest.raises(ModerationError, match="duplicate of itself"):
        flag_post(flaggers[0], spam_question, reason="duplicate", duplicate_of=spam_question.get_absolute_url())
    gone = QuestionFactory()
    services.delete_post(moderator, gone)
    with pytest.raises(ModerationError, match="could not find"):
        flag_post(flaggers[0], spam_question, reason="duplicate", duplicate_of=str(gone.pk))
    nothing_written()


def test_duplicate_only_applies_to_questions(flaggers):
    answer = AnswerFactory()
    original = QuestionFactory()
    with pytest.raises(ModerationError, match="reasons offered") as refused:
        flag_post(flaggers[0], answer, reason="duplicate", duplicate_of=original.pk)
    assert refused.value.field == "reason"
    nothing_written()


@pytest.mark.parametrize("link", [
    "{pk}", "#{pk}", "/community/q/{pk}/slug/", "/ja/community/q/{pk}/何か/", "https://help.example.com/community/q/{pk}",
    "http://localhost:8000/ja/community/q/{pk}/slug/?sort=votes#answers",
])
def test_duplicate_accepts_a_number_or_a_question_link(spam_question, flaggers, link):
    original = QuestionFactory()
    flag = flag_post(flaggers[0], spam_question, reason="duplicate", duplicate_of=link.format(pk=original.pk))
    assert flag.duplicate_of_id == original.pk


def test_flagging_your_own_post_is_refused(spam_question, author):
    with pytest.raises(PermissionRefused, match="your own post"):
        flag_post(author, spam_question, reason="spam")
    nothing_written()


@pytest.mark.parametrize(("change", "message"), [
    (services.delete_post, "deleted or is not public"),
    (services.hide_post, "deleted or is not public"),  # members cannot see a hidden post
])
def test_flagging_a_deleted_or_hidden_post_is_refused(spam_question, flaggers, moderator, change, message):
    change(moderator, spam_question, reason="x")
    spam_question.refresh_from_db()
    with pytest.raises(PermissionRefused, match=message):
        flag_post(flaggers[0], spam_question, reason="spam")
    nothing_written()


def test_an_answer_in_a_deleted_thread_is_refused(flaggers, moderator):
    answer = AnswerFactory()
    services.delete_post(moderator, answer.question)
    answer.refresh_from_db()
    answer.question.refresh_from_db()
    with pytest.raises(PermissionRefused):
        flag_post(flaggers[0], answer, reason="spam")
    nothing_written()


def test_unverified_restricted_and_anonymous_members_may_not_flag(spam_question, restricted):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionRefused, match="verify your email address"):
        flag_post(MemberFactory(verified=False), spam_question, reason="spam")
    barred = MemberFactory()
    restricted.add(barred.pk)
    with pytest.raises(PermissionRefused, match="may not flag posts"):
        flag_post(barred, spam_question, reason="spam")
    with pytest.raises(PermissionRefused, match="sign in"):
        flag_post(AnonymousUser(), spam_question, reason="spam")
    nothing_written()


# --- rate limits --------------------------------------------------------------------------------------------------------


def test_a_burst_of_flags_is_limited(one_ratelimit_window):
    member = MemberFactory()
    posts = QuestionFactory.create_batch(flags.BURST[0] + 1)
    for post in posts[:-1]:
        flag_post(member, post, reason="spam")
    with pytest.raises(ModerationError, match="too fast") as refused:
        flag_post(member, posts[-1], reason="spam")
    assert refused.value.status == 429 and refused.value.retry_after > 0
    assert Flag.objects.filter(post_id=posts[-1].pk).count() == 0


def test_flags_per_day_is_the_setting(one_ratelimit_window, monkeypatch):
    monkeypatch.setattr(flags, "BURST", (100, 60))
    settings = ModerationSettings.load()
    settings.flags_per_day = 2
    settings.save()
    member = MemberFactory()
    posts = QuestionFactory.create_batch(3)
    flag_post(member, posts[0], reason="spam")
    flag_post(member, posts[1], reason="spam")
    with pytest.raises(ModerationError, match="try again in about") as refused:
        flag_post(member, posts[2], reason="spam")
    assert refused.value.retry_after > 0
    assert Flag.objects.count() == 2


def test_flags_per_address_are_limited(one_ratelimit_window, monkeypatch):
    monkeypatch.setattr(flags, "PER_IP", (2, 3600))
    posts = QuestionFactory.create_batch(3)
    for post in posts[:2]:
        flag_post(flags.Actor(MemberFactory(), "203.0.113.9"), post, reason="spam")
    with pytest.raises(ModerationError):
        flag_post(flags.Actor(MemberFactory(), "203.0.113.9"), posts[2], reason="spam")
    flag_post(flags.Actor(MemberFactory(), "203.0.113.10"), posts[2], reason="spam")


def test_refused_input_does_not_use_up_the_limit(one_ratelimit_window, spam_question):
    member = MemberFactory()
    for _ in range(flags.BURST[0] + 2):
        with pytest.raises(ModerationError):
            flag_post(member, spam_question, reason="bogus")
    flag_post(member, spam_question, reason="spam")


# --- held posts ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def holding_screen():
    screening.register_screen("test-hold", lambda draft: screening.Verdict("hold", "We check new posts.", ("new account", "links")))
    yield
    screening.unregister_screen("test-hold")


def test_a_held_post_opens_a_review_item(holding_screen, author):
    question = services.ask_question(author, title="My hub is offline since Monday", body="It shows a red light.")
    assert question.status == PostStatus.PENDING
    item = ReviewItem.objects.get()
    assert (item.post_kind, item.post_id, item.held, item.flagged) == ("question", question.pk, True, False)
    assert item.hold_reasons == "new account, links" and item.top_reason == "held"
    assert item.author_id == author.pk and item.question_id == question.pk and item.language == "en"


def test_a_held_answer_and_a_published_post_open_nothing_else(holding_screen, author):
    screening.unregister_screen("test-hold")
    question = services.ask_question(author, title="My hub is offline since Monday", body="It shows a red light.")
    assert ReviewItem.objects.count() == 0
    screening.register_screen("test-hold", lambda draft: screening.Verdict("hold", "Held.", ("links",)))
    answer = services.post_answer(MemberFactory(), question, body="Try another power adapter first.")
    item = ReviewItem.objects.get()
    assert (item.post_kind, item.post_id, item.question_id, item.held) == ("answer", answer.pk, question.pk, True)


def test_the_flag_of_a_question_can_be_read_back_by_its_ref(spam_question, flaggers):
    flag = flag_post(flaggers[0], spam_question, reason="spam")
    assert str(flag.ref) == f"question:{spam_question.pk}"
    assert Question.objects.get(pk=flag.ref.id) == spam_question


# --- the flag page -------------------------------------------------------------------------------------------------

FLAG_PAGE_BUDGET = 12


def flag_url(post, lang=""):
    return f"{lang}/community/moderation/flag/{post.kind}/{post.pk}/"


def test_flag_page_shows_the_post_and_an_accessible_form(client, spam_question, flaggers, django_assert_max_num_queries):
    from django.core.cache import cache

    client.force_login(flaggers[0])
    client.get(flag_url(spam_question))  # warm-up: per-process caches
    cache.clear()
    with django_assert_max_num_queries(FLAG_PAGE_BUDGET):
        response = client.get(flag_url(spam_question))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Flag this question</h1>" in html and "Visit the shop for cheap watches" in html
    assert "<legend>What is wrong with it?</legend>" in html
    assert html.count('type="radio" name="reason"') == 6  # no "Outdated": that one is for answers
    assert 'name="duplicate_of"' in html and 'name="details"' in html and "csrfmiddlewaretoken" in html
    for radio_id in ("id_reason_0", "id_details", "id_duplicate_of"):
        assert f'for="{radio_id}"' in html


def test_flag_page_of_an_answer_and_a_comment_offers_their_reasons(client, flaggers):
    answer = AnswerFactory()
    comment = CommentFactory(answer=answer)
    client.force_login(flaggers[0])
    html = client.get(flag_url(answer)).content.decode()
    assert "<h1>Flag this answer</h1>" in html and 'value="outdated"' in html
    assert 'value="duplicate"' not in html and 'name="duplicate_of"' not in html
    html = client.get(flag_url(comment)).content.decode()
    assert "<h1>Flag this comment</h1>" in html and 'value="outdated"' not in html


def test_flagging_from_the_page_goes_back_with_a_message(client, flaggers):
    answer = AnswerFactory()
    client.force_login(flaggers[0])
    response = client.post(flag_url(answer), {"reason": "spam", "details": ""})
    assert response.status_code == 302
    assert response["Location"] == f"{answer.question.get_absolute_url()}#answer-{answer.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Thanks — moderators will review it; we&#x27;ll tell you the outcome." in page
    assert Flag.objects.get().flagger == flaggers[0]


def test_refused_input_is_shown_again_with_the_message(client, spam_question, flaggers):
    client.force_login(flaggers[0])
    response = client.post(flag_url(spam_question), {"reason": "other", "details": "  ", "duplicate_of": "kept text"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Please tell the moderators what is wrong, in a few words." in html
    assert 'value="other" id="id_reason_5" aria-describedby="id_reason_5-help" checked' in html
    assert 'aria-invalid="true"' in html
    response = client.post(flag_url(spam_question), {"reason": "duplicate", "duplicate_of": "/community/q/999999/x/"})
    html = response.content.decode()
    assert response.status_code == 400 and "could not find that question" in html
    assert 'value="/community/q/999999/x/"' in html
    nothing_written()


def test_the_flag_page_needs_a_signed_in_member_and_a_csrf_token(client, spam_question, flaggers):
    from django.test import Client

    response = client.get(flag_url(spam_question))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(flaggers[0])
    assert strict.post(flag_url(spam_question), {"reason": "spam"}).status_code == 403
    nothing_written()


def test_the_page_explains_why_a_member_may_not_flag(client, spam_question, author):
    client.force_login(author)
    html = client.get(flag_url(spam_question)).content.decode()
    assert "You cannot flag your own post" in html and 'name="reason"' not in html
    response = client.post(flag_url(spam_question), {"reason": "spam"})
    assert response.status_code == 403 and "You cannot flag your own post" in response.content.decode()
    nothing_written()


def test_a_deleted_post_has_no_flag_page_and_unknown_kinds_are_not_found(client, spam_question, flaggers, moderator):
    client.force_login(flaggers[0])
    assert client.get(f"/community/moderation/flag/tag/{spam_question.pk}/").status_code == 404
    services.delete_post(moderator, spam_question)
    assert client.get(flag_url(spam_question)).status_code == 404


def test_the_flag_page_in_japanese(client, spam_question, flaggers):
    client.force_login(flaggers[0])
    html = client.get(flag_url(spam_question, "/ja")).content.decode()
    assert "この質問を報告" in html and "どのような問題がありますか？" in html


def test_rate_limited_flagging_answers_429_with_retry_after(client, one_ratelimit_window, monkeypatch):
    monkeypatch.setattr(flags, "BURST", (1, 60))
    member = MemberFactory()
    first, second = QuestionFactory.create_batch(2)
    client.force_login(member)
    assert client.post(flag_url(first), {"reason": "spam"}).status_code == 302
    response = client.post(flag_url(second), {"reason": "spam"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "too fast" in response.content.decode()


# --- the flag link on the question page ---------------------------------------------------------------------------


def test_members_see_a_flag_link_on_others_posts_only(client, flaggers):
    question = QuestionFactory()
    answer = AnswerFactory(question=question)
    CommentFactory(question=question, author=flaggers[0])
    CommentFactory(answer=answer)
    client.force_login(flaggers[1])
    html = client.get(question.get_absolute_url()).content.decode()
    assert '<span class="visually-hidden">Flag this question</span>' in html
    assert f'href="/community/moderation/flag/answer/{answer.pk}/"' in html
    assert html.count("Flag this comment") == 2
    client.force_login(flaggers[0])  # wrote one comment: no flag link on it
    html = client.get(question.get_absolute_url()).content.decode()
    assert html.count("Flag this comment") == 1
    client.force_login(question.author)
    html = client.get(question.get_absolute_url()).content.decode()
    assert "Flag this question" not in html and "Flag this answer" in html
    client.logout()
    assert "Flag this" not in client.get(question.get_absolute_url()).content.decode()


def test_flag_page_and_flag_links_are_valid_html(client, spam_question, flaggers, tmp_path):
    from tests.portal.test_valid_html import format_messages, run_vnu

    answer = AnswerFactory(question=spam_question)
    CommentFactory(answer=answer)
    client.force_login(flaggers[0])
    pages = {
        "flag.html": client.get(flag_url(spam_question)).content.decode(),
        "question.html": client.get(spam_question.get_absolute_url()).content.decode(),
        "flag-error-ja.html": client.post(flag_url(spam_question, "/ja"), {"reason": "other"}).content.decode(),
    }
    assert "Flag this comment" in pages["question.html"]
    for name, html in pages.items():
        (tmp_path / name).write_text(html, encoding="utf-8")
    errors = run_vnu([tmp_path / name for name in pages])
    assert not errors, format_messages(errors)
