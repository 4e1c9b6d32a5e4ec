"""The question page, asking, editing and revision history."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import drafts, extensions, page_cache
from portal.insights import pageviews
from portal.page_cache import anonymous_cached
from portal.params import form_checks_nul, get_str
from portal.sanitize import render_markdown
from portal.seo import description

from .. import caching, permissions, services, view_counts
from ..forms import AnswerForm, CommentForm, EditAnswerForm, EditQuestionForm, QuestionForm
from ..models import Answer, Question
from ..pages import ANSWER_SORTS, load_question, question_json_ld, question_page, revision_history, viewer_state
from ..seo import question_breadcrumb_ld, question_canonical_path
from ..standing import restriction_for, standing
from .ask import suggestions
from .common import actor, get_or_404, topics_for_language

VIEWER_SECONDS = 60  # how long a member's view state (votes, follow, verified) is reused for one version


def question_detail(request, pk: int, slug: str = ""):
    sort = request.GET.get("sort", "votes")
    sort = sort if sort in ANSWER_SORTS else "votes"

    def build():
        question = load_question(pk, request.user)
        if question is None:
            raise Http404
        if question.merged_into_id is not None:
            return _merged_redirect(question, sort)
        if slug != question.slug:
            return _canonical_redirect(question.get_absolute_url(), sort)
        return render_question(request, question, sort)

    view_counts.count_view(pk)
    if request.user.is_authenticated:
        return _member_question(request, pk, slug, sort)
    return anonymous_cached(
        request, (caching.question_version(pk), get_language()), build, query_keys={"sort"}, max_query=20
    )


def _canonical_redirect(url: str, sort: str):
    return redirect(url + (f"?sort={sort}" if sort != "votes" else ""), permanent=True)


def _merged_url(question: Question) -> str:
    """The address of the question a merged one was merged into (one small query; merges are rare)."""
    original = Question.objects.filter(pk=question.merged_into_id).only("pk", "slug").first()
    return original.get_absolute_url() if original else question.get_absolute_url()


def _merged_redirect(question: Question, sort: str):
    """A question merged into another: its address (any slug) moves permanently to the original."""
    return _canonical_redirect(_merged_url(question), sort)


def _member_question(request, pk: int, slug: str, sort: str):
    """A member's question page. What the member sees of it (their votes, follow, whether they may post) is
    kept per question version for a minute, and the page itself per kind of viewer (see
    `pages.Viewer.cache_key`), so a repeat view costs a few cache reads and no page rendering. Both keys name
    the member's restrictions in force (a sanction: one query, asked anyway by every permission check), so
    a sanction imposed, lifted or ended changes what the member sees at once, with its reason."""
    user = request.user
    draft = drafts.peek(request, f"answer:{pk}")
    if draft is not None:  # the answer the member wrote while signed out: back in the form (the page rendered now;
        # kept for later while the form is not there: the thread locked, the member restricted...)
        question = load_question(pk, user)
        if question is None:
            raise Http404
        if question.merged_into_id is None and slug == question.slug and permissions.can_answer(user, question):
            drafts.drop(request, f"answer:{pk}")
            messages.info(request, _("Here is the answer you wrote before signing in. Check it and post it."))
            return render_question(request, question, sort, answer_form=AnswerForm(initial={"body": draft.get("body", "")}))
    version = caching.question_version(pk)
    restricted = standing(user).restriction_key
    viewer_key = f"community:viewer:{pk}:{version}:{user.pk}:{restricted}"
    viewer = cache.get(viewer_key)
    question = None
    if viewer is None:
        question = load_question(pk, user)
        if question is None:
            raise Http404
        viewer = viewer_state(question, user)
        cache.set(viewer_key, viewer, VIEWER_SECONDS)
    key = f"community:qpage:{pk}:{version}:{get_language()}:{sort}:{viewer.cache_key()}:{restricted}"
    entry = cache.get(key)
    if entry is None:
        question = question or load_question(pk, user)
        if question is None:
            raise Http404
        if question.merged_into_id is not None:
            entry = {"merged_url": _merged_url(question), "status": question.status, "author_id": question.author_id}
        else:
            entry = _render_main(request, question, sort, viewer)
        cache.set(key, entry, settings.PORTAL_PAGE_CACHE_SECONDS)
    if not permissions.status_visible(entry["status"], entry["author_id"], viewer_id=viewer.user_id, moderator=viewer.moderator):
        raise Http404
    if entry.get("merged_url"):
        return _canonical_redirect(entry["merged_url"], sort)
    if slug != entry["slug"]:
        return _canonical_redirect(entry["url"], sort)
    return _question_response(request, entry)


def _render_main(request, question: Question, sort: str, viewer, answer_form=None, comment=None) -> dict:
    context = question_page(question, request.user, sort, viewer)
    context.update(
        {
            "answer_form": answer_form or AnswerForm(),
            "comment_form": CommentForm(),
            "json_ld": question_json_ld(request, question, context["answers"]),
            "breadcrumb_ld": question_breadcrumb_ld(question),
            "view_count": question.view_count + view_counts.pending(question.pk),
            "restriction_notice": restriction_for(request.user, "post"),  # why the forms are missing
            **(comment or {}),
        }
    )
    html = render_to_string("community/includes/question_main.html", context, request=request)
    return {
        "html": page_cache.tokenless(html),
        "title": question.title,
        "description": description(question.body_html) or question.title,
        "url": question.get_absolute_url(),
        "canonical": question_canonical_path(question),
        "slug": question.slug,
        "status": question.status,
        "author_id": question.author_id,
        "noindex": not question.is_published,
        "pk": question.pk,
        "topic_id": question.topic_id or 0,
    }


def _question_response(request, entry: dict, status: int = 200):
    main_html = mark_safe(page_cache.with_token(request, entry["html"]))  # noqa: S308 - our own rendered template
    if entry.get("pk"):  # what Insights' page views record about this page
        pageviews.describe(request, "question", entry["pk"], entry["title"], entry.get("topic_id", 0))
    # higher apps' per-request panels under the cached page ("community.question_page": support cases)
    panels = extensions.slot_templates("community.question_page")
    return TemplateResponse(
        request, "community/question.html", {"head": entry, "main_html": main_html, "page_panel_templates": panels}, status=status
    )


def render_question(
    request, question: Question, sort: str = "votes", *, answer_form=None, comment_form=None,
    comment_target: tuple[str, int] | None = None, comment_error: str = "", status: int = 200,
):
    """The whole question page, rendered now (anonymous cache misses, and forms with errors). A refused
    comment comes back in the box of the post it was for (`comment_target`: kind and id), with its reason."""
    comment = {"comment_form": comment_form, "comment_kind": comment_target[0], "comment_pk": comment_target[1],
               "comment_error": comment_error} if comment_form is not None and comment_target else {}
    entry = _render_main(request, question, sort, viewer_state(question, request.user), answer_form, comment)
    return _question_response(request, entry, status)


@form_checks_nul("title", "body", "tags")
@require_http_methods(["GET", "POST"])
def ask(request):
    if not request.user.is_authenticated:
        # signed out (an expired session): what was typed waits in the session and is back in the form after sign-in
        return drafts.sign_in_keeping(
            request, "ask", request.get_full_path() if request.method == "GET" else request.path,
            _("Your question is kept: sign in and it will be back in the form, ready to post."),
        )
    topics = topics_for_language()
    if request.method == "POST":
        form = QuestionForm(request.POST, topics=topics)
        ask_token = request.POST.get("ask_token", "")[:40]
        if "preview" not in request.POST and form.is_valid():
            data = form.cleaned_data
            try:
                question = services.ask_question(
                    actor(request), title=data["title"], body=data["body"], tags=data["tags"], topic=data["topic"],
                    language=data["language"], ask_token=ask_token,
                )
            except services.CommunityError as error:
                if _same_question(error, data["title"]):  # sent twice (a double click): the member lands on the first
                    messages.info(request, _("You had already posted this question: here it is."))
                    return redirect(error.existing.get_absolute_url())
                form.add_error(error.field if error.field in form.fields else None, error.message)
                return _ask_page(request, form, ask_token, status=error.status)
            return redirect(question.get_absolute_url())
        return _ask_page(request, form, ask_token, preview="preview" in request.POST)
    topic = topics.filter(slug=get_str(request.GET, "topic", max_length=100)).first()
    initial = {"title": get_str(request.GET, "title", max_length=150), "language": get_language(), "topic": topic}
    draft = drafts.peek(request, "ask")
    if draft is not None:  # the question the member wrote while signed out
        drafts.drop(request, "ask")
        initial.update({name: draft[name] for name in ("title", "body", "tags") if draft.get(name)})
        if draft.get("language") in dict(settings.LANGUAGES):
            initial["language"] = draft["language"]
        if draft.get("topic", "").isdigit():  # still one of the topics offered, or the one the address names
            initial["topic"] = topics.filter(pk=int(draft["topic"])).first() or topic
        messages.info(request, _("Here is the question you wrote before signing in. Check it and post it."))
    return _ask_page(request, QuestionForm(initial=initial, topics=topics), secrets.token_urlsafe(16))


def _same_question(error, title: str) -> bool:
    """Whether `error` refused the same question sent again (same text and title: a double click's second
    request), not a new question that repeats an earlier one's text (that one comes back with the reason)."""
    if not isinstance(error, services.DuplicatePost):
        return False
    words = lambda text: " ".join(text.split()).casefold()  # noqa: E731
    return words(error.existing.title) == words(title)


