"""POST endpoints for actions on posts. Each works as a plain form POST (redirect back to the question,
with a message) and, with htmx, answers with the fragment to swap in place."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import drafts
from portal.params import form_checks_nul, safe_next_url

from .. import permissions, services
from ..forms import AnswerForm, CommentForm, ModeratorReasonForm, VoteForm
from ..models import Answer, Comment, Question
from ..pages import load_question, question_page, vote_view
from .common import actor, error_response, get_or_404
from .questions import render_question


def _signed_in(view):
    """Anonymous visitors are sent to sign in (htmx: told so with a 403 fragment)."""

    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.htmx:
                return error_response(
                    request, services.PermissionRefused(_("Please sign in first.")), fallback_url="/"
                )
            back = safe_next_url(request, request.POST.get("next") or request.META.get("HTTP_REFERER", ""), "/community/")
            return redirect_to_login(back)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def _question(request, pk: int) -> Question:
    question = load_question(pk, request.user)
    if question is None:
        from django.http import Http404

        raise Http404
    return question


def _post(request, kind: str, pk: int):
    if kind == "q":
        return _question(request, pk)
    answer = get_or_404(Answer.objects.visible_to(request.user).select_related("question"), pk=pk)
    _question(request, answer.question_id)  # the question is visible to this member too
    return answer


def _question_url(post) -> str:
    if isinstance(post, Answer):
        return post.question.get_absolute_url() + f"#answer-{post.pk}"
    return post.get_absolute_url()


def _fragment(request, question: Question, template: str, extra=None, status: int = 200):
    """Re-read the question's page data and render one part of it."""
    question = load_question(question.pk, request.user)
    context = question_page(question, request.user, request.GET.get("sort", "votes"))
    context.update({"comment_form": CommentForm(), **(extra or {})})
    return TemplateResponse(request, template, context, status=status)


def _with_retry(response, error):
    if error is not None and error.retry_after:
        response["Retry-After"] = str(error.retry_after)
    return response


def _post_view(context, kind, pk):
    if kind == "q":
        return context["question_view"]
    return next(view for view in context["answers"] if view.post.pk == pk)


