"""/community/leaderboard/: the leaderboards (period, topic and measure as query parameters)."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.template.response import TemplateResponse
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from community.views.common import topics_for_language
from knowledge.models import TopicPage
from portal.params import get_str
from portal.prepared import Prepared

from .. import leaderboards

ROW = (
    '<tr{}><td class="num">{}</td><th scope="row"><a href="{}">{}</a>{}</th>'
    '<td><span class="rank rank--{}">{}{}</span></td><td class="num">{}</td></tr>'
)


def rows_html(board: leaderboards.Board) -> str:
    """The board's table rows, escaped by `format_html` (twenty rows in one call rather than a template loop of
    twenty times a dozen lookups: the page's largest cost)."""
    you = format_html(' <span class="small">({})</span>', _("you"))
    star = mark_safe('<span aria-hidden="true">★</span> ')  # noqa: S308 - a constant
    me_class = mark_safe(' class="leaderboard-me"')  # noqa: S308 - a constant
    mine = board.me.user.pk if board.me_in_top and board.me else None
    labels: dict[str, str] = {}

    def label(member) -> str:
        if member.rank not in labels:
            labels[member.rank] = member.get_rank_display()
        return labels[member.rank]

    return format_html_join("\n", ROW, (
        (
            me_class if entry.user.pk == mine else "", entry.position, entry.user.url,
            entry.user.name, you if entry.user.pk == mine else "", entry.user.rank,
            star if entry.user.rank == "superuser" else "", label(entry.user), number_format(entry.total),
        )
        for entry in board.entries
    ))


_TOPICS = Prepared(  # the topic menu in the reader's language, compiled once (`portal.prepared`)
    lambda language: topics_for_language(language).values_list("pk", "slug", "title", "translation_key"), language=str,
)


def leaderboard(request):
    period = get_str(request.GET, "period", leaderboards.DEFAULT_PERIOD, max_length=20)
    metric = get_str(request.GET, "by", leaderboards.DEFAULT_METRIC, max_length=20)
    topic_slug = get_str(request.GET, "topic", max_length=100)
    problems = []
    if period not in leaderboards.PERIODS:
        problems.append(_("Unknown period: showing this week."))
        period = leaderboards.DEFAULT_PERIOD
    if metric not in leaderboards.METRICS:
        problems.append(_("Unknown measure: showing reputation gained."))
        metric = leaderboards.DEFAULT_METRIC
    topics = [  # plain values for the menu (no page instances)
        SimpleNamespace(pk=pk, slug=slug, title=title, translation_key=key)
        for pk, slug, title, key in _TOPICS.rows(language=get_language() or "")
    ]
    topic = None
    topic_ids: tuple[int, ...] = ()
    if topic_slug:
        topic = next((item for item in topics if item.slug == topic_slug), None)
        if topic is None:  # a translation's slug: the topic in the reader's language
            other = TopicPage.objects.live().filter(slug=topic_slug).only("pk", "translation_key").first()
            topic = next((item for item in topics if other and item.translation_key == other.translation_key), None)
        if topic is None:
            problems.append(_("Unknown topic: showing every topic."))
        else:  # the board reads the row of the topic's root, which every translation of it shares
            topic_ids = (topic.pk,)
    for problem in problems:
        messages.info(request, problem)
    board = leaderboards.board(period, metric, topic_ids, request.user)
    context = {
        "board": board,
        "rows_html": rows_html(board),
        "period": period,
        "metric": metric,
        "topic": topic,
        "topics": topics,
        "periods": [(value, str(label)) for value, label in leaderboards.PERIODS.items()],
        "metrics": [(value, str(label)) for value, label in leaderboards.METRICS.items()],
        "period_label": leaderboards.PERIODS[period],
        "metric_label": leaderboards.METRICS[metric],
    }
    return TemplateResponse(request, "rewards/leaderboard.html", context)
