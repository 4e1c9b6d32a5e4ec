"""The badges pages: every badge with its level and how many members hold it, and one badge's recent holders."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.template.response import TemplateResponse

from .. import badges

HOLDERS_PER_PAGE = 30


def badge_list(request):
    viewer_id = request.user.pk if request.user.is_authenticated else None
    return TemplateResponse(request, "rewards/badges.html", {"badges": badges.all_badges(viewer_id)})


def badge_detail(request, code: str):
    badge = badges.RULES.get(code)
    if badge is None:
        raise Http404("no such badge")
    page = Paginator(badges.recent_holders(code), HOLDERS_PER_PAGE).get_page(request.GET.get("page"))
    awards = list(page.object_list)
    questions = {}
    question_ids = [a.post_id for a in awards if a.post_kind == "question" and a.post_id]
    if question_ids:  # question-keyed badges link their question (one query per page; only published ones)
        from community.models import Question

        questions = Question.objects.filter(pk__in=question_ids, status="published").in_bulk()
    rows = [{"award": a, "question": questions.get(a.post_id) if a.post_kind == "question" else None} for a in awards]
    return TemplateResponse(
        request, "rewards/badge.html",
        {"badge": badges.badge_dict(badge), "rows": rows, "page_obj": page, "repeats": badge.repeats},
    )