@require_POST
@_signed_in
def vote(request, kind: str, pk: int):
    post = _post(request, kind, pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        error = services.CommunityError(_("A vote is up, down or removed."))
    else:
        try:
            post.score = services.vote(actor(request), post, form.cleaned_data["value"])
            error = None
        except services.CommunityError as exc:
            error = exc
    if request.htmx:
        # Only the vote widget is swapped: the post's new score and the member's vote, no page rebuild.
        view = vote_view(post, request.user, None if error else form.cleaned_data["value"])
        return _with_retry(TemplateResponse(
            request, "community/includes/vote.html",
            {"view": view, "kind": kind, "error": error.message if error else ""},
            status=error.status if error else 200,
        ), error)
    if error:
        return error_response(request, error, fallback_url=_question_url(post))
    return redirect(_question_url(post))


@require_POST
@_signed_in
def accept(request, pk: int):
    answer = _post(request, "a", pk)
    unaccept = request.POST.get("action") == "unaccept"
    try:
        if unaccept:
            services.unaccept_answer(actor(request), answer.question)
        else:
            services.accept_answer(actor(request), answer)
    except services.CommunityError as error:
        if request.htmx:
            return _with_retry(_fragment(
                request, answer.question, "community/includes/answers.html",
                {"error": error.message, "status_oob": True}, error.status,
            ), error)
        return error_response(request, error, fallback_url=_question_url(answer))
    if request.htmx:  # the answers, and the question's "Solved" badge out of band
        return _fragment(request, answer.question, "community/includes/answers.html", {"status_oob": True})
    messages.success(request, _("Answer unmarked.") if unaccept else _("Answer accepted. Thanks for closing the loop!"))
    return redirect(_question_url(answer))


ORIGINAL = re.compile(r"^(?:\d{1,18}|.*?/q/(\d{1,18})(?:/.*)?)$")


@require_POST
@_signed_in
def close_vote(request, pk: int):
    """Vote to close the question as a duplicate of another ("close_duplicate" privilege): the original as its
    number or its link."""
    question = _question(request, pk)
    value = request.POST.get("original", "").strip()[:300]
    match = ORIGINAL.match(value)
    original_pk = int(match.group(1) or value) if match else None
    original = Question.objects.filter(pk=original_pk).first() if original_pk else None
    try:
        if original is None:
            raise services.CommunityError(_("Give the original question as its number or its link."), field="original")
        question, votes = services.vote_to_close(actor(request), question, original)
    except services.CommunityError as error:
        return error_response(request, error, fallback_url=_question_url(question))
    if question.duplicate_of_id is not None:
        messages.success(request, _("The question is now closed as a duplicate."))
    else:
        messages.success(request, _("Your vote to close is counted (%(votes)s of %(needed)s).") % {
            "votes": votes, "needed": services.CLOSE_VOTES_NEEDED})
    return redirect(_question_url(question))


@require_POST
@_signed_in
def follow(request, pk: int):
    question = _question(request, pk)
    on = request.POST.get("action", "follow")
    try:
        if on == "follow":
            services.follow_question(actor(request), question)
        elif on == "unfollow":
            services.unfollow_question(actor(request), question)
        elif on == "me-too":
            services.set_me_too(actor(request), question, True)
        elif on == "not-me-too":
            services.set_me_too(actor(request), question, False)
        error = None
    except services.CommunityError as exc:
        error = exc
    if request.htmx:
        return _with_retry(_fragment(
            request, question, "community/includes/question_actions.html",
            {"error": error.message if error else ""}, error.status if error else 200,
        ), error)
    if error:
        return error_response(request, error, fallback_url=_question_url(question))
    return redirect(_question_url(question))


def _twin_of(error, parent) -> bool:
    """Whether `error` refused the member's same text sent again to the same question or answer (the second
    request of a double click) rather than the same text on another thread."""
    if not isinstance(error, services.DuplicatePost):
        return False
    existing = error.existing
    if isinstance(parent, Answer):
        return getattr(existing, "answer_id", None) == parent.pk
    if isinstance(existing, Answer):
        return existing.question_id == parent.pk
    return getattr(existing, "question_id", None) == parent.pk and getattr(existing, "answer_id", None) is None


@form_checks_nul("body")
@require_POST
@_signed_in
def comment(request, kind: str, pk: int):
    post = _post(request, kind, pk)
    form = CommentForm(request.POST)
    question = post.question if isinstance(post, Answer) else post
    error = None
    if form.is_valid():
        try:
            services.post_comment(actor(request), post, body=form.cleaned_data["body"])
            form = CommentForm()
        except services.CommunityError as exc:
            if _twin_of(exc, post):  # sent twice (a double click): the first one is there, shown as posted
                form = CommentForm()
            else:
                error = exc
    else:
        error = services.CommunityError(" ".join(form.errors.get("body", [])) or _("Please write a comment."))
    if request.htmx:
        context = question_page(load_question(question.pk, request.user), request.user)
        view = _post_view(context, kind, pk)
        return _with_retry(TemplateResponse(
            request, "community/includes/comments.html",
            {"view": view, "kind": kind, "comment_form": form, "comment_kind": kind, "comment_pk": post.pk,
             "error": error.message if error else "", "comment_open": bool(error)},
            status=error.status if error else 200,
        ), error)
    if error:
        # Without JavaScript: the question page again, the comment box open with the text and the reason
        # (a redirect would lose what the member typed).
        response = render_question(
            request, question, comment_form=form, comment_target=(kind, post.pk), comment_error=error.message,
            status=error.status,
        )
        return _with_retry(response, error)
    return redirect(_question_url(post) if kind == "a" else question.get_absolute_url() + "#question-comments")


@form_checks_nul("body")
@require_http_methods(["GET", "POST"])
def answer(request, pk: int):
    """POST posts an answer. A failed one is shown at this address (the question page with the errors and the
    text), so GET here — a reload, a bookmark, the language switcher — goes to the question's answer form."""
    if request.method != "POST":
        return redirect(_question(request, pk).get_absolute_url() + "#your-answer-heading")
    if not request.user.is_authenticated and not request.htmx:
        # signed out (an expired session): the text waits in the session and is back in the form after sign-in
        question = _question(request, pk)
        return drafts.sign_in_keeping(
            request, f"answer:{question.pk}", question.get_absolute_url() + "#your-answer-heading",
            _("Your answer is kept: sign in and it will be back in the form, ready to post."),
        )
    return _post_answer(request, pk)


@_signed_in
def _post_answer(request, pk: int):
    question = _question(request, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            new = services.post_answer(actor(request), question, body=form.cleaned_data["body"])
        except services.CommunityError as error:
            if _twin_of(error, question):  # sent twice (a double click): the member lands on the first
                messages.info(request, _("You had already posted this answer: here it is."))
                return redirect(question.get_absolute_url() + f"#answer-{error.existing.pk}")
            form.add_error("body", error.message)
            response = render_question(request, question, answer_form=form, status=error.status)
            if error.retry_after:
                response["Retry-After"] = str(error.retry_after)
            return response
        messages.success(request, _("Thanks! Your answer is posted."))
        return redirect(question.get_absolute_url() + f"#answer-{new.pk}")
    return render_question(request, question, answer_form=form, status=400)


def _moderator_reason(request) -> str:
    """The optional reason a moderator gave (kept in the audit log); members give none."""
    if not permissions.is_moderator(request.user):
        return ""
    form = ModeratorReasonForm(request.POST)
    if not form.is_valid():
        raise services.CommunityError(" ".join(form.errors["reason"]), field="reason")
    return form.cleaned_data["reason"]


@require_POST
@_signed_in
def delete(request, kind: str, pk: int):
    if kind == "c":
        # Only a comment the member can see, on a question they can see: the redirect names the question.
        target = get_or_404(Comment.objects.visible_to(request.user).select_related("question"), pk=pk)
        fallback = _question(request, target.question_id).get_absolute_url()
        action = services.delete_comment
    else:
        target = _post(request, kind, pk)
        fallback = _question_url(target)
        action = services.restore_post if request.POST.get("action") == "restore" else services.delete_post
    try:
        if kind == "c":
            action(actor(request), target)
        else:
            action(actor(request), target, reason=_moderator_reason(request))
    except services.CommunityError as error:
        return error_response(request, error, fallback_url=fallback)
    if action is services.restore_post:
        messages.success(request, _("Restored."))
    else:
        messages.success(request, _("Deleted. Moderators can still restore it."))
    if kind == "q" and action is services.delete_post:
        return redirect("community_index")
    return redirect(fallback)
