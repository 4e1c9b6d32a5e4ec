from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from wagtail.models import Locale

from portal.params import form_checks_nul
from portal.ratelimit import client_ip, consume

from .forms import HelpfulForm
from .models import ArticlePage
from .services import KnowledgeError, Visitor, record_helpful_vote

VOTE_LIMIT = (20, 60)  # votes per visitor and per IP per minute


@form_checks_nul("comment")  # HelpfulForm refuses it; the form comes back with the comment
@require_POST
def helpful_vote(request, page_id: int):
    article = get_object_or_404(ArticlePage.objects.live().public().defer_streamfields(), pk=page_id)
    form = HelpfulForm(request.POST)
    status = 200
    error = ""
    visitor = Visitor.from_request(request)
    identity = f"user:{visitor.user_id}" if visitor.user_id else f"session:{visitor.session_key}"
    retry = max(
        consume("helpful-ip", client_ip(request), limit=VOTE_LIMIT[0] * 3, period=VOTE_LIMIT[1]),
        consume("helpful-visitor", identity, limit=VOTE_LIMIT[0], period=VOTE_LIMIT[1]),
    )
    vote = None
    if retry:
        error = ngettext("Too many votes. Please try again in %(seconds)d second.", "Too many votes. Please try again in %(seconds)d seconds.", retry) % {"seconds": retry}
        status = 429
    elif not form.is_valid():
        error = " ".join(message for errors in form.errors.values() for message in errors)
        status = 400
    else:
        try:
            vote = record_helpful_vote(
                article, visitor, helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
            )
        except KnowledgeError as exc:
            error, status = str(exc), 400
    if request.htmx:
        return TemplateResponse(
            request,
            "knowledge/includes/helpful.html",
            {"page": article, "my_vote": vote, "helpful_error": error, "helpful_form": form},
            status=status,
        )
    if error:  # without JavaScript: show the message and the form again, with what they typed
        return TemplateResponse(
            request,
            "knowledge/helpful_error.html",
            {"page": article, "helpful_error": error, "helpful_form": form},
            status=status,
        )
    if vote.helpful:
        messages.success(request, _("Thanks for your feedback!"))
    else:
        messages.success(request, _("Thanks — your feedback helps us improve this article."))
    return redirect(article.url + "#helpful")


def article_by_slug(request, slug: str):
    """Short, stable links to an article (/help/<slug>/) whatever topic it lives under."""
    locale = Locale.get_active()
    article = ArticlePage.objects.live().public().filter(slug=slug, locale=locale).first()
    if article is None:
        article = ArticlePage.objects.live().public().filter(slug=slug).first()
        # Another language's slug ("/ja/help/hub-is-offline/"): its translation in the reader's, when one is live.
        translated = article and article.get_translations().live().public().filter(locale=locale).specific().first()
        article = translated or article
    if article is None:
        raise Http404
    return redirect(article.url, permanent=False)
