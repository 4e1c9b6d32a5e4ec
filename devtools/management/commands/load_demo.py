"""Demo content: the Nimbus Home help center in English and Japanese, staff per role and customers.

Idempotent: running it again updates what changed and creates nothing twice.
"""

from __future__ import annotations

import os
import random
import shlex
import sys
from datetime import timedelta
from pathlib import Path

import yaml
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site
from wagtail.users.models import UserProfile

from community.standing import thresholds_overridden
from devtools.cases_demo import load_cases_demo
from devtools.community_demo import DEMO_PASSWORD, REPLAY_THRESHOLDS, load_community_demo
from devtools.moderation_demo import load_moderation_demo
from devtools.rewards_demo import load_rewards_demo
from devtools.search_demo import load_search_demo
from devtools.traffic_demo import DAYS as TRAFFIC_DAYS
from devtools.traffic_demo import load_traffic_demo
from knowledge.importer import import_articles
from knowledge.models import ArticleDailyStat, ArticlePage, TopicPage
from knowledge.services import Visitor, record_helpful_vote
from portal import events, roles
from portal.models import HomePage, Profile
from portal.site_url import site_address, sync_default_site
from search.indexing import ensure_index

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo_content" / "knowledge"
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPNIMBUSDEMOTWOFAA"  # noqa: S105 - base32; printed so a demoer can add it to an app
USERS = [
    # username, email, display name, language, group, superuser
    ("admin", "admin@nimbus-home.example", "Site Admin", "en", None, True),
    ("editor", "editor@nimbus-home.example", "Erin Editor", "en", roles.CONTENT_EDITORS, False),
    ("moderator", "moderator@nimbus-home.example", "Morgan Moderator", "en", roles.MODERATORS, False),
    ("agent", "agent@nimbus-home.example", "Alex Agent", "en", roles.SUPPORT_AGENTS, False),
    ("agent-ja", "agent-ja@nimbus-home.example", "佐々木 葵", "ja", roles.SUPPORT_AGENTS, False),
    ("supervisor", "supervisor@nimbus-home.example", "Sam Supervisor", "en", roles.SUPPORT_SUPERVISORS, False),
    ("alice", "alice@example.com", "Alice Chen", "en", None, False),
    ("bob", "bob@example.com", "Bob Martins", "en", None, False),
    ("hanako", "hanako@example.jp", "山田 花子", "ja", None, False),
]
HOME_TEXT = {
    "en": ("How can we help?", "Search our guides or browse a topic. Most answers take under five minutes."),
    "ja": ("どのようなご用件ですか？", "ガイドを検索するか、トピックから探してください。"),
}
NO_COMMENTS = [
    "The steps don't match what I see in the app.",
    "It didn't say what to do if the email never arrives.",
    "Too long — I just needed the price.",
]


def split_name(name: str, language: str) -> tuple[str, str]:
    """(first, last) of a display name: "Morgan Moderator" → ("Morgan", "Moderator"); a Japanese name is
    written family name first: "佐々木 葵" → ("葵", "佐々木")."""
    parts = name.split(maxsplit=1)
    if len(parts) < 2:
        return name, name
    if language == "ja":
        return parts[1], parts[0]
    return parts[0], parts[1]


