"""The site shell: the home page, site-wide settings and member profiles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Page


class HomePage(Page):
    hero_title = models.CharField(_("hero title"), max_length=120, default="How can we help?")
    hero_text = models.CharField(_("hero text"), max_length=250, blank=True)

    max_count_per_parent = 1
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["knowledge.TopicPage"]
    content_panels = [*Page.content_panels, FieldPanel("hero_title"), FieldPanel("hero_text")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from knowledge.services import home_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(home_page_context(self))
        return context


@register_setting(icon="cog")
class PortalSettings(BaseSiteSetting):
    organisation_name = models.CharField(max_length=120, default="Nimbus Home")
    organisation_url = models.URLField(default="https://nimbus-home.example/")
    support_email = models.EmailField(default="support@nimbus-home.example")

    panels = [FieldPanel("organisation_name"), FieldPanel("organisation_url"), FieldPanel("support_email")]

    class Meta:
        verbose_name = _("portal settings")


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    bio = models.TextField(_("bio"), max_length=1000, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")

    class Meta:
        verbose_name = _("profile")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_username()

    @property
    def initials(self) -> str:
        parts = self.name.split()
        if len(parts) >= 2:
            return (parts[0][0] + parts[-1][0]).upper()
        return self.name[:2].upper()

    @property
    def avatar_hue(self) -> int:
        """A stable colour for the initials avatar (chosen from a palette with AA contrast on white text)."""
        return sum(map(ord, self.user.get_username())) % 6
