"""A member's reputation over the last 90 days, as numbers for a server-rendered SVG line chart and its table
alternative (one query over the leaderboard rollup: the member's daily gains, every topic)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import dateformat
from django.utils.formats import get_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from portal.prepared import Prepared

from . import rollup
from .ledger import day_start
from .models import LeaderboardDay

DAYS = 90
WIDTH, HEIGHT = 600, 180
LEFT, RIGHT, TOP, BOTTOM = 58, 12, 12, 28  # margins for the axis labels (phones draw them larger: rewards.css)


@dataclass
class Graph:
    start: date
    end: date
    values: list[int]  # reputation at the end of each day, oldest first
    changes: list[tuple[date, int, int]] = field(default_factory=list)  # (day, change, reputation after it)
    low: int = 0
    high: int = 0
    points: str = ""  # the polyline, in SVG coordinates
    markers: list[tuple[float, float]] = field(default_factory=list)  # a dot on each day that changed
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom_y: int = HEIGHT - BOTTOM
    right_x: int = WIDTH - RIGHT
    top_y: int = TOP

    @property
    def axis_high(self) -> int:
        """The top of the y axis: the highest value, or one above the lowest when the line is flat (a new member's
        0 all along is a line along the bottom, under "1", not along the top between "0" and "0")."""
        return self.high if self.high > self.low else self.low + 1

    @property
    def gained(self) -> int:
        return sum(change for _day, change, _after in self.changes)

    @property
    def markers_svg(self) -> str:
        """The dots as SVG markup, built here from numbers only (one template variable instead of one loop
        of a hundred lookups and localisations per profile view)."""
        return mark_safe("".join(f'<circle cx="{x}" cy="{y}" r="3" class="rep-dot"/>' for x, y in self.markers))  # noqa: S308 - floats only

    @property
    def svg(self) -> str:
        """The chart: axes, the low/high and first/last day labels, the line and a dot on each day that changed.
        Built here (numbers, dates and two translated sentences, escaped) rather than in the template: a
        profile's largest single piece of markup, with thirty lookups a template would resolve one by one."""
        desc = ngettext(
            "Reputation ranged from %(low)s to %(high)s and is %(now)s today, changing on %(counter)s day.",
            "Reputation ranged from %(low)s to %(high)s and is %(now)s today, changing on %(counter)s days.",
            len(self.changes),
        ) % {"low": self.low, "high": self.high, "now": self.values[-1] if self.values else 0, "counter": len(self.changes)}
        short, language = get_format("SHORT_DATE_FORMAT"), get_language()
        left, top, right, bottom = self.left, self.top_y, self.right_x, self.bottom_y
        return format_html(
            '<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="rep-graph-title rep-graph-desc" class="rep-graph-svg" '
            'focusable="false"><title id="rep-graph-title">{title}</title><desc id="rep-graph-desc">{desc}</desc>'
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="rep-axis"/><line x1="{l}" y1="{t}" x2="{l}" y2="{b}" class="rep-axis"/>'
            '<text x="{lx}" y="{ty}" text-anchor="end" class="rep-label">{high}</text>'
            '<text x="{lx}" y="{b}" text-anchor="end" class="rep-label">{low}</text>'
            '<text x="{l}" y="{dy}" class="rep-label">{first}</text>'
            '<text x="{r}" y="{dy}" text-anchor="end" class="rep-label">{last}</text>'
            '<polyline points="{points}" class="rep-line" fill="none"/>{markers}</svg>',
            w=self.width, h=self.height, title=_("Reputation over the last 90 days"), desc=desc, l=left, b=bottom, r=right,
            t=top, lx=left - 6, ty=top + 4, high=self.axis_high, low=self.low, dy=self.height - 6,
            first=_date_text(self.start, language, short), last=_date_text(self.end, language, short), points=self.points,
            markers=self.markers_svg,
        )

    @property
    def caption(self) -> str:
        """The figure's caption, with the window's first and last days in the reader's language."""
        day_format, language = get_format("DATE_FORMAT"), get_language()
        return _("Reputation over the last 90 days (%(start)s – %(end)s)") % {
            "start": _date_text(self.start, language, day_format), "end": _date_text(self.end, language, day_format),
        }

    @property
    def table_rows(self) -> str:
        """The table alternative's rows, newest first, with dates in the reader's language."""
        day_format, language = get_format("DATE_FORMAT"), get_language()  # looked up once, not per row
        return mark_safe("".join(  # noqa: S308 - the date cell is escaped, the rest are numbers
            f'<tr>{_day_cell(day, language, day_format)}<td class="num">{change:+d}</td>'
            f'<td class="num">{number_format(after)}</td></tr>'
            for day, change, after in reversed(self.changes)
        ))


@functools.lru_cache(maxsize=1024)
def _date_text(day: date, language: str, day_format: str) -> str:
    """A day in a format of the reader's language. Memoised (a pure function of its arguments): every profile
    shows the same first and last days."""
    return dateformat.format(day, day_format)


@functools.lru_cache(maxsize=4096)
def _day_cell(day: date, language: str, day_format: str) -> str:
    """A table row's date cell, escaped. Memoised (a pure function of its arguments): every profile shows days
    of the same last 90, and formatting a localised date is most of a row's cost."""
    return f'<th scope="row"><time datetime="{day.isoformat()}">{escape(_date_text(day, language, day_format))}</time></th>'


# The member's daily gains (the rollup's day rows, every topic): one row per day, compiled once (`portal.prepared`).
_DAILY = Prepared(
    lambda user, start, end: LeaderboardDay.objects.filter(
        user_id=user, span=rollup.DAY, topic_id=0, day__gte=start, day__lte=end,
    ).values_list("day", "reputation"),
    user=int, start=date, end=date,
)


@functools.lru_cache(maxsize=8)
def _window(start: date, days: int) -> tuple[tuple[date, ...], tuple[float, ...]]:
    """The window's days and their x coordinates (the same for every profile on a given day)."""
    step = (WIDTH - LEFT - RIGHT) / max(days - 1, 1)
    return (
        tuple(start + timedelta(days=offset) for offset in range(days)),
        tuple(round(LEFT + step * offset, 1) for offset in range(days)),
    )


def reputation_graph(user_id: int, reputation: int, now: datetime | None = None, days: int = DAYS) -> Graph:
    end = day_start(now).date()
    start = end - timedelta(days=days - 1)
    daily = dict(_DAILY.rows(user=user_id, start=start, end=end))
    running = reputation - sum(daily.values())  # reputation before the window
    window, xs = _window(start, days)
    values, changes = [], []
    for day in window:
        change = daily.get(day, 0)
        running += change
        values.append(running)
        if change:
            changes.append((day, change, running))
    graph = Graph(start=start, end=end, values=values, changes=changes)
    graph.low, graph.high = min(values + [0]), max(values + [0])
    scale = (HEIGHT - TOP - BOTTOM) / (graph.axis_high - graph.low)
    ys = [round(TOP + scale * (graph.axis_high - value), 1) for value in values]
    # The line needs only the days where its slope changes (x steps are even): the same drawing, a shorter path.
    kept = [0, *(i for i in range(1, days - 1) if values[i] - values[i - 1] != values[i + 1] - values[i]), days - 1]
    graph.points = " ".join(f"{xs[i]},{ys[i]}" for i in sorted(set(kept)))  # a set: one day only
    graph.markers = [(xs[i], ys[i]) for i, day in enumerate(window) if day in daily and daily[day]]
    return graph