class Command(BaseCommand):
    help = "Load the demo help center, users and votes (idempotent)."

    def handle(self, **options):
        if not (DEMO_DIR / "topics.yaml").exists():
            raise CommandError(f"Demo content not found in {DEMO_DIR}")
        with transaction.atomic():
            roles.apply_roles(django_apps)
            locales = {code: Locale.objects.get_or_create(language_code=code)[0] for code, _ in settings.LANGUAGES}
            homes = self.homes(locales)
            self.topics(homes, locales)
            sync_default_site()  # the Site record follows PORTAL_BASE_URL (HOST/PORT) on every run
        report = import_articles(DEMO_DIR, publish=True)
        self.stdout.write(
            f"Articles: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.skipped)} unchanged, {len(report.failed)} failed"
        )
        for name, reason in report.failed:
            self.stderr.write(f"  {name}: {reason}")
        users = self.users()
        self.votes_and_views(users)
        # The history is replayed with the privileges its members earned along the way, and the rewards app
        # muted: its ledgers are then backfilled with each row dated when its cause happened.
        with events.muted("community.rewards"), thresholds_overridden(REPLAY_THRESHOLDS):
            load_community_demo(stdout=self.stdout)
            load_moderation_demo(stdout=self.stdout)
            load_cases_demo(stdout=self.stdout)
        load_rewards_demo(stdout=self.stdout)
        load_search_demo(stdout=self.stdout)
        if ensure_index(self.stdout):
            self.stdout.write("Search documents rebuilt.")
        load_traffic_demo(stdout=self.stdout)  # visitors' page views, searches and ask sessions (180 days)
        # Insights' daily rollups for the demo's history, both periods of a 90-day report (idempotent; cron keeps
        # them up to date afterwards)
        call_command("refresh_insights", "--days", str(TRAFFIC_DAYS), stdout=self.stdout)
        self.print_logins()

    # --- Pages ----------------------------------------------------------------------------------

    def homes(self, locales) -> dict[str, HomePage]:
        root = Page.get_first_root_node()
        en = HomePage.objects.filter(locale=locales["en"]).first()
        if en is None:
            site = Site.objects.filter(is_default_site=True).first()
            # Wagtail's "Welcome" page holds the slug "home": step it aside, then remove it.
            placeholder = Page.objects.filter(depth=2, slug="home").exclude(content_type__model="homepage").first()
            if placeholder:
                Page.objects.filter(pk=placeholder.pk).update(slug="wagtail-welcome", url_path="/wagtail-welcome/")
            en = root.add_child(instance=HomePage(title="Help Center", slug="home", locale=locales["en"]))
            site = site or Site(is_default_site=True)
            site.root_page, site.site_name = en, "Nimbus Home Help Center"
            site.hostname, site.port = site_address()
            site.save()
            if placeholder:
                Page.objects.get(pk=placeholder.pk).delete()
        homes = {"en": en}
        ja = HomePage.objects.filter(locale=locales["ja"]).first()
        if ja is None:
            ja = en.copy_for_translation(locales["ja"])
            ja.title = "ヘルプセンター"
        homes["ja"] = ja
        for code, home in homes.items():
            home.hero_title, home.hero_text = HOME_TEXT[code]
            home.save_revision().publish()
        return homes

    def topics(self, homes, locales) -> None:
        for _order, data in enumerate(yaml.safe_load((DEMO_DIR / "topics.yaml").read_text(encoding="utf-8"))):
            topic = TopicPage.objects.filter(slug=data["slug"], locale=locales["en"]).first()
            if topic is None:
                topic = homes["en"].add_child(instance=TopicPage(title=data["title"], slug=data["slug"]))
            topic = topic.get_latest_revision_as_object() if topic.latest_revision_id else topic
            topic.title, topic.intro, topic.icon = data["title"], data["intro"], data["icon"]
            topic.tags.set(data["tags"])
            topic.save_revision().publish()
            translated = TopicPage.objects.filter(translation_key=topic.translation_key, locale=locales["ja"]).first()
            if translated is None:
                translated = topic.copy_for_translation(locales["ja"])
            translated.title, translated.intro, translated.icon = data["title_ja"], data["intro_ja"], data["icon"]
            translated.draft_title = translated.title
            translated.tags.set(data["tags"])
            translated.save_revision().publish()

    # --- People ---------------------------------------------------------------------------------

    def users(self) -> dict:
        User = get_user_model()
        created = {}
        for username, email, name, language, group, superuser in USERS:
            user, new = User.objects.get_or_create(username=username, defaults={"email": email})
            if new:
                user.set_password(DEMO_PASSWORD)
            user.email = email
            user.is_staff = bool(superuser or group)
            user.is_superuser = superuser
            if not (user.first_name and user.last_name):  # Wagtail's account settings require both
                user.first_name, user.last_name = split_name(name, language)
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            Profile.objects.update_or_create(user=user, defaults={"display_name": name, "language": language})
            if group:
                user.groups.add(Group.objects.get(name=group))
            if user.is_staff and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, STAFF_TOTP_SECRET)
            if user.is_staff and language != "en":  # the Wagtail admin in the staff member's language
                UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": language})
            created[username] = user
        return created

    def votes_and_views(self, users) -> None:
        rng = random.Random(2026)  # noqa: S311 - demo data, not security
        articles = list(ArticlePage.objects.live().defer_streamfields().order_by("pk"))
        today = timezone.localdate()
        customers = [users["alice"], users["bob"], users["hanako"]]
        for index, article in enumerate(articles):
            for offset in range(7):
                ArticleDailyStat.objects.get_or_create(
                    article=article, day=today - timedelta(days=offset), defaults={"views": rng.randint(3, 120)}
                )
            for number, user in enumerate(customers):
                if (index + number) % 3 == 0:
                    helpful = (index + number) % 4 != 0
                    comment = "" if helpful else NO_COMMENTS[(index + number) % len(NO_COMMENTS)]
                    record_helpful_vote(article, Visitor(user_id=user.pk), helpful=helpful, comment=comment)

    def print_logins(self) -> None:
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for _username, email, _name, _language, group, superuser in USERS:
            role = "superuser" if superuser else (group or "customer")
            self.stdout.write(f"  {email:32} {role}")
        self.stdout.write(
            f"Staff accounts have TOTP two-factor on; add the secret {STAFF_TOTP_SECRET} to an authenticator "
            f"app, or print the current code with: {manage_command('demo_totp_code')}"
        )


def manage_command(name: str, *, executable: str | None = None, cwd: str | None = None) -> str:
    """The shell command that runs `manage.py <name>` with this interpreter (the project's virtualenv, which
    a bare `python` may not be), written relative to the current directory when it lies below it."""
    executable = executable or sys.executable or "python"
    cwd = cwd or os.getcwd()
    manage = Path(settings.BASE_DIR) / "manage.py"
    try:
        python = os.path.relpath(executable, cwd) if Path(executable).is_relative_to(cwd) else executable
        script = os.path.relpath(manage, cwd) if manage.is_relative_to(cwd) else str(manage)
    except ValueError:  # another drive on Windows
        python, script = executable, str(manage)
    if python == os.path.basename(python) and os.sep not in python:
        python = f".{os.sep}{python}" if Path(cwd, python).exists() else python
    return " ".join(shlex.quote(part) for part in (python, script, name))
