"""factory-boy factories and small builders for the Wagtail page tree."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from wagtail.models import Locale, Page, Site

from knowledge.models import ArticlePage, TopicPage
from portal.models import HomePage, Profile

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=extracted is not False, primary=True)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")


def make_site() -> dict:
    """English and Japanese home pages, with the default Site pointing at the English one."""
    en = Locale.objects.get_or_create(language_code="en")[0]
    ja = Locale.objects.get_or_create(language_code="ja")[0]
    root = Page.get_first_root_node()
    Page.objects.filter(depth=2).exclude(content_type__model="homepage").delete()
    home = root.add_child(instance=HomePage(title="Help Center", slug="home", locale=en))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "testserver", "port": 80, "root_page": home}
    )
    home_ja = home.copy_for_translation(ja)
    home_ja.title = "ヘルプセンター"
    home_ja.hero_title = "どのようなご用件ですか？"
    home_ja.save_revision().publish()
    return {"en": home, "ja": home_ja, "locale_en": en, "locale_ja": ja}


def make_topic(home: HomePage, title: str = "Billing", slug: str = "billing", tags=("billing",), **fields) -> TopicPage:
    topic = home.add_child(instance=TopicPage(title=title, slug=slug, intro=fields.pop("intro", "About " + title), **fields))
    topic.tags.set(list(tags))
    topic.save_revision().publish()
    return topic


def make_article(topic: TopicPage, title: str = "Request a refund", slug: str | None = None, tags=(), body=None, live=True, **fields) -> ArticlePage:
    body = body or [{"type": "paragraph", "value": f"<p>{title}: how it works.</p>"}]
    article = ArticlePage(
        title=title, slug=slug or title.lower().replace(" ", "-"), summary=fields.pop("summary", f"All about {title}."),
        body=body, live=False, **fields,
    )
    topic.add_child(instance=article)
    article.tags.set(list(tags))
    revision = article.save_revision()
    if live:
        revision.publish()
    article.refresh_from_db()
    return article


def translate(page, locale, **fields):
    translated = page.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translated, name, value)
    translated.save_revision().publish()
    return translated.__class__.objects.get(pk=translated.pk)


def with_two_factor(user):
    """Staff as they are in the portal: with TOTP two-factor (without it they have no staff powers)."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, "JBSWY3DPEHPK3PXP")
    return user


def hub_community(topic_tags=("hub",)) -> dict:
    """The browser journeys' small world: a Troubleshooting topic with the "Nimbus Hub is offline" article,
    and two members, alice (Alice Chen) and bob (Bob Martins)."""
    site = make_site()
    topic = make_topic(site["en"], "Troubleshooting", "troubleshooting", tags=list(topic_tags), icon="bug")
    article = make_article(topic, "Nimbus Hub is offline", tags=["hub"], summary="Get your hub back online.")
    alice = ProfileFactory(user=UserFactory(username="alice", email="alice@example.com"), display_name="Alice Chen").user
    bob = ProfileFactory(user=UserFactory(username="bob", email="bob@example.com"), display_name="Bob Martins").user
    return {"site": site, "topic": topic, "article": article, "alice": alice, "bob": bob}