def _ask_page(request, form, ask_token: str, *, preview: bool = False, status: int = 200):
    context = {
        "form": form,
        "ask_token": ask_token,
        "can_post": permissions.can_post(request.user),
        "can_create_tag": permissions.can_create_tag(request.user),
        "restriction_notice": restriction_for(request.user, "post"),
    }
    if form.is_bound:  # the text kept (a preview, or errors): its preview shown again, not empty until the asker types
        context["preview_html"] = render_markdown(request.POST.get("body", "")[:30_000])
    if preview:
        context.update(suggestions(request.POST.get("title", ""), ask_token))
    return TemplateResponse(request, "community/ask.html", context, status=status)


@form_checks_nul("title", "body", "tags", "summary")
@login_required
@require_http_methods(["GET", "POST"])
def edit_question(request, pk: int):
    question = load_question(pk, request.user)
    if question is None:
        raise Http404
    retag_only = not permissions.can_edit(request.user, question)
    if retag_only and not permissions.can_retag(request.user, question):
        return _refused(request, "edit")
    topics = topics_for_language(question.language)
    if request.method == "POST":
        form = _retag_only(EditQuestionForm(request.POST, topics=topics, initial=_question_initial(question, topics)),
                           retag_only)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if retag_only:  # the "retag" privilege: only the tags change (the service checks it too)
                    services.retag_question(actor(request), question, tags=data["tags"], summary=data["summary"])
                else:
                    services.edit_question(
                        actor(request), question, title=data["title"], body=data["body"], tags=data["tags"],
                        topic=data["topic"], summary=data["summary"],
                    )
            except services.CommunityError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect(question.get_absolute_url())
    else:
        form = _retag_only(EditQuestionForm(initial=_question_initial(question, topics), topics=topics), retag_only)
    return TemplateResponse(request, "community/edit.html", {"form": form, "question": question, "post": question})


