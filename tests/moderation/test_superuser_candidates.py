"""Superuser candidates and the /admin/superusers/ screen: ranking over the last 90 days (overall and per
topic), what is left out, the flag record and sanctions, who may open and act, the grant and revoke forms,
Japanese, and query budgets that do not grow with the number of candidates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from community.models import Answer, Question, Vote
from community.rewards.models import SuperuserNomination
from community.rewards.superusers import grant_superuser
from community.status import PostStatus
from moderation.superusers import query
from portal.models import Profile, Rank
from portal.roles import CONTENT_EDITORS, SUPPORT_AGENTS
from tests.factories import (
    AnswerFactory,
    MemberFactory,
    QuestionFactory,
    VoteFactory,
    make_site,
    make_topic,
    with_two_factor,
)
from tests.moderation.factories import FlagFactory, SanctionFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/superusers/"
PAGE_BUDGET = 28  # session, user, permission checks, the admin shell and menus, 7 for the candidates, topics, superusers (23 today)


@pytest.fixture
def topics(db):
    site = make_site()
    return {
        "billing": make_topic(site["en"], "Billing", "billing", tags=("billing",)),
        "devices": make_topic(site["en"], "Devices", "devices", tags=("devices",)),
    }


def answered(author, *, topic=None, after=timedelta(hours=1), asked_days_ago=1, accepted=False, upvotes=0, **fields):
    """A question asked `asked_days_ago` days ago in `topic`, answered by `author` `after` it was asked."""
    asked = timezone.now() - timedelta(days=asked_days_ago)
    question = QuestionFactory(topic=topic, created_at=asked, last_activity_at=asked)
    answer = AnswerFactory(question=question, author=author, created_at=asked + after, **fields)
    if accepted:
        Question.objects.filter(pk=question.pk).update(accepted_answer=answer)
    for _ in range(upvotes):
        VoteFactory(answer=answer, value=1)
    return answer


def names(rows) -> list[str]:
    return [row.user.get_username() for row in rows]


# --- ranking ----------------------------------------------------------------------------------------------------


def test_ranked_by_accepted_then_upvotes_then_median_time(topics):
    billing = topics["billing"]
    alice, bob, carol, dave = (MemberFactory(username=n) for n in ("alice", "bob", "carol", "dave"))
    answered(alice, topic=billing, accepted=True)
    answered(alice, topic=billing, accepted=True)  # 2 accepted
    answered(bob, topic=billing, accepted=True, upvotes=3, after=timedelta(hours=5))  # 1 accepted, 3 up, 5 h
    answered(carol, topic=billing, accepted=True, upvotes=2, after=timedelta(hours=1))  # 1 accepted, 3 up, 2 h
    answered(carol, topic=billing, upvotes=1, after=timedelta(hours=3))
    answered(dave, topic=billing, upvotes=9)  # no accepted answer: after everyone with one
    rows = query.candidates()
    assert names(rows) == ["alice", "carol", "bob", "dave"]
    by_name = {row.user.get_username(): row for row in rows}
    assert (by_name["carol"].accepted, by_name["carol"].upvotes, by_name["carol"].answered) == (1, 3, 2)
    assert by_name["carol"].median_time == timedelta(hours=2)
    assert by_name["bob"].median_time == timedelta(hours=5)
    assert by_name["dave"].upvotes == 9 and by_name["dave"].accepted == 0
    assert by_name["carol"].median_text == "2 hours"


def test_the_median_breaks_a_tie_and_members_who_never_answered_come_last(topics):
    slow, fast, asker = MemberFactory(username="slow"), MemberFactory(username="fast"), MemberFactory(username="asker")
    answered(slow, after=timedelta(days=2))
    answered(fast, after=timedelta(minutes=10))
    question = QuestionFactory(author=asker)
    VoteFactory(question=question, answer=None, value=1)  # upvotes on a question count for its author
    rows = query.candidates()
    assert names(rows) == ["asker", "fast", "slow"]
    assert rows[0].upvotes == 1 and rows[0].median_time is None and rows[0].answered == 0


def test_only_the_last_90_days_count(topics):
    old, recent = MemberFactory(username="old"), MemberFactory(username="recent")
    answered(old, accepted=True, asked_days_ago=120)  # answered 120 days ago: outside the window
    stale = answered(old, asked_days_ago=200, after=timedelta(days=150))  # answered 50 days ago: counts
    vote = VoteFactory(answer=stale, value=1)
    Vote.objects.filter(pk=vote.pk).update(updated_at=timezone.now() - timedelta(days=91))  # an old upvote
    answered(recent, asked_days_ago=89)
    rows = {row.user.get_username(): row for row in query.candidates()}
    assert rows["old"].accepted == 0 and rows["old"].upvotes == 0 and rows["old"].answered == 1
    assert rows["recent"].answered == 1


def test_what_is_left_out(topics, moderator):
    member = MemberFactory(username="member")
    answered(member, accepted=True)
    staff = MemberFactory(username="staff", is_staff=True)
    answered(staff, accepted=True, upvotes=5)
    support = MemberFactory(username="support")
    answered(support, accepted=True, is_support_reply=True)
    deleted = MemberFactory(username="deleted")
    answer = answered(deleted, accepted=True, upvotes=4)
    Answer.objects.filter(pk=answer.pk).update(status=PostStatus.DELETED)
    inactive = MemberFactory(username="inactive", is_active=False)
    answered(inactive, accepted=True)
    already = MemberFactory(username="already")
    answered(already, accepted=True)
    grant_superuser(moderator, already, "Helpful")
    hidden_question = MemberFactory(username="hiddenq")
    on_hidden = answered(hidden_question, accepted=True)
    Question.objects.filter(pk=on_hidden.question_id).update(status=PostStatus.HIDDEN)
    assert names(query.candidates()) == ["member"]


def test_per_topic(topics):
    alice, eve = MemberFactory(username="alice"), MemberFactory(username="eve")
    answered(alice, topic=topics["billing"], accepted=True)
    answered(alice, topic=topics["billing"], accepted=True)
    answered(eve, topic=topics["devices"], accepted=True, upvotes=2)
    answered(alice, topic=topics["devices"], upvotes=1)
    assert names(query.candidates()) == ["alice", "eve"]
    devices = query.candidates(topic=topics["devices"])
    assert names(devices) == ["eve", "alice"]
    assert devices[1].accepted == 0 and devices[1].upvotes == 1
    assert names(query.candidates(topic=topics["billing"].pk)) == ["alice"]


def test_flag_record_and_sanctions(topics):
    alice = MemberFactory(username="alice")
    answered(alice, accepted=True)
    FlagFactory(flagger=alice, state="upheld", resolved_at=timezone.now())
    FlagFactory(flagger=alice, state="upheld", resolved_at=timezone.now())
    FlagFactory(flagger=alice, state="dismissed", resolved_at=timezone.now())
    FlagFactory(flagger=alice)
    warn = SanctionFactory(member=alice, kind="warn", starts_at=timezone.now() - timedelta(days=30))
    silence = SanctionFactory(member=alice, kind="silence")
    [row] = query.candidates()
    assert (row.flags_raised, row.flags_upheld) == (4, 2)
    assert row.sanctions == [silence, warn]
    assert row.active_sanctions == [silence]


def test_the_limit_and_a_fixed_number_of_queries(topics, django_assert_num_queries):
    members = MemberFactory.create_batch(12)
    for i, member in enumerate(members):
        answered(member, accepted=i % 2 == 0, upvotes=i % 3, topic=topics["billing"])
        FlagFactory(flagger=member)
        SanctionFactory(member=member, kind="warn")
    with django_assert_num_queries(7):
        rows = query.candidates(limit=5)
    assert len(rows) == 5
    with django_assert_num_queries(7):
        query.candidates(topic=topics["billing"])
    with django_assert_num_queries(4):  # nobody: the three aggregates and the response times only
        assert query.candidates(topic=topics["devices"]) == []


def test_duration_text():
    assert query.duration_text(None) == ""
    assert query.duration_text(30) == "1 minute"
    assert query.duration_text(3 * 3600 + 5 * 60) == "3 hours 5 minutes"
    assert query.duration_text(2 * 86400 + 4 * 3600 + 59) == "2 days 4 hours"


# --- the admin screen: who may open it --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("who", ["member", "agent", "editor"])
def test_staff_and_members_who_are_not_moderators_are_refused(client, who):
    user = {
        "member": lambda: MemberFactory(),
        "agent": lambda: with_two_factor(MemberFactory(groups=[SUPPORT_AGENTS])),
        "editor": lambda: with_two_factor(MemberFactory(groups=[CONTENT_EDITORS])),
    }[who]()
    target = MemberFactory()
    client.force_login(user)
    assert client.get(PAGE).status_code in (302, 403)
    if who != "member":  # staff who reach the admin do not see the menu entry
        assert "/admin/superusers/" not in client.get("/admin/").content.decode()
    response = client.post(f"{PAGE}{target.pk}/grant/", {"reason": "Helpful"})
    assert response.status_code in (302, 403)
    assert not SuperuserNomination.objects.exists()
    assert Profile.objects.get(user=target).rank == Rank.NEWCOMER


def test_moderators_and_admins_may_open_it(client, mod_client, topics):
    assert mod_client.get(PAGE).status_code == 200
    admin = with_two_factor(MemberFactory(is_superuser=True, is_staff=True))
    client.force_login(admin)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "/admin/superusers/" in client.get("/admin/").content.decode()  # the menu (JSON in the sidebar)


def test_the_page_lists_candidates_and_superusers(mod_client, moderator, topics):
    alice, bob = MemberFactory(username="alice"), MemberFactory(username="bob")
    answered(alice, topic=topics["billing"], accepted=True)
    answered(bob, topic=topics["devices"], accepted=True)
    SanctionFactory(member=bob, kind="suspend")
    star = MemberFactory(username="star")
    grant_superuser(moderator, star, "Fifty accepted answers")
    html = mod_client.get(PAGE).content.decode()
    assert html.count('class="candidate-row"') == 2
    assert f'href="/admin/superusers/{alice.pk}/grant/"' in html
    assert f'href="/admin/superusers/{bob.pk}/grant/"' not in html  # suspended: no grant button
    assert "Cannot be granted while a measure is in force" in html
    assert 'class="superuser-row"' in html and "Fifty accepted answers" in html
    assert f'href="/admin/superusers/{star.pk}/revoke/"' in html
    filtered = mod_client.get(PAGE, {"topic": topics["billing"].pk}).content.decode()
    assert filtered.count('class="candidate-row"') == 1 and "Topic: Billing" in filtered
    bad = mod_client.get(PAGE, {"topic": "nonsense"})
    assert bad.status_code == 200 and bad.content.decode().count('class="candidate-row"') == 2


# --- the forms --------------------------------------------------------------------------------------------------


def test_grant_and_revoke_through_the_forms(mod_client, moderator):
    member = MemberFactory(username="helper")
    form = mod_client.get(f"{PAGE}{member.pk}/grant/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in form and '<label class="w-field__label" for="id_reason">' in form
    response = mod_client.post(f"{PAGE}{member.pk}/grant/", {"reason": "Always kind and right"})
    assert response.status_code == 302 and response["Location"] == PAGE
    assert Profile.objects.get(user=member).rank == Rank.SUPERUSER
    again = mod_client.post(f"{PAGE}{member.pk}/grant/", {"reason": "Twice"})
    assert again.status_code == 400 and "already a Superuser" in again.content.decode()
    assert SuperuserNomination.objects.filter(user=member).count() == 1
    response = mod_client.post(f"{PAGE}{member.pk}/revoke/", {"reason": "Stepped down"})
    assert response.status_code == 302
    assert Profile.objects.get(user=member).rank == Rank.NEWCOMER
    assert list(ModelLogEntry.objects.filter(action__startswith="rewards.superuser").values_list("action", flat=True)
                .order_by("pk")) == ["rewards.superuser.grant", "rewards.superuser.revoke"]


def test_refusals_on_the_form_write_nothing(mod_client):
    member = MemberFactory(username="helper")
    empty = mod_client.post(f"{PAGE}{member.pk}/grant/", {"reason": "   "})
    assert empty.status_code == 400 and 'aria-invalid="true"' in empty.content.decode()
    nul = mod_client.post(f"{PAGE}{member.pk}/grant/", {"reason": "Always\x00 kind"})
    assert nul.status_code == 400 and "Null characters are not allowed." in nul.content.decode()  # the reason kept
    SanctionFactory(member=member, kind="ban")
    banned = mod_client.post(f"{PAGE}{member.pk}/grant/", {"reason": "Helpful"})
    assert banned.status_code == 400 and "lift the measure" in banned.content.decode()
    not_one = mod_client.post(f"{PAGE}{member.pk}/revoke/", {"reason": "Why"})
    assert not_one.status_code == 400 and "is not a Superuser" in not_one.content.decode()
    assert mod_client.get(f"{PAGE}999999/grant/").status_code == 404
    assert not SuperuserNomination.objects.exists()
    assert not ModelLogEntry.objects.filter(action__startswith="rewards.superuser").exists()


def test_the_screen_speaks_japanese(mod_client, moderator, topics):
    answered(MemberFactory(username="alice"), accepted=True)
    profile = UserProfile.get_for_user(moderator)
    profile.preferred_language = "ja"
    profile.save()
    html = mod_client.get(PAGE).content.decode()
    assert "候補者" in html and "現在のスーパーユーザー" in html and "回答までの時間（中央値）" in html
    member = MemberFactory()
    form = mod_client.post(f"{PAGE}{member.pk}/revoke/", {"reason": "x"}).content.decode()
    assert "スーパーユーザーではありません" in form


# --- query budget -----------------------------------------------------------------------------------------------


def test_the_page_has_a_query_budget_independent_of_candidates(mod_client, moderator, topics):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert mod_client.get(PAGE).status_code == 200
        return len(ctx)

    first = MemberFactory()
    answered(first, accepted=True)
    grant_superuser(moderator, MemberFactory(), "One")
    few = count()
    for member in MemberFactory.create_batch(15):
        answered(member, accepted=True, upvotes=1, topic=topics["billing"])
        FlagFactory(flagger=member)
        SanctionFactory(member=member, kind="warn")
    for member in MemberFactory.create_batch(5):
        grant_superuser(moderator, member, "More")
    assert count() == few
    assert few <= PAGE_BUDGET


def test_anonymous_user_cannot_manage():
    from community.rewards.superusers import can_manage_superusers

    assert not can_manage_superusers(AnonymousUser())


# --- valid HTML -------------------------------------------------------------------------------------------------


def test_the_pages_are_valid_html(mod_client, moderator, topics, tmp_path):
    """What these pages add to the admin (the main region) passes the W3C Nu HTML checker."""
    import re

    from tests.portal.test_valid_html import format_messages, run_vnu

    alice, bob = MemberFactory(username="alice"), MemberFactory(username="bob")
    answered(alice, accepted=True, upvotes=1)
    answered(bob, accepted=True)
    SanctionFactory(member=bob, kind="ban")
    FlagFactory(flagger=alice, state="upheld", resolved_at=timezone.now())
    star = MemberFactory(username="star")
    grant_superuser(moderator, star, "Fifty accepted answers")
    pages = {
        "index": mod_client.get(PAGE, {"topic": topics["billing"].pk}),
        "index_all": mod_client.get(PAGE),
        "grant": mod_client.get(f"{PAGE}{alice.pk}/grant/"),
        "refused": mod_client.post(f"{PAGE}{bob.pk}/grant/", {"reason": ""}),
        "banned": mod_client.post(f"{PAGE}{bob.pk}/grant/", {"reason": "Helpful"}),
        "revoke": mod_client.get(f"{PAGE}{star.pk}/revoke/"),
    }
    for name, response in pages.items():
        assert response.status_code in (200, 400), name
        html = response.content.decode()
        fragment = html[html.index("<main"):html.index("</main>")] + "</main>"
        unopened = fragment.count("</div>") - len(re.findall(r"<div[\s>]", fragment))
        fragment = "<div>" * max(unopened, 0) + fragment
        document = f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{name}</title></head><body>{fragment}</body></html>'
        (tmp_path / f"{name}.html").write_text(document, "utf-8")
    errors = run_vnu([tmp_path / f"{name}.html" for name in pages])
    assert not errors, "\n" + format_messages(errors)
