"""Pre-publish rules (issue 11): each rule type through the real posting services, bounded regular
expressions, the rules' cache, and the screen's query budget."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from community import services
from community.models import Answer, Comment, PostRevision, Question
from community.screening import Draft
from community.services import CommunityError
from moderation.models import ModerationSettings, Rule
from moderation.rules import engine
from moderation.rules.screen import screen_draft
from portal.roles import MODERATORS
from tests.factories import MemberFactory, QuestionFactory, with_two_factor
from tests.moderation.rules_factories import RuleFactory

pytestmark = pytest.mark.django_db

TITLE = "How do I change the plan on my account"


def ask(member, body="I would like to change my plan to the yearly one.", title=TITLE, **kwargs):
    return services.ask_question(member, title=title, body=body, **kwargs)


def established(**kwargs):
    """A member for a month with three published questions: not a "new member"."""
    member = MemberFactory(date_joined=timezone.now() - timedelta(days=30), **kwargs)
    for _ in range(3):
        QuestionFactory(author=member)
    return member


@pytest.fixture
def member():
    return MemberFactory()


@pytest.fixture
def moderator():
    user = with_two_factor(MemberFactory())
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


# --- keywords -----------------------------------------------------------------------------------------------


def test_a_keyword_rule_rejects_with_its_message_and_writes_nothing(member):
    RuleFactory(pattern="free money\ncasino bonus", action="reject", message="No gambling adverts, please.")
    with pytest.raises(CommunityError) as refused:
        ask(member, body="Get FREE   Money at our casino today!")
    assert refused.value.message == "No gambling adverts, please."
    assert refused.value.field == "body"
    assert not Question.objects.exists()
    assert not PostRevision.objects.exists()


def test_a_rejected_answer_or_comment_writes_nothing(member):
    question = ask(established())
    RuleFactory(pattern="casino bonus", action="reject")
    with pytest.raises(CommunityError):
        services.post_answer(member, question, body="Try the casino bonus, it pays for the plan.")
    with pytest.raises(CommunityError):
        services.post_comment(member, question, body="casino bonus!")
    assert not Answer.objects.exists() and not Comment.objects.exists()
    question.refresh_from_db()
    assert question.answer_count == 0 and question.comment_count == 0


def test_the_reject_message_is_in_the_authors_language(member):
    RuleFactory(pattern="casino", action="reject", message="No casinos.", message_ja="カジノの宣伝は禁止です。")
    with translation.override("ja"), pytest.raises(CommunityError) as refused:
        ask(member, body="Play at the casino today and win a plan upgrade.")
    assert refused.value.message == "カジノの宣伝は禁止です。"
    with pytest.raises(CommunityError) as refused:
        ask(member, body="Play at the casino today and win a plan upgrade.")
    assert refused.value.message == "No casinos."


def test_without_a_message_the_author_gets_a_translated_standard_one(member):
    RuleFactory(pattern="casino", action="reject")
    with translation.override("ja"), pytest.raises(CommunityError) as refused:
        ask(member, body="Play at the casino today and win a plan upgrade.")
    assert refused.value.message == "投稿に、ここでは使用できない言葉が含まれています。表現を変えてください。"


def test_a_held_post_is_pending_with_its_reason_seen_by_its_author_only(client, site, member):
    RuleFactory(name="Cancellation talk", pattern="cancel my contract", action="hold", message="A moderator will check your post soon.")
    question = ask(member, body="How can I cancel my contract before the year ends?")
    assert question.status == "pending"
    assert question.status_reason == "A moderator will check your post soon."
    client.force_login(member)
    own = client.get(question.get_absolute_url())
    assert own.status_code == 200
    assert "This question is waiting for review: only its author and moderators can see it." in own.content.decode()
    client.force_login(MemberFactory())
    assert client.get(question.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(question.get_absolute_url()).status_code == 404


def test_the_hold_reaches_the_review_queue_through_the_creation_event(member):
    from community.events import QuestionAsked
    from portal.events import recorded

    RuleFactory(name="Cancellation talk", pattern="cancel my contract")
    with recorded() as published:
        ask(member, body="How can I cancel my contract before the year ends?")
    [event] = [e for e in published if isinstance(e, QuestionAsked)]
    assert event.held_by == ("Cancellation talk (keyword “cancel my contract”)",)
    assert event.hold_message == "Your post will appear once a moderator has looked at it."


def test_japanese_keywords_match_inside_a_sentence_without_spaces(member):
    RuleFactory(name="解約", pattern="解約", action="hold")
    held = ask(member, title="プランについて質問があります", body="今すぐ解約したいのですが方法を教えてください", language="ja")
    assert held.status == "pending"
    fine = ask(member, title="プランについて質問があります", body="プランを年額に変更したいのですが方法を教えてください", language="ja")
    assert fine.status == "published"


def test_keywords_ignore_case_width_and_invisible_characters(member):
    RuleFactory(pattern="ＦＲＥＥ ＭＯＮＥＹ\nカジノ", action="reject")  # full-width in the rule
    for body in ("free money for everyone who asks", "Ｆｒｅｅ　Ｍｏｎｅｙ here", "fr\u200bee money", "ｶｼﾞﾉで遊ぼう"):  # half-width katakana
        with pytest.raises(CommunityError):
            ask(member, body=body)


@pytest.mark.parametrize(("body", "held"), [
    ("What class of plan am I on?", False),
    ("The assistant told me to pass the test.", False),
    ("Don't be an ass about it.", True),
    ("ASS!", True),
    ("ass-kicking support", True),
])
def test_ascii_keywords_match_whole_words_only(member, body, held):
    RuleFactory(pattern="ass")
    question = ask(member, body=body + " (plan question)")
    assert (question.status == "pending") is held


def test_keywords_match_the_title_too(member):
    RuleFactory(pattern="casino", action="reject")
    with pytest.raises(CommunityError):
        ask(member, title="Casino bonus for the plan", body="Nothing special in the body text.")


# --- regular expressions ------------------------------------------------------------------------------------


def test_a_regex_rule_rejects_and_holds(member):
    RuleFactory(kind="regex", pattern=r"\b\d{4}[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b", action="hold", name="Card number")
    question = ask(member, body="My card 4111 1111 1111 1111 was charged twice.")
    assert question.status == "pending"
    RuleFactory(kind="regex", pattern=r"bit\.ly/\w+", action="reject")
    with pytest.raises(CommunityError):
        ask(member, body="See BIT.LY/abc for the answer to the plan question.")


def test_a_pathological_regex_that_slipped_in_is_bounded_and_holds_the_post(member, caplog):
    RuleFactory(kind="regex", pattern=r"(a+)+$", action="reject", name="Evil")  # ORM: bypasses the form
    body = "a" * 5000 + "!"
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="moderation.rules.engine"):
        question = ask(member, body=body)
    assert time.perf_counter() - started < 1.5  # bounded (20 ms per rule, 100 ms per post, plus posting)
    assert question.status == "pending"  # held: neither dropped nor published unchecked
    assert "timed out" in caplog.text


def test_many_slow_regexes_share_one_time_budget(member):
    for i in range(20):
        RuleFactory(kind="regex", pattern=rf"^(a+)+{i}$", name=f"Evil {i:02d}")
    started = time.perf_counter()
    verdict = screen_draft(Draft("question", member, "a" * 5000 + "!"))
    assert time.perf_counter() - started < 1.0  # 20 × 20 ms would be 400 ms at least; the budget is 100 ms
    assert verdict.action == "hold" and len(verdict.reasons) == 20


def test_a_stored_regex_that_does_not_compile_holds_posts(member):
    RuleFactory(kind="regex", pattern="(unclosed", action="reject")
    assert ask(member).status == "pending"


# --- links and domains --------------------------------------------------------------------------------------

LINKS = (
    "Compare [plans](https://plans.example/a) and <https://plans.example/b>, "
    "also https://plans.example/c and www.plans.example/d."
)


def test_the_link_limit_holds_new_members_only(member):
    RuleFactory(kind="link_limit", number=3, name="Links from new members")
    assert ask(member, body=LINKS).status == "pending"  # four links, a brand-new member
    assert ask(member, body="Compare [plans](https://plans.example/a) and https://plans.example/c").status == "published"
    assert ask(established(), body=LINKS).status == "published"


def test_a_young_account_is_new_whatever_its_posts_and_so_is_an_old_one_without_posts():
    RuleFactory(kind="link_limit", number=1, action="reject")
    young = MemberFactory(date_joined=timezone.now() - timedelta(days=2))
    for _ in range(5):
        QuestionFactory(author=young)
    silent = MemberFactory(date_joined=timezone.now() - timedelta(days=300))
    for user in (young, silent):
        with pytest.raises(CommunityError):
            ask(user, body=LINKS)


def test_a_url_used_as_a_link_text_counts_once(member):
    RuleFactory(kind="link_limit", number=1)
    assert ask(member, body="See [https://plans.example/a](https://plans.example/a) for details.").status == "published"


def test_blocked_domains_cover_subdomains_case_www_and_punycode(member):
    RuleFactory(kind="blocked_domain", pattern="spam.example\nwww.Bücher.example\nhttps://tracker.example/path", action="reject")
    with pytest.raises(CommunityError) as refused:
        ask(member, body="Buy at https://SHOP.Spam.Example./deal today")
    assert refused.value.message == "Links to spam.example are not allowed here."
    assert not Question.objects.exists()
    for body in (
        "Go to www.spam.example now",
        "Write to sales@spam.example for the plan",
        "Books: https://xn--bcher-kva.example/plan",
        "Books: https://BÜCHER.example/plan",
        "Books: <https://ｂüｃｈｅｒ.example/plan>",  # full-width letters
        "Track it [here](//t.tracker.example/x)",
        "Plain text mention: spam.example is cheaper.",
    ):
        verdict = screen_draft(Draft("question", member, body, title=TITLE))
        assert verdict is not None and verdict.rejected, body
    for body in ("https://notspam.example/ and https://spam.example.org/ are fine", "spam-example.com, example.spam"):
        assert screen_draft(Draft("question", member, body, title=TITLE)) is None, body


# --- who posts ----------------------------------------------------------------------------------------------


def test_first_posts_are_held_whatever_their_kind(member):
    RuleFactory(kind="first_posts", number=2, name="First posts")
    question = ask(member)
    assert question.status == "pending"
    other = ask(established())
    answer = services.post_answer(member, other, body="Open Settings, then Plan, then choose Yearly.")
    assert answer.status == "pending"
    comment = services.post_comment(member, other, body="This worked for me too, thank you!")
    assert comment.status == "published"  # two posts so far (held ones count)


def test_account_age_holds_young_accounts_until_they_are_old_enough():
    RuleFactory(kind="account_age", number=24, name="Young accounts")
    with time_machine.travel(timezone.now(), tick=False):
        member = MemberFactory()
        assert ask(member).status == "pending"
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        assert ask(member, body="Another question about the plan, a day later.").status == "published"


def test_account_age_can_reject_with_a_message(member):
    RuleFactory(kind="account_age", number=2, action="reject")
    with pytest.raises(CommunityError) as refused:
        ask(member)
    assert "2 hours" in refused.value.message


def test_moderators_are_never_screened(moderator):
    RuleFactory(pattern="casino", action="reject")
    RuleFactory(kind="account_age", number=1000)
    question = ask(moderator, body="Casino adverts will be removed, this is a warning.")
    assert question.status == "published"


# --- spam score ---------------------------------------------------------------------------------------------

SPAM = "Best deals on plans!!! https://a.example https://b.example https://c.example https://d.example"


def test_the_spam_score_holds_and_lists_its_signals():
    RuleFactory(kind="spam_score", name="Spam score", number=None, action="hold")
    ask(MemberFactory(), body=SPAM)  # someone posted it first (also held: new account, links)
    question = ask(MemberFactory(), body=SPAM)
    assert question.status == "pending"
    verdict = screen_draft(Draft("question", MemberFactory(), SPAM, title=TITLE))
    assert verdict.action == "hold"
    text = verdict.reasons[0]
    assert "Spam score" in text and "4 links" in text and "same text as another member's post" in text
    assert "account younger than a day" in text


def test_the_spam_score_never_rejects_even_if_set_to(member):
    RuleFactory(kind="spam_score", number=10, action="reject")  # ORM: the form refuses reject for spam scores
    question = ask(member, body=SPAM)
    assert question.status == "pending"
    assert Question.objects.filter(pk=question.pk).exists()


def test_the_spam_score_uses_the_settings_threshold_when_the_rule_has_none():
    RuleFactory(kind="spam_score", number=None)
    settings = ModerationSettings.load()
    settings.spam_hold_score = 100
    settings.save()
    engine.invalidate()  # a settings change applies within engine.VERSION_TTL seconds; here at once
    assert ask(MemberFactory(), body=SPAM).status == "published"
    settings.spam_hold_score = 30
    settings.save()
    assert ask(MemberFactory(), body=SPAM + " again").status == "published"  # the cached threshold
    engine.invalidate()
    assert ask(MemberFactory(), body=SPAM + " once more").status == "pending"


def test_an_established_members_ordinary_post_scores_low():
    RuleFactory(kind="spam_score", number=40)
    question = ask(established(), body="My hub shows a red light after the update. See https://help.example/hub")
    assert question.status == "published"


def test_shouting_and_blocked_domains_raise_the_score(member):
    RuleFactory(kind="blocked_domain", pattern="spam.example", action="hold", language="ja")  # not for English posts
    RuleFactory(kind="spam_score", number=70)
    subject = engine.Subject(Draft("question", member, "BUY NOW AT HTTPS://SPAM.EXAMPLE BEST PRICES EVER!!!"),
                             engine.Member(member), blocked=engine.active_rules().blocked)
    score, signals = engine.spam_score(subject, extra_blocked=subject.blocked)
    assert score >= 70
    assert any("blocked domain" in s for s in signals) and any("capital letters" in s for s in signals)


# --- scope and switches -------------------------------------------------------------------------------------


def test_disabled_rules_other_languages_and_other_post_types_do_not_apply(member):
    RuleFactory(pattern="casino", action="reject", enabled=False)
    RuleFactory(pattern="casino", action="reject", language="ja")
    RuleFactory(pattern="casino", action="reject", applies_to="answer")
    question = ask(member, body="Is the casino plan included?")
    assert question.status == "published"
    with pytest.raises(CommunityError):
        services.post_answer(member, question, body="The casino plan is included.")
    assert services.post_comment(member, question, body="casino plan, same question").status == "published"
    with pytest.raises(CommunityError):
        ask(member, title="カジノについての質問です", body="カジノ casino のプランはありますか", language="ja")


def test_an_authors_edit_passes_the_rules_that_reject(member):
    question = ask(member)
    RuleFactory(pattern="casino", action="reject")
    with pytest.raises(CommunityError):
        services.edit_question(member, question, title=TITLE, body="Now with a casino link.")


def test_reject_beats_hold_and_every_rule_that_fired_is_listed(member):
    RuleFactory(name="A hold", pattern="plan")
    RuleFactory(name="B reject", pattern="casino", action="reject", message="No casinos.")
    verdict = screen_draft(Draft("question", member, "casino plan", title=TITLE))
    assert verdict.action == "reject" and verdict.message == "No casinos."
    assert [r.split(" (")[0] for r in verdict.reasons] == ["A hold", "B reject"]


# --- the rules' cache ---------------------------------------------------------------------------------------


def test_rules_are_compiled_once_per_version(member, django_capture_on_commit_callbacks):
    from moderation.rules import services as rule_services

    admin = MemberFactory(is_superuser=True)
    rule = RuleFactory(pattern="casino", action="reject")
    first = engine.active_rules()
    assert engine.active_rules() is first  # same version: the process's copy
    rule.pattern = "poker"
    with django_capture_on_commit_callbacks(execute=True):
        rule_services.save_rule(admin, rule)
    assert engine.active_rules() is not first
    assert ask(member, body="Is the casino plan included?").status == "published"
    with pytest.raises(CommunityError):
        ask(member, body="Is the poker plan included?")


def test_a_change_behind_the_services_back_is_seen_once_the_version_expires(member):
    rule = RuleFactory(pattern="casino", action="reject")
    engine.active_rules()
    Rule.objects.filter(pk=rule.pk).update(enabled=False, updated_at=timezone.now() + timedelta(seconds=1))
    with pytest.raises(CommunityError):  # cached version: the process still has the rule
        ask(member, body="Is the casino plan included?")
    engine.invalidate()  # what the TTL does after VERSION_TTL seconds
    assert ask(member, body="Is the casino plan included?").status == "published"


# --- speed --------------------------------------------------------------------------------------------------


def make_rules(n: int) -> None:
    kinds = ["keyword", "regex", "blocked_domain", "link_limit", "first_posts", "account_age", "spam_score"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        pattern = {"keyword": f"word{i}\n解約{i}", "regex": rf"\bcode{i}\d+", "blocked_domain": f"spam{i}.example"}.get(kind, "")
        number = {"link_limit": 5, "first_posts": 1, "account_age": 1, "spam_score": 90}.get(kind)
        RuleFactory(kind=kind, pattern=pattern, number=number, name=f"Rule {i:03d}")


def screen_queries(member, *, warm: bool) -> int:
    draft = Draft("question", member, "My hub shows a red light, see https://help.example/hub", title=TITLE)
    if warm:
        screen_draft(draft)
    member = type(member).objects.get(pk=member.pk)  # a fresh user: no standing cached from before
    draft = Draft("question", member, draft.body, title=draft.title)
    with CaptureQueriesContext(connection) as queries:
        screen_draft(draft)
    return len(queries)


def test_the_screen_costs_a_constant_number_of_queries(django_assert_max_num_queries):
    member = established()
    make_rules(7)
    few_cold, few_warm = screen_queries(member, warm=False), screen_queries(member, warm=True)
    make_rules(50)
    many_cold, many_warm = screen_queries(member, warm=False), screen_queries(member, warm=True)
    assert many_cold == few_cold and many_warm == few_warm
    body = "A plain question with https://help.example, nothing more to it."
    engine.invalidate()
    author = type(member).objects.get(pk=member.pk)  # fresh, as in a request
    with django_assert_max_num_queries(3):  # rules version and rules (a miss); the author's facts and same text
        screen_draft(Draft("question", author, body, title=TITLE))
    author = type(member).objects.get(pk=member.pk)
    with django_assert_max_num_queries(1):  # the rules from the process's copy: the facts only
        assert screen_draft(Draft("question", author, body, title=TITLE)) is None
    author = type(member).objects.get(pk=member.pk)
    with django_assert_max_num_queries(2):  # a rule fires: is the author a moderator?
        assert screen_draft(Draft("question", author, body + " word0", title=TITLE)).action == "hold"


def test_without_rules_the_screen_costs_one_query_then_none(member):
    draft = Draft("question", member, "Anything at all", title=TITLE)
    with CaptureQueriesContext(connection) as cold:
        assert screen_draft(draft) is None
    with CaptureQueriesContext(connection) as warm:
        assert screen_draft(draft) is None
    assert len(cold) == 2 and len(warm) == 0  # version, rules; then the cache


def test_fifty_rules_screen_a_post_in_well_under_five_milliseconds():
    """A sanity check (the figure is measured by `manage.py bench_rules`): the text work of 50 rules."""
    member = established()
    make_rules(50)
    draft = Draft("question", member, "My hub shows a red light after the update. 今すぐ解約したい。" * 20, title=TITLE)
    screen_draft(draft)  # compile, standing
    subject = engine.Subject(draft, engine.Member(member))
    rules = engine.active_rules().rules
    started = time.perf_counter()
    for _ in range(20):
        subject = engine.Subject(draft, engine.Member(member), keywords=engine.active_rules().keywords)
        subject.member.__dict__["age"] = timedelta(days=30)
        subject.__dict__["facts"] = engine.Facts(posts=1, published=3)  # the text work only
        engine.evaluate(rules, subject)
    assert (time.perf_counter() - started) / 20 < 0.005