def _question_initial(question, topics) -> dict:
    return {
        "title": question.title, "body": question.body, "tags": ", ".join(sorted(question.tags.names())),
        "topic": topics.filter(translation_key=question.topic.translation_key).first() if question.topic else None,
    }


def _retag_only(form, retag_only: bool):
    """A member who may only retag sees the title, body and topic read only (disabled: posted values ignored)."""
    if retag_only:
        for name in ("title", "body", "topic"):
            if name in form.fields:
                form.fields[name].disabled = True
    return form


@form_checks_nul("body", "summary")
@login_required
@require_http_methods(["GET", "POST"])
def edit_answer(request, pk: int):
    answer = get_or_404(Answer.objects.visible_to(request.user).select_related("question"), pk=pk)
    if load_question(answer.question_id, request.user) is None:  # the page and its redirect name the question
        raise Http404
    if not permissions.can_edit(request.user, answer):
        return _refused(request, "edit")
    if request.method == "POST":
        form = EditAnswerForm(request.POST)
        if form.is_valid():
            try:
                services.edit_answer(actor(request), answer, body=form.cleaned_data["body"], summary=form.cleaned_data["summary"])
            except services.CommunityError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect(answer.get_absolute_url())
    else:
        form = EditAnswerForm(initial={"body": answer.body})
    return TemplateResponse(request, "community/edit.html", {"form": form, "question": answer.question, "post": answer})


def _refused(request, action: str):
    """403: with the reason when a restriction (a sanction) bars the member from `action`."""
    restriction = restriction_for(request.user, action)
    if restriction is None:
        raise PermissionDenied
    return TemplateResponse(request, "403.html", {"restriction": restriction}, status=403)


def revisions(request, kind: str, pk: int):
    if kind == "q":
        post = load_question(pk, request.user)
        question = post
    else:
        post = Answer.objects.select_related("question").filter(pk=pk).first()
        question = post.question if post else None
    if post is None or question is None or not permissions.can_view_question(request.user, question):
        raise Http404
    if not permissions.can_view_revisions(request.user, post):
        raise Http404
    context = {"post": post, "question": question, "history": revision_history(post), "is_answer": kind == "a"}
    context["page_title"] = _("Edit history")
    return TemplateResponse(request, "community/revisions.html", context)
