"""Privileges by reputation: each threshold under each preset, the superuser rights, and the permission matrix
through the real services (refusals with their message, nothing written)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from community import permissions, services
from community.models import CloseVote, Comment, PostRevision, Question, Vote
from community.rewards import ledger
from community.rewards.models import PRESETS, PRIVILEGES, EventKind, Preset, RewardsSettings
from community.standing import privilege_thresholds
from moderation.flags import flag_weight
from portal.models import Profile, Rank
from portal.refs import PostRef
from tests.factories import MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_privileges")]

User = get_user_model()


def member(reputation=0, rank=None, **kwargs):
    user = MemberFactory(**kwargs)
    fields = {"reputation": reputation}
    if rank:
        fields["rank"] = rank
    Profile.objects.filter(user=user).update(**fields)
    return fresh(user)


def fresh(user):
    """A new user object: the standing (and its privileges) is cached per object, as per request."""
    return User.objects.select_related("profile").get(pk=user.pk)


def use_preset(preset, **custom):
    conf = RewardsSettings.load()
    conf.preset = preset
    for name, value in custom.items():
        setattr(conf, f"{name}_threshold", value)
    conf.save()
    return conf


def ask(user, **kwargs):
    return services.ask_question(user, title="Hub light blinks red after the update",
                                 body="It blinks red since the update.", tags=kwargs.pop("tags", ""), **kwargs)


@pytest.fixture
def asker():
    return member(0)


@pytest.fixture
def question(asker):
    return ask(asker)


@pytest.fixture
def answer(question):
    return services.post_answer(member(0), question, body="Hold the reset button for ten seconds.")


# --- thresholds and presets ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", [Preset.NEW, Preset.GROWING, Preset.LARGE])
def test_each_preset_sets_every_threshold_and_each_privilege_starts_exactly_there(preset):
    use_preset(preset)
    assert privilege_thresholds() == {name: PRESETS[preset][name] for name in PRIVILEGES}
    for name in PRIVILEGES:
        needed = PRESETS[preset][name]
        below, at = member(needed - 1), member(needed)
        assert not permissions.has_privilege(below, name), (preset, name)
        assert permissions.has_privilege(at, name), (preset, name)
        assert permissions.missing_reputation(below, name) == (needed, needed - 1)
        assert permissions.missing_reputation(at, name) is None


def test_custom_thresholds_are_kept_and_apply_at_once():
    use_preset(Preset.CUSTOM, upvote=7, downvote=3)
    assert privilege_thresholds()["upvote"] == 7 and privilege_thresholds()["downvote"] == 3
    assert not permissions.has_privilege(member(6), "upvote")
    assert permissions.has_privilege(member(7), "upvote")
    use_preset(Preset.GROWING)  # the cached thresholds are dropped on save
    assert privilege_thresholds()["upvote"] == PRESETS[Preset.GROWING]["upvote"]


def test_a_preset_overrides_hand_set_values_and_clean_explains_how_to_keep_them():
    conf = use_preset(Preset.NEW)
    conf.retag_threshold = 9
    with pytest.raises(ValidationError) as error:
        conf.full_clean()
    assert "retag_threshold" in error.value.message_dict
    assert "Custom thresholds" in error.value.message_dict["retag_threshold"][0]
    conf.preset = Preset.LARGE  # choosing another preset: no error, every threshold set on save
    conf.full_clean()
    conf.save()
    conf.refresh_from_db()
    assert conf.thresholds() == PRESETS[Preset.LARGE]


def test_reputation_from_the_ledger_unlocks_upvoting(question):
    use_preset(Preset.NEW)
    voter = member(0)
    with pytest.raises(services.PermissionRefused, match="Upvoting needs 1 reputation; you have 0"):
        services.vote(voter, question, 1)
    ledger.credit(voter.pk, EventKind.QUESTION_UPVOTED, ledger.Cause.vote("up", PostRef("question", 999), 1234))
    assert services.vote(fresh(voter), question, 1) == 1


def test_unverified_members_and_visitors_hold_no_privilege():
    from django.contrib.auth.models import AnonymousUser

    rich = member(10**6, verified=False)
    for name in PRIVILEGES:
        assert not permissions.has_privilege(rich, name)
        assert not permissions.has_privilege(AnonymousUser(), name)


# --- the permission matrix through the services ---------------------------------------------------------------------


def test_upvote_and_downvote_are_separate_privileges(question, answer):
    use_preset(Preset.NEW)  # upvote 1, downvote 50
    voter = member(1)
    services.vote(voter, answer, 1)
    with pytest.raises(services.PermissionRefused, match="Downvoting needs 50 reputation; you have 1"):
        services.vote(voter, answer, -1)
    assert Vote.objects.get(voter=voter, answer=answer).value == 1  # nothing written
    assert services.vote(voter, answer, 0) == 0  # taking a vote back needs no privilege
    assert services.vote(member(50), question, -1) == -1


def test_comment_everywhere_but_always_on_your_own_posts_and_answers_to_your_question(asker, question, answer):
    use_preset(Preset.NEW)  # comment_everywhere 1
    newcomer = member(0)
    services.post_comment(asker, question, body="More detail: it is the v2 hub.")
    services.post_comment(asker, answer, body="Thanks, that worked for me.")  # an answer to their question
    services.post_comment(fresh(answer.author), answer, body="Glad to help, tell us if not.")
    before = Comment.objects.count()
    with pytest.raises(services.PermissionRefused, match="Commenting on other members' posts needs 1 reputation"):
        services.post_comment(newcomer, question, body="Same here on my hub.")
    assert Comment.objects.count() == before
    services.post_comment(member(1), question, body="Same here on my hub.")
    assert not permissions.can_comment(newcomer, answer)


def test_create_tags_needs_the_threshold():
    use_preset(Preset.NEW)  # create_tag 100
    assert not permissions.can_create_tag(member(99))
    assert permissions.can_create_tag(member(100))
    with pytest.raises(services.CommunityError):
        ask(member(99), tags="brand-new-tag")
    assert not Tag.objects.filter(name="brand-new-tag").exists()
    ask(member(100), tags="brand-new-tag")
    assert Tag.objects.filter(name="brand-new-tag").exists()


def test_edit_others_posts(answer):
    use_preset(Preset.NEW)  # edit_others 500
    with pytest.raises(services.PermissionRefused, match="Editing other members' posts needs 500 reputation"):
        services.edit_answer(member(499), answer, body="Hold the reset button for fifteen seconds.")
    answer.refresh_from_db()
    assert "ten seconds" in answer.body
    services.edit_answer(member(500), answer, body="Hold the reset button for fifteen seconds.")
    answer.refresh_from_db()
    assert "fifteen" in answer.body


def test_retag_changes_only_the_tags(question):
    use_preset(Preset.NEW)  # retag 150
    Tag.objects.create(name="hub", slug="hub")
    with pytest.raises(services.PermissionRefused):
        services.retag_question(member(149), question, tags="hub")
    retagger = member(150)
    services.retag_question(retagger, question, tags="hub")
    assert list(question.tags.names()) == ["hub"]
    assert PostRevision.objects.filter(question=question, editor=retagger).exists()
    with pytest.raises(services.PermissionRefused, match="only the tags"):
        services.edit_question(fresh(retagger), question, title=question.title, body="Rewritten body text.", tags="hub")
    question.refresh_from_db()
    assert question.body == "It blinks red since the update."


def test_three_close_votes_close_a_question_as_duplicate(question, asker):
    use_preset(Preset.NEW)  # close_duplicate 250
    original = ask(member(0))
    with pytest.raises(services.PermissionRefused, match="Voting to close needs 250 reputation"):
        services.vote_to_close(member(249), question, original)
    first = member(250)
    assert services.vote_to_close(first, question, original)[1] == 1
    with pytest.raises(services.CommunityError, match="already voted"):
        services.vote_to_close(fresh(first), question, original)
    with pytest.raises(services.PermissionRefused, match="your own question"):
        services.vote_to_close(fresh(asker), question, original)
    services.vote_to_close(member(250), question, original)
    question.refresh_from_db()
    assert question.duplicate_of_id is None
    _, votes = services.vote_to_close(member(300), question, original)
    question.refresh_from_db()
    assert votes == 3 and question.duplicate_of_id == original.pk
    assert CloseVote.objects.filter(question=question).count() == 3


def test_a_superusers_close_vote_closes_alone(question):
    original = ask(member(0))
    superuser = member(0, rank=Rank.SUPERUSER)
    services.vote_to_close(superuser, question, original)
    question.refresh_from_db()
    assert question.duplicate_of_id == original.pk


def test_superuser_rights_whatever_the_reputation(question, answer):
    use_preset(Preset.LARGE)
    superuser = member(0, rank=Rank.SUPERUSER)
    for name in ("edit_others", "retag", "close_duplicate", "accept_silent"):
        assert permissions.has_privilege(superuser, name)
    assert not permissions.has_privilege(superuser, "downvote")
    assert not permissions.has_privilege(member(10**5), "accept_silent")  # never by reputation
    services.edit_answer(superuser, answer, body="Hold the reset button for twelve seconds.")


def test_superuser_accepts_for_an_asker_silent_for_the_set_days(asker, question, answer):
    superuser = member(0, rank=Rank.SUPERUSER)
    with pytest.raises(services.PermissionRefused, match="silent for 14 days"):
        services.accept_answer(superuser, answer)
    long_ago = timezone.now() - timedelta(days=15)
    Question.objects.filter(pk=question.pk).update(created_at=long_ago)
    PostRevision.objects.filter(question=question).update(created_at=long_ago)
    services.post_comment(asker, question, body="Still blinking, any idea?")  # the asker spoke: not silent
    with pytest.raises(services.PermissionRefused):
        services.accept_answer(fresh(superuser), answer)
    Comment.objects.filter(question=question).update(created_at=long_ago)
    assert services.accept_answer(fresh(superuser), answer).accepted_answer_id == answer.pk
    with pytest.raises(services.PermissionRefused):  # an ordinary member never
        services.unaccept_answer(member(10**5), question)


def test_flag_weight_bonus_for_the_privilege(answer):
    use_preset(Preset.NEW)  # flag_weight 50
    assert flag_weight(member(49)) == 1.0
    assert flag_weight(member(50)) == 1.5


# --- pages --------------------------------------------------------------------------------------------------------------


def test_moderation_queue_is_read_only_for_the_privilege(client, question, django_assert_max_num_queries):
    from moderation.flags import flag_post

    use_preset(Preset.NEW)  # view_queue 500
    url = reverse("moderation_queue_public")
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(member(499))
    assert client.get(url).status_code == 403
    for _ in range(3):
        flag_post(member(0), ask(member(0)), reason="spam")
    client.force_login(member(500))
    with django_assert_max_num_queries(12):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "Moderation queue (read only)" in html
    assert "Hub light blinks red" in html and "Dismiss" not in html and "<form" not in html.split("<main")[1]


def test_privileges_page_for_visitors_lists_thresholds(client, django_assert_max_num_queries):
    use_preset(Preset.GROWING)
    with django_assert_max_num_queries(3):
        html = client.get(reverse("community_privileges")).content.decode()
    assert "Needs 2000 reputation" in html and "Sign in" in html and "points to go" not in html


def test_privileges_page_shows_progress_for_a_member(client, django_assert_max_num_queries):
    use_preset(Preset.NEW)
    client.force_login(member(60))
    with django_assert_max_num_queries(10):
        html = client.get(reverse("community_privileges")).content.decode()
    assert "You have this privilege." in html  # upvote, downvote, flag weight...
    assert "40 points to go" in html  # create tags at 100
    assert 'for="progress-create_tag"' in html and "<progress" in html


def test_privileges_page_in_japanese(client):
    client.force_login(member(0))
    response = client.get("/ja" + reverse("community_privileges").removeprefix("/en"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "次にできること" in html


def test_a_retagger_edits_only_the_tags_through_the_edit_page(client, question):
    use_preset(Preset.NEW)  # retag 150, edit_others 500
    Tag.objects.create(name="hub", slug="hub")
    url = reverse("question_edit", args=[question.pk])
    client.force_login(member(149))
    assert client.get(url).status_code in (302, 403)
    client.force_login(member(150))
    page = client.get(url).content.decode()
    assert 'name="title"' in page and "disabled" in page
    response = client.post(url, {"title": "Hijacked title here", "body": "Hijacked body", "tags": "hub", "summary": ""})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.title == "Hub light blinks red after the update" and list(question.tags.names()) == ["hub"]


def test_close_votes_through_the_question_page(client, question):
    use_preset(Preset.NEW)  # close_duplicate 250
    original = ask(member(0))
    voter = member(250)
    client.force_login(voter)
    page = client.get(question.get_absolute_url()).content.decode()
    assert reverse("question_close_vote", args=[question.pk]) in page
    url = reverse("question_close_vote", args=[question.pk])
    client.post(url, {"original": "not a question"})
    assert not CloseVote.objects.exists()
    client.post(url, {"original": original.get_absolute_url()})
    assert CloseVote.objects.get().original_id == original.pk
    client.force_login(member(0))  # no privilege: no form, and the service refuses
    assert url not in client.get(question.get_absolute_url()).content.decode()
    client.post(url, {"original": str(original.pk)})
    assert CloseVote.objects.count() == 1


def test_privilege_pages_are_valid_html(client, question, tmp_path):
    """The privileges page (visitor, member, Japanese), the read-only queue and the question page with the
    close-vote form pass the W3C Nu checker (as test_valid_html)."""
    from moderation.flags import flag_post
    from tests.portal.test_valid_html import format_messages, run_vnu, vnu_command

    vnu_command()
    use_preset(Preset.NEW)
    flag_post(member(0), question, reason="spam")
    pages = [(None, reverse("community_privileges")), (member(60), reverse("community_privileges")),
             (member(60), "/ja/community/privileges/"), (member(600), reverse("moderation_queue_public")),
             (member(600), question.get_absolute_url())]
    files = []
    for index, (who, url) in enumerate(pages):
        client.logout()
        if who is not None:
            client.force_login(who)
        response = client.get(url)
        assert response.status_code == 200, url
        path = tmp_path / f"page-{index}.html"
        path.write_text(response.content.decode())
        files.append(path)
    errors = run_vnu(files)
    assert not errors, format_messages(errors)
