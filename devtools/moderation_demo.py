"""Moderation demo content for `manage.py load_demo`: a realistic review queue for a new moderator.

Everything goes through the real services, in this order, so the data is exactly what use would produce:

1. a spam question by a brand-new account, flagged as spam by three members → hidden by the flags,
   waiting in the queue; a rude comment flagged once; a question flagged "needs staff help";
2. the pre-publish rules a support site starts with (spam phrases in English and Japanese, blocked link
   domains, a link limit for new members, a spam score);
3. posts those rules hold (a blocked domain, a Japanese get-rich phrase) → pending, in the queue;
4. decisions with an audit trail: a flag dismissed, a held post approved, a member warned and a spam
   account silenced for a week, an answer recommended by moderators and a question featured on its topic.

Idempotent: when the spam question is already there, nothing is done.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.test.utils import override_settings
from django.utils import timezone

from community import services
from community.models import Answer, Question
from community.services import curation
from devtools.community_demo import DEMO_PASSWORD
from moderation import flags, review, sanctions
from moderation.models import Rule
from moderation.rules import services as rule_services
from portal.models import Profile

SPAM_TITLE = "Cheap Nimbus accessories — 80% off, today only"
NEWCOMERS = [
    # username, email, display name, language, days since joining
    ("quickdeals", "quickdeals@example.net", "Quick Deals", "en", 0),
    ("linkdrop", "linkdrop@example.net", "Link Drop", "en", 0),
    ("kasegu", "kasegu@example.net", "副業 案内", "ja", 0),
]
RULES = [
    {
        "name": "Spam phrases", "kind": Rule.Kind.KEYWORD, "action": Rule.Action.HOLD,
        "pattern": "casino\ncrypto giveaway\nwork from home and earn\n今すぐ稼げる\n副業で月収",
        "message": "Your post mentions something we often see in spam, so a moderator will check it first.",
        "message_ja": "スパムによく見られる表現が含まれているため、モデレーターが確認してから公開します。",
    },
    {
        "name": "Blocked link domains", "kind": Rule.Kind.BLOCKED_DOMAIN, "action": Rule.Action.REJECT,
        "pattern": "spam-deals.example\ncheap-pills.example",
        "message": "Links to that website are not allowed here. Please remove the link and post again.",
        "message_ja": "このサイトへのリンクは投稿できません。リンクを削除して、もう一度投稿してください。",
    },
    {
        "name": "Links from new members", "kind": Rule.Kind.LINK_LIMIT, "action": Rule.Action.HOLD, "number": 3,
        "message": "New members' posts with many links are checked by a moderator first.",
        "message_ja": "新しいメンバーのリンクが多い投稿は、モデレーターが確認してから公開します。",
    },
    {
        "name": "Spam score", "kind": Rule.Kind.SPAM_SCORE, "action": Rule.Action.HOLD, "number": 60,
        "message": "A moderator will check your post before it appears.",
        "message_ja": "モデレーターが確認してから投稿が表示されます。",
    },
]


def load_moderation_demo(stdout=None) -> bool:
    """Create the moderation demo (once). Returns True when it was created now."""
    if Question.objects.filter(title=SPAM_TITLE).exists():
        if stdout is not None:
            stdout.write("Moderation: demo queue already there.")
        return False
    User = get_user_model()
    people = {user.username: user for user in User.objects.filter(
        username__in=["admin", "moderator", "alice", "bob", "tom", "maria", "hanako", "david", "kenji"]
    )}
    newcomers = _newcomers()
    moderator, admin = people["moderator"], people["admin"]
    with services.relaxed_limits(), override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        # 1. flags
        spam = services.ask_question(
            newcomers["quickdeals"], title=SPAM_TITLE, language="en", tags="",
            body="Huge discounts on hubs, sensors and thermostats. Message me on WhatsApp +1 555 0100 to order "
            "before stock runs out!!! Best prices, fast shipping, no questions asked.",
        )
        for name in ("alice", "tom", "maria"):
            flags.flag_post(people[name], spam, reason="spam")
        target = Question.objects.alive().filter(language="en", answer_count__gt=0).order_by("pk").first()
        rude = services.post_comment(people["david"], target, body="Did you even read the manual? This is a stupid question.")
        flags.flag_post(people["alice"], rude, reason="rude")
        stuck = Question.objects.alive().filter(language="en", answer_count=0).order_by("pk").first()
        if stuck is not None and stuck.author_id != people["bob"].pk:
            flags.flag_post(people["bob"], stuck, reason="needs_staff", details="Nobody has answered in weeks and the device is still offline.")
        off_topic = Answer.objects.alive().filter(question__language="en").exclude(author=people["tom"]).order_by("-pk").first()
        dismissed = flags.flag_post(people["tom"], off_topic, reason="off_topic")
        _act(moderator, dismissed.item_id, "dismiss", "The answer is on topic: it explains the pairing step.")

        # 2. rules
        for data in RULES:
            if not Rule.objects.filter(name=data["name"]).exists():
                rule_services.save_rule(admin, Rule(**data))

        # 3. held posts
        services.ask_question(
            newcomers["kasegu"], title="スマートホームの副業について", language="ja", tags="",
            body="今すぐ稼げる方法があります。スマートホームの設定を代行するだけで副業で月収30万円。詳しくはプロフィールへ。",
        )
        links = services.post_answer(
            newcomers["linkdrop"], target,
            body="Try these guides: https://example.org/a https://example.org/b https://example.org/c "
            "https://example.org/d and https://example.org/e",
        )
        approved = review.open_items_for_question(target.pk).get(("answer", links.pk))
        if approved is not None:
            _act(moderator, approved.pk, "approve", "The links are to the manufacturer's own guides.")

        # 4. sanctions and curation
        sanctions.impose_sanction(moderator, people["david"], kind="warn", reason="Please be kind: insulting other members is not allowed here.")
        sanctions.impose_sanction(
            moderator, newcomers["quickdeals"], kind="silence", days=7, reason="Advertising: this community is for help with Nimbus products.",
        )
        accepted = Question.objects.alive().filter(language="en", accepted_answer__isnull=False).order_by("-score", "pk").first()
        if accepted is not None:
            curation.recommend_answer(moderator, accepted.accepted_answer, reason="Clear steps that work for every hub model.")
        featured = Question.objects.alive().filter(
            language="en", accepted_answer__isnull=False, topic__isnull=False, featured_at__isnull=True,
        ).order_by("-score", "pk").first()
        if featured is not None:
            curation.feature_question(moderator, featured, reason="A common question with a clear answer.")
    if stdout is not None:
        stdout.write(
            f"Moderation: {review.queue({'state': 'open'}).count()} open review items, {len(RULES)} pre-publish rules, "
            "a warned and a silenced member, a recommended answer and a featured question."
        )
    return True


def _act(moderator, item_id: int, action: str, reason: str) -> None:
    from moderation.models import ReviewItem

    item = ReviewItem.objects.get(pk=item_id)
    review.act_on_item(moderator, item.pk, action=action, version=item.version, reason=reason)


def _newcomers() -> dict:
    """Accounts that joined today (verified: spammers verify their address too; the demo password, so a tester
    can see what a silenced member sees)."""
    User = get_user_model()
    users = {}
    now = timezone.now()
    for username, email, name, language, days in NEWCOMERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": email, "password": make_password(DEMO_PASSWORD), "date_joined": now - timedelta(days=days)},
        )
        if created:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            Profile.objects.update_or_create(user=user, defaults={"display_name": name, "language": language})
        users[username] = user
    return users

