"""Back-office screens for editors: helpfulness per article, the "No" comments, and tag management.

Tag management is audited in Wagtail's log (Site history): creating and deleting a tag by Wagtail's own
``wagtail.create`` / ``wagtail.delete`` entries, editing one by a ``tags.edit`` entry with the name and
slug before and after (Wagtail's ``wagtail.edit`` would keep only the new name).
"""

import django_filters
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic.models import EditView, IndexView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from portal import audit
from portal.admin_pages import YesNoColumn
from portal.insights.exports import SafeSpreadsheetExportMixin

from .models import ArticleFeedback, ArticleHelpfulness, TopicPage


class HelpfulnessIndexView(SafeSpreadsheetExportMixin, IndexView):
    """The listing and its export: the CSV with formula cells neutralised (article titles), UTF-8 with a
    byte order mark, as every back-office CSV."""


class HelpfulnessViewSet(ModelViewSet):
    name = "article-helpfulness"
    index_view_class = HelpfulnessIndexView
    model = ArticleHelpfulness
    icon = "pick"
    menu_label = _("Helpfulness by article")
    list_display = ["article", "yes", "no", "ratio_percent"]
    list_export = ["article", "yes", "no", "ratio_percent"]
    ordering = ["-no"]
    search_fields = ["article__title"]
    form_fields = ["yes", "no"]
    add_to_admin_menu = False
    inspect_view_enabled = True

    def get_queryset(self, request):
        return ArticleHelpfulness.objects.select_related("article")


def _yes_no_filter(label):
    """A true/false filter whose choice and active-filter chip read "Yes" / "No" (not "True" / "False")."""
    return django_filters.ChoiceFilter(
        label=label, choices=[("true", _("Yes")), ("false", _("No"))],
        method=lambda queryset, name, value: queryset.filter(**{name: value == "true"}),
    )


class FeedbackFilterSet(WagtailFilterSet):
    helpful = _yes_no_filter(_("Helpful"))
    counted = _yes_no_filter(_("Counted in the totals"))

    class Meta:
        model = ArticleFeedback
        fields = ["helpful", "counted"]


class FeedbackViewSet(ModelViewSet):
    name = "article-feedback"
    model = ArticleFeedback
    icon = "comment"
    menu_label = _("Feedback comments")
    list_display = ["article", YesNoColumn("helpful", label=_("Helpful")),
                    YesNoColumn("counted", label=_("Counted in the totals")), "comment", "updated_at"]
    filterset_class = FeedbackFilterSet
    search_fields = ["comment", "article__title"]
    ordering = ["-updated_at"]
    form_fields = ["comment"]
    inspect_view_enabled = True
    # Not who voted: no account, no session key (a visitor's session credential), no address hashes.
    inspect_view_fields = ["article", "helpful", "comment", "counted", "created_at", "updated_at"]

    def get_queryset(self, request):
        return ArticleFeedback.objects.select_related("article")


class ArticleFeedbackGroup(ViewSetGroup):
    menu_label = _("Article feedback")
    menu_icon = "help"
    menu_order = 250
    items = (HelpfulnessViewSet, FeedbackViewSet)


class TagEditView(EditView):
    def save_instance(self):
        with transaction.atomic():  # the tag and its audit entry are saved together or not at all
            before = Tag.objects.filter(pk=self.form.instance.pk).values("name", "slug").first()
            self.action_class(self.form.instance, user=self.request.user, form=self.form, log_action=False).execute(
                skip_permission_checks=True  # checked by the view, as in Wagtail's EditView
            )
            tag = self.form.instance
            after = {"name": tag.name, "slug": tag.slug}
            if before != after:
                audit.record(self.request.user, "tags.edit", tag, before=before, after=after)
        return tag


class TagViewSet(ModelViewSet):
    model = Tag
    edit_view_class = TagEditView
    icon = "tag"
    menu_label = _("Tags")
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["name", "slug"]
    search_fields = ["name"]
    form_fields = ["name", "slug"]
    ordering = ["name"]


@hooks.register("register_admin_viewset")
def register_feedback_viewsets():
    return ArticleFeedbackGroup()


@hooks.register("register_admin_viewset")
def register_tag_viewset():
    return TagViewSet("tags")


@hooks.register("search_report_create_url")
def new_article_url() -> str:
    """The search report's "write the missing article" shortcut: a new article under the first English topic."""
    topic = TopicPage.objects.filter(locale__language_code="en").order_by("path").first()
    return reverse("wagtailadmin_pages:add", args=("knowledge", "articlepage", topic.pk)) if topic else ""
