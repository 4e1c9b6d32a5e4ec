"""Search deflection for Insights (section "deflection", part b), from the server-side page views
(`portal.PageView`, taken lazily: the metrics are registered only when that model exists).

A visitor is the page-view log's daily visitor hash, which changes every UTC day: a visitor's "next 24 hours"
is therefore the rest of that UTC day. A search session = a visitor who opened the search page that day; it is
deflected when, after their first search, they opened an article or a question that has an accepted answer,
and afterwards opened neither the ask form nor a support-case page that day. Language: the search page's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.insights import kit, rollups

from .models import Question

ASK_PATHS = ("/community/ask/",)
CASE_PATHS = ("/support/",)


def page_view_model():
    try:
        return apps.get_model("portal", "PageView")
    except LookupError:
        return None


def _is_contact(path: str) -> bool:
    bare = path[3:] if path.startswith("/ja/") else path
    return bare.startswith(ASK_PATHS) or bare.startswith(CASE_PATHS)


def search_sessions(day: date) -> dict[tuple[str, str], bool]:
    """{(visitor, language of the first search): deflected} for `day`. Two queries."""
    model = page_view_model()
    if model is None:
        return {}
    contact = Q()
    for prefix in ("", "/ja"):
        for path in ASK_PATHS + CASE_PATHS:
            contact |= Q(path__startswith=prefix + path)
    rows = list(
        model.objects.filter(Q(kind__in=("search", "article", "question")) | contact, day=day)
        .order_by("visitor", "created_at", "pk").values_list("visitor", "kind", "object_id", "path", "created_at", "language")
    )
    question_ids = {object_id for _v, kind, object_id, _p, _c, _l in rows if kind == "question" and object_id}
    solved = set(
        Question.objects.filter(pk__in=question_ids, accepted_answer__isnull=False).values_list("pk", flat=True)
    ) if question_ids else set()
    by_visitor: dict[str, list] = defaultdict(list)
    for row in rows:
        by_visitor[row[0]].append(row)
    sessions: dict[tuple[str, str], bool] = {}
    for visitor, views in by_visitor.items():
        searched_at = next(((created, language) for _v, kind, _o, _p, created, language in views if kind == "search"), None)
        if searched_at is None:
            continue
        landed = contacted = False
        for _v, kind, object_id, path, created, _l in views:
            if created < searched_at[0]:
                continue
            if _is_contact(path):
                contacted = True
            elif kind == "article" or (kind == "question" and object_id in solved):
                landed = True
        sessions[(visitor, searched_at[1])] = landed and not contacted
    return sessions


def _sessions_on(day: date) -> dict[tuple[str, str], bool]:
    return rollups.shared(f"community.search_sessions:{day}", lambda: search_sessions(day))


def search_session_count(day: date):
    return kit.expand(((None, language, 1, 1) for (_v, language) in _sessions_on(day)), filters="language")


def search_deflected_count(day: date):
    return kit.expand(((None, language, 1, 1) for (_v, language), deflected in _sessions_on(day).items() if deflected),
                      filters="language")


def register() -> None:
    if page_view_model() is None:
        return
    kit.count_metric(
        "community.search_sessions", search_session_count, section="deflection", order=40, filters="language",
        label=_("Visitors who searched"),
        definition=_("Visitors (a daily anonymous hash) who opened the search page. The topic filter does not "
                     "apply."),
    )
    kit.count_metric(
        "community.search_deflected", search_deflected_count, section="deflection", order=50, filters="language",
        label=_("Search deflections"),
        definition=_("Visitors who searched, then opened an article or a solved question, and afterwards opened "
                     "neither the ask form nor a support-case page. The visitor hash changes every day, so "
                     "“within 24 hours” is the rest of that UTC day."),
    )
    kit.ratio_metric(
        "community.search_deflection_rate", "community.search_deflected", "community.search_sessions",
        section="deflection", order=60, filters="language", label=_("Search deflection rate"),
        definition=_("Search deflections ÷ visitors who searched × 100."),
    )
