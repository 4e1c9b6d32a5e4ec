"""Turn an answer into a help article ("lifting"): moderators — and Wagtail editors who may add articles to the
question's topic — make a DRAFT `knowledge.ArticlePage` from any published answer, then finish it in the Wagtail
editor.

`lift_answer(actor, answer)`:
- a published answer to a published question with a topic (its translation in the question's language), once
  per answer (a `community.rewards.models.LiftedAnswer` row, unique by answer);
- the draft: title = the question's title, summary = the start of the question, body = the question as context
  ("The problem") and the answer ("Solution": ordered lists become numbered steps), the question's tags,
  `source_url` = the question's address, `credited_to` = the answer author's name; one revision, no workflow
  (the editor submits it when it is ready);
- audited (`moderation.lift.answer`); rate limited per member.
When the article is first published the answer's author earns the gold badge `answer_in_article`
(`community.rewards.badges`, through Wagtail's `page_published`). Support replies are lifted but earn no badge.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from community.models import Answer, Question
from community.rewards.models import LiftedAnswer
from community.services.base import Actor, as_actor
from knowledge.models import ArticlePage, TopicPage
from portal import audit, extensions
from portal.ratelimit import consume

from .curation import _topic_for, draft_article, record_lifted
from .errors import ModerationError, PermissionRefused
from .permissions import can_curate

LIFT_LIMIT = (30, 600)  # lifts per member per 10 minutes


def can_lift(user: Any, topic: TopicPage | None = None) -> bool:
    """Moderators; Wagtail editors who may add a page under the topic (when known)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if can_curate(user):
        return True
    if not user.has_perm("wagtailadmin.access_admin") or topic is None:
        return False
    return topic.permissions_for_user(user).can_add_subpage()


def lift_answer(actor: Actor | Any, answer: Answer) -> ArticlePage:
    actor = as_actor(actor)
    user = actor.user
    if not getattr(user, "is_authenticated", False) or not (can_curate(user) or user.has_perm("wagtailadmin.access_admin")):
        raise PermissionRefused(_("Only moderators and editors can turn an answer into a help article."))
    retry = consume("moderation-lift", str(user.pk), limit=LIFT_LIMIT[0], period=LIFT_LIMIT[1])
    if retry:
        raise ModerationError(
            _("Please wait %(seconds)d seconds before turning another answer into an article.") % {"seconds": retry},
            retry_after=retry,
        )
    with transaction.atomic():
        answer = Answer.objects.select_for_update(of=("self",)).select_related("author__profile").filter(pk=answer.pk).first()
        if answer is None or not answer.is_published:
            raise ModerationError(_("Only a published answer can become a help article."))
        question = Question.objects.get(pk=answer.question_id)
        if question.status != "published" or question.merged_into_id is not None:
            raise ModerationError(_("Only an answer to a published question can become a help article."))
        if LiftedAnswer.objects.filter(answer_id=answer.pk).exists():
            raise ModerationError(_("This answer was already turned into a help article."))
        parent = _topic_for(question, None)
        if not can_lift(user, parent):
            raise PermissionRefused(_("You may not add help articles to the topic “%(topic)s”.") % {"topic": parent.title})
        page, revision = draft_article(user, question, answer, parent)
        lifted = record_lifted(user, question, answer, page)
        audit.record(
            user, "moderation.lift.answer", answer,
            before={"article": None},
            after={"article": page.pk, "title": page.title, "revision": revision.pk, "lifted": lifted.pk},
        )
    return page


def register() -> None:
    audit.define_action(
        "moderation.lift.answer",
        pgettext_lazy("audit log", "Turn answer into help article"),
        pgettext_lazy("audit log", "Turned into a draft help article"),
    )
    extensions.register_template_slot("community.post_tools", "lift_answer", "moderation/lift/post_tools.html", order=55)


__all__ = ["can_lift", "lift_answer", "register"]
