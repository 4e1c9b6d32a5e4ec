"""Moderators' curation tools on the public site: the "Curate" disclosure in each post's tool row posts here,
and the curation page of a question (every tool, the suggested originals of a duplicate, the topic list).

Views call the services (`community.services` curation, `moderation.curation.convert_to_article`); they never
save a domain object. A refusal comes back as a message on the page it came from.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community import services
from community.forms import ModeratorReasonForm
from community.models import Answer, Question
from community.pages import load_question
from community.views.common import actor, topics_for_language
from knowledge.models import TopicPage
from portal.params import safe_next_url

from ..curation import convert_to_article, suggest_originals
from ..errors import ModerationError
from ..permissions import can_curate

QUESTION_PATH = re.compile(r"/q/(\d{1,12})(?:/|$|\?|#)", re.ASCII)
QUESTION_NUMBER = re.compile(r"#?(\d{1,12})", re.ASCII)
TOPIC_ID = re.compile(r"\d{1,11}", re.ASCII)

ANSWER_ACTIONS = {"recommend": services.recommend_answer, "unrecommend": services.unrecommend_answer}
QUESTION_ACTIONS = {
    "feature": services.feature_question,
    "unfeature": services.unfeature_question,
    "pin": services.pin_question,
    "unpin": services.unpin_question,
    "lock": services.lock_thread,
    "unlock": services.unlock_thread,
    "reopen": services.reopen_question,
}


def _done_message(action: str) -> str:
    return {
        "recommend": _("The answer is now recommended by moderators."),
        "unrecommend": _("The answer is no longer recommended."),
        "feature": _("The question is featured on its topic page."),
        "unfeature": _("The question is no longer featured."),
        "pin": _("The question is pinned to the top of its topic."),
        "unpin": _("The question is no longer pinned."),
        "lock": _("The question is locked."),
        "unlock": _("The question is unlocked."),
        "reopen": _("The question is open again."),
        "close_duplicate": _("The question is closed as a duplicate."),
        "merge": _("The questions are merged: the answers moved to the original."),
        "move": _("The question moved to another topic."),
        "to_article": _("A draft help article was created and sent for approval."),
    }[action]


def _require_moderator(request) -> None:
    if not can_curate(request.user):
        raise PermissionDenied


def parse_question_number(text: str) -> int | None:
    """A question's number, or its address (…/q/123/slug/)."""
    text = (text or "").strip()
    match = QUESTION_NUMBER.fullmatch(text) or QUESTION_PATH.search(text)
    return int(match.group(1)) if match else None


def _original(request) -> Question:
    number = parse_question_number(request.POST.get("original_other", "") or request.POST.get("original", ""))
    original = Question.objects.filter(pk=number).first() if number else None
    if original is None:
        raise ModerationError(_("Please give the number or the address of the original question."), field="original")
    return original


def _topic(request) -> TopicPage | None:
    topic_id = request.POST.get("topic", "")
    return TopicPage.objects.live().filter(pk=int(topic_id)).first() if TOPIC_ID.fullmatch(topic_id) else None


def _reason(request) -> str:
    form = ModeratorReasonForm(request.POST)
    if not form.is_valid():
        raise ModerationError(" ".join(form.errors["reason"]), field="reason")
    return form.cleaned_data["reason"]


@login_required
@require_http_methods(["GET", "POST"])
def curate(request, kind: str, pk: int):
    """GET (questions): the curation page. POST: one action (`action` in the form) on a question ("q") or an
    answer ("a")."""
    _require_moderator(request)
    if request.method == "GET":
        if kind != "q":
            raise Http404
        return curate_question(request, pk)
    action = request.POST.get("action", "")
    if kind not in ("q", "a"):
        raise Http404
    if kind == "a":
        answer = Answer.objects.select_related("question").filter(pk=pk).first()
        if answer is None or action not in ANSWER_ACTIONS:
            raise Http404
        question, post = answer.question, answer
    else:
        question = load_question(pk, request.user)
        if question is None:
            raise Http404
        post = question
    back = safe_next_url(request, request.POST.get("next", ""), question.get_absolute_url())
    try:
        reason = _reason(request)
        target = question
        if kind == "a":
            ANSWER_ACTIONS[action](actor(request), post, reason=reason)
            back = safe_next_url(request, request.POST.get("next", ""), f"{question.get_absolute_url()}#answer-{post.pk}")
        elif action in QUESTION_ACTIONS:
            QUESTION_ACTIONS[action](actor(request), question, reason=reason)
        elif action == "close_duplicate":
            services.close_as_duplicate(actor(request), question, _original(request), reason=reason)
        elif action == "merge":
            target = services.merge_questions(actor(request), question, _original(request), reason=reason)
            back = target.get_absolute_url()
        elif action == "move":
            services.move_question(actor(request), question, _topic(request), reason=reason)
        elif action == "to_article":
            convert_to_article(actor(request), question, topic=_topic(request))
        else:
            raise Http404
    except services.CommunityError as error:
        messages.error(request, error.message)
        response = redirect(back)
        if error.retry_after:
            response["Retry-After"] = str(error.retry_after)
        return response
    messages.success(request, _done_message(action))
    return redirect(back)


def curate_question(request, pk: int):
    """Every curation tool for one question, with suggested originals and the topics to move it to."""
    question = load_question(pk, request.user)
    if question is None:
        raise Http404
    context = {
        "question": question,
        "suggestions": suggest_originals(question),
        "topics": list(topics_for_language(question.language).only("pk", "title", "translation_key")),
        "next": request.get_full_path(),
        "page_title": _("Curate: %(title)s") % {"title": question.title},
    }
    return TemplateResponse(request, "moderation/curate/question.html", context)
