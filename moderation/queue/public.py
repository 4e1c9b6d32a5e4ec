"""The moderation queue, read only, for members with the "view_queue" privilege
(`/community/moderation/queue/`, `moderation_queue_public`).

What it shows: the open items in the moderators' order (priority, then age), each with its kind, why it is
there (flag reasons with counts, held by a rule, appealed), when it entered the queue, and — only for a post
the member could read anyway (published in a published thread) — an excerpt and a link. Nothing about
flaggers or the author's record, no actions. A fixed number of queries per page (items, the page's answers
and comments, the flag counts).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.functions import Substr
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from community import permissions
from community.models import Answer, Comment
from community.status import PostStatus

from .query import EXCERPT_CHARS, _plain, flag_reasons, items

PAGE_SIZE = 25


def _public_posts(page: list) -> dict[int, tuple[str, str]]:
    """item pk -> (excerpt, url) for the posts anyone may read; the others are left out."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for item in page:
        if item.post_kind != "question":
            wanted[item.post_kind].append(item.post_id)
    rows: dict[tuple[str, int], str] = {}
    for kind, model in (("answer", Answer), ("comment", Comment)):
        if wanted[kind]:
            found = model.objects.filter(pk__in=wanted[kind], status=PostStatus.PUBLISHED).annotate(
                start=Substr("body", 1, EXCERPT_CHARS * 2))
            rows.update(((kind, pk), text) for pk, text in found.values_list("pk", "start"))
    result = {}
    for item in page:
        question = item.question
        if question is None or question.status != PostStatus.PUBLISHED or question.merged_into_id is not None:
            continue
        if item.post_kind == "question":
            result[item.pk] = (_plain(f"{question.title} — {question.body[:EXCERPT_CHARS * 2]}"), question.get_absolute_url())
        elif (item.post_kind, item.post_id) in rows:
            result[item.pk] = (_plain(rows[(item.post_kind, item.post_id)]), question.get_absolute_url())
    return result


@require_GET
def queue(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_view_queue(request.user):
        raise PermissionDenied(_("Seeing the moderation queue is a privilege members earn with reputation."))
    paginator = Paginator(items(), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    entries = list(page.object_list)
    public = _public_posts(entries)
    reasons = flag_reasons(entries)
    rows = [
        {"item": item, "reasons": reasons[item.pk], "excerpt": public.get(item.pk, ("", ""))[0],
         "url": public.get(item.pk, ("", ""))[1]}
        for item in entries
    ]
    return render(request, "moderation/queue/public.html", {"rows": rows, "page_obj": page, "total": paginator.count})
