"""Moderation → Pre-publish rules in the Wagtail admin: who gets in, the form's validation, "Try on sample
text" (nothing saved), and the audit entries of saves and deletes."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse
from django.utils import translation

from moderation.models import Rule
from moderation.rules.validation import regex_error, rule_errors
from portal import audit
from portal.roles import CONTENT_EDITORS, MODERATORS
from tests.factories import UserFactory
from tests.moderation.rules_factories import RuleFactory

pytestmark = pytest.mark.django_db

INDEX = "/admin/prepublish-rules/"
ADD = "/admin/prepublish-rules/new/"


def staff(client, **kwargs):
    user = UserFactory(**kwargs)
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    client.force_login(user)
    return user


@pytest.fixture
def admin_client(client, site):
    staff(client, is_superuser=True, is_staff=True)
    return client


def form_data(**changes) -> dict:
    data = {
        "name": "Gambling", "kind": "keyword", "action": "reject", "pattern": "casino\nカジノ", "number": "",
        "applies_to": "all", "language": "", "message": "No gambling adverts.", "message_ja": "ギャンブルの宣伝は禁止です。",
        "enabled": "on", "sample_text": "",
    }
    data.update(changes)
    return data


# --- who gets in --------------------------------------------------------------------------------------------


def test_the_moderation_menu_lists_the_rules_page(admin_client):
    RuleFactory(name="Gambling words", kind="keyword", action="reject")
    home = admin_client.get("/admin/").content.decode()
    assert "Moderation" in home and "Pre-publish rules" in home
    listing = admin_client.get(INDEX)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Gambling words" in html and "Reject (the author sees the message)" in html


def test_the_list_filters_by_type_and_action(admin_client):
    RuleFactory(name="Keyword rule", kind="keyword")
    RuleFactory(name="Age rule", kind="account_age", number=24, pattern="")
    html = admin_client.get(INDEX, {"kind": "account_age"}).content.decode()
    assert "Age rule" in html and "Keyword rule" not in html


def test_the_list_has_a_query_budget(admin_client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        RuleFactory(name=f"Rule {i}")
    admin_client.get(INDEX)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(INDEX)
    for i in range(3, 40):
        RuleFactory(name=f"Rule {i}")
    with django_assert_max_num_queries(len(few)):
        assert admin_client.get(INDEX).status_code == 200


def test_moderators_manage_rules_and_editors_do_not(client, site):
    staff(client, groups=[MODERATORS])
    assert client.get(INDEX).status_code == 200
    assert client.post(ADD, form_data()).status_code == 302
    assert Rule.objects.filter(name="Gambling").exists()
    client.logout()
    staff(client, groups=[CONTENT_EDITORS])
    assert client.get(INDEX).status_code in (302, 403)
    assert client.post(ADD, form_data(name="Sneaky")).status_code in (302, 403)
    assert not Rule.objects.filter(name="Sneaky").exists()


# --- saving -------------------------------------------------------------------------------------------------


def test_creating_editing_and_deleting_a_rule_are_audited(admin_client):
    response = admin_client.post(ADD, form_data())
    assert response.status_code == 302
    rule = Rule.objects.get(name="Gambling")
    assert rule.pattern == "casino\nカジノ" and rule.message_ja == "ギャンブルの宣伝は禁止です。"
    edit_url = reverse("prepublish-rules:edit", args=[rule.pk])
    assert admin_client.post(edit_url, form_data(action="hold")).status_code == 302
    rule.refresh_from_db()
    assert rule.action == "hold"
    entries = list(audit.history(rule).values_list("action", flat=True))
    assert "moderation.rule.create" in entries and "moderation.rule.edit" in entries
    edit = audit.history(rule).get(action="moderation.rule.edit")
    assert edit.data["before"]["action"] == "reject" and edit.data["after"]["action"] == "hold"
    delete_url = reverse("prepublish-rules:delete", args=[rule.pk])
    assert admin_client.post(delete_url).status_code == 302
    assert not Rule.objects.filter(pk=rule.pk).exists()
    assert audit.LogEntry.objects.filter(action="moderation.rule.delete", object_id=str(rule.pk)).exists()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"pattern": "  \n "}, "pattern", "Enter at least one keyword (one per line)."),
    ({"kind": "regex", "pattern": ""}, "pattern", "Enter a regular expression."),
    ({"kind": "regex", "pattern": "(unclosed"}, "pattern", "This regular expression is invalid: missing )"),
    ({"kind": "regex", "pattern": r"(a+)+$"}, "pattern", "catastrophic backtracking"),
    ({"kind": "regex", "pattern": r"(\w+\s?)*$"}, "pattern", "catastrophic backtracking"),
    ({"kind": "regex", "pattern": r"(x+x+)+y"}, "pattern", "catastrophic backtracking"),
    ({"kind": "regex", "pattern": r"a*"}, "pattern", "matches every post"),
    ({"kind": "blocked_domain", "pattern": ""}, "pattern", "Enter at least one domain"),
    ({"kind": "blocked_domain", "pattern": "spam.example\nnot a domain\nlocalhost"}, "pattern", "Not a domain name: not a domain, localhost"),
    ({"kind": "link_limit", "pattern": ""}, "number", "Enter the most links a new member may include."),
    ({"kind": "link_limit", "number": "0"}, "number", "Enter a number from 1 to 100."),
    ({"kind": "first_posts", "number": ""}, "number", "Enter how many first posts to review."),
    ({"kind": "account_age", "number": ""}, "number", "Enter the account age in hours."),
    ({"kind": "spam_score", "number": "60", "action": "reject"}, "action", "only holds posts for review"),
    ({"kind": "first_posts", "number": "2", "action": "reject"}, "action", "only holds posts for review"),
])
def test_the_form_refuses_invalid_rules_with_a_clear_message(admin_client, changes, field, message):
    response = admin_client.post(ADD, form_data(**changes))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Rule.objects.exists()


def test_a_valid_regex_and_domains_are_accepted(admin_client):
    assert admin_client.post(ADD, form_data(kind="regex", pattern=r"\bbit\.ly/\w+", name="Short links")).status_code == 302
    data = form_data(kind="blocked_domain", pattern="spam.example\nhttps://WWW.Bücher.example/x\n*.tracker.example", name="Domains")
    assert admin_client.post(ADD, data).status_code == 302
    assert admin_client.post(ADD, form_data(kind="spam_score", number="", action="hold", pattern="", name="Spam")).status_code == 302
    assert Rule.objects.count() == 3


def test_validation_messages_are_translated():
    with translation.override("ja"):
        errors = rule_errors(kind="regex", action="hold", pattern=r"(a+)+$", number=None)
        assert "正規表現" in errors["pattern"]
        assert rule_errors(kind="keyword", action="hold", pattern="", number=None)["pattern"] == "キーワードを1行に1つずつ入力してください。"
        assert "正規表現" in regex_error("(unclosed")


# --- try it -------------------------------------------------------------------------------------------------


def test_try_an_unsaved_rule_on_sample_text(admin_client):
    data = form_data(action="hold", sample_text="今すぐカジノで遊ぼう", **{"action-try": "1"})
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="try-result"' in html and 'role="status"' in html
    assert "This text would be held for review." in html
    assert "keyword “カジノ”" in html
    assert not Rule.objects.exists()  # nothing saved
    assert 'name="action-try"' in html and "Try on sample text" in html


def test_try_says_reject_and_pass(admin_client):
    html = admin_client.post(ADD, form_data(sample_text="casino tonight", **{"action-try": "1"})).content.decode()
    assert "This text would be rejected." in html and "No gambling adverts." in html
    html = admin_client.post(ADD, form_data(sample_text="a classic plan", **{"action-try": "1"})).content.decode()
    assert "This text would pass" in html


def test_try_refuses_a_catastrophic_regex_and_shows_why(admin_client):
    data = form_data(kind="regex", pattern=r"(a+)+$", sample_text="aaaa", **{"action-try": "1"})
    response = admin_client.post(ADD, data)
    html = response.content.decode()
    assert "Fix the errors in the rule first" in html and "catastrophic backtracking" in html
    assert not Rule.objects.exists()


def test_try_an_edited_rule_uses_the_forms_values_and_saves_nothing(admin_client):
    rule = RuleFactory(name="Links", kind="link_limit", number=5, pattern="")
    edit_url = reverse("prepublish-rules:edit", args=[rule.pk])
    sample = "See https://a.example https://b.example https://c.example"
    data = form_data(name="Links", kind="link_limit", number="2", pattern="", action="hold", sample_text=sample, **{"action-try": "1"})
    html = admin_client.post(edit_url, data).content.decode()
    assert "This text would be held for review." in html and "brand-new member" in html and "Links found: 3." in html
    rule.refresh_from_db()
    assert rule.number == 5


def test_try_a_spam_score_shows_the_signals(admin_client):
    sample = "BEST DEALS https://a.example https://b.example https://c.example https://d.example https://e.example"
    data = form_data(kind="spam_score", number="50", action="hold", pattern="", sample_text=sample, **{"action-try": "1"})
    html = admin_client.post(ADD, data).content.decode()
    assert "This text would be held for review." in html and "Spam score:" in html and "5 links +40" in html


def test_try_without_sample_text_asks_for_one(admin_client):
    html = admin_client.post(ADD, form_data(**{"action-try": "1"})).content.decode()
    assert "Enter a sample text to try the rule on." in html


def test_the_form_is_labelled_and_the_try_button_is_keyboard_reachable(admin_client):
    html = admin_client.get(ADD).content.decode()
    assert '<label' in html and 'for="id_sample_text"' in html and 'for="id_pattern"' in html
    assert '<button type="submit" name="action-try"' in html
    assert 'aria-labelledby="prepublish-try-heading"' in html


def test_the_rules_screens_speak_japanese_to_a_japanese_admin(client, site):
    from wagtail.users.models import UserProfile

    user = staff(client, is_superuser=True, is_staff=True)
    UserProfile.get_for_user(user).__class__.objects.filter(user=user).update(preferred_language="ja")
    listing = client.get(INDEX).content.decode()
    assert "公開前ルール" in listing
    html = client.post(ADD, form_data(action="hold", sample_text="今すぐカジノで遊ぼう", **{"action-try": "1"})).content.decode()
    assert "この文章は確認のため保留されます。" in html and "サンプルの文章で試す" in html
    html = client.post(ADD, form_data(kind="regex", pattern="(unclosed")).content.decode()
    assert "この正規表現は無効です" in html


def test_the_services_refuse_what_the_form_refuses_and_non_staff(site):
    from moderation.errors import ModerationError, PermissionRefused
    from moderation.rules import services

    admin = UserFactory(is_superuser=True)
    with pytest.raises(ModerationError) as refused:
        services.save_rule(admin, Rule(name="Evil", kind="regex", pattern=r"(a+)+$"))
    assert refused.value.field == "pattern" and "catastrophic" in refused.value.message
    with pytest.raises(PermissionRefused):
        services.save_rule(UserFactory(), Rule(name="Fine", kind="keyword", pattern="casino"))
    rule = RuleFactory()
    with pytest.raises(PermissionRefused):
        services.delete_rule(UserFactory(groups=[CONTENT_EDITORS]), rule)
    assert not Rule.objects.exclude(pk=rule.pk).exists() and Rule.objects.filter(pk=rule.pk).exists()
    assert not audit.LogEntry.objects.filter(action__startswith="moderation.rule.").exists()
