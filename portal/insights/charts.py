"""Server-rendered SVG line charts: readable without colour (a line with a marker on every day, labelled
axes, dates in the reader's language) and described for screen readers (role=img, <title> and <desc>; the
page adds the same numbers as a table)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import date_format, get_format, number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# A small drawing scaled up to the card's width: its 11-unit labels read at 10–13 px in a card from 300 px (a
# phone) to 400 px wide (before, a 640-unit drawing showed them at 5–7 px).
WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 10, 26


def short_date(day: date) -> str:
    """"Dec. 6" / "12月6日": a chart's axis, summary and table write each day several times."""
    return _short_date(get_language() or "", day)


@functools.lru_cache(maxsize=4096)
def _short_date(language: str, day: date) -> str:
    return date_format(day, "MONTH_DAY_FORMAT")


def fmt(value: float | None, unit: str = "count") -> str:
    """`value` as the reader reads it in `unit` (count, percent, hours, or a plain number)."""
    return formatter(unit)(value)


_formatters: dict[tuple[str, str], Callable[[float | None], str]] = {}


@receiver(setting_changed)
def _forget_formatters(**kwargs) -> None:
    _formatters.clear()
    _short_date.cache_clear()


def formatter(unit: str = "count") -> Callable[[float | None], str]:
    """`fmt` for `unit` in the active language: its translated pattern and number format looked up once (a
    dashboard formats some 20,000 values, and a `gettext` plus a `number_format` each cost more than the rest)."""
    key = (get_language() or "", unit)
    found = _formatters.get(key)
    if found is None:
        found = _formatters[key] = _make_formatter(unit)
    return found


def _number(force_grouping: bool) -> Callable[[float, int | None], str]:
    """`django.utils.formats.number_format(value, decimal_pos, force_grouping=...)` for the active language, with
    Python's own formatting when the language groups by threes (English, Japanese); `number_format` otherwise."""
    decimal, thousand, grouping = (get_format(name) for name in ("DECIMAL_SEPARATOR", "THOUSAND_SEPARATOR", "NUMBER_GROUPING"))
    grouped = (settings.USE_THOUSAND_SEPARATOR or force_grouping) and grouping != 0
    if grouped and grouping != 3:
        return lambda value, places: number_format(value, places, force_grouping=force_grouping)
    table = str.maketrans({",": thousand, ".": decimal})
    comma = "," if grouped else ""

    def number(value: float, places: int | None) -> str:
        text = repr(float(value))
        if abs(value) >= 1e15 or "e" in text or "n" in text:  # exponents, inf and nan: Django's own way
            return number_format(value, places, force_grouping=force_grouping)
        if places is None:
            places = 0 if float(value).is_integer() else len(text.partition(".")[2])
        return f"{value:{comma}.{places}f}".translate(table)

    return number


def _make_formatter(unit: str) -> Callable[[float | None], str]:
    grouped = _number(True)
    if unit == "count":

        def count(value):
            if value is None:
                return "—"
            if float(value).is_integer():
                return f"{int(value):,}"  # English and Japanese both group by thousands with a comma
            return grouped(round(value, 1), 1)
        return count
    if unit in ("percent", "hours"):
        pattern = _("%(value)s%%") if unit == "percent" else _("%(value)s h")
        number = _number(False)

        def scaled(value):
            if value is None:
                return "—"
            places = (1 if value % 1 else 0) if unit == "percent" else 1
            return pattern % {"value": number(round(value, 1), places)}
        return scaled

    def other(value):
        if value is None:
            return "—"
        if float(value).is_integer():
            return grouped(int(value), None)
        return grouped(round(value, 1), 1)
    return other


def _label_width(text: str) -> float:
    """About how wide an 11-unit label is: full-width characters (Japanese) take twice a Latin one's room."""
    return sum(11 if ord(char) >= 0x2E80 else 6.5 for char in text)


def line_chart(chart_id: str, label: str, series: list[tuple[date, float | None]], unit: str = "count",
               partial_last: bool = False) -> SafeString:
    """`partial_last`: the last day is today, still counting — the line to it is dashed and the description says
    "so far" (a quiet morning is not a fall)."""
    known = [value for _day, value in series if value is not None]
    top = max(known) if known else 0
    top = top if top > 0 else 1
    top_label, zero_label = fmt(top if known else 0, unit), fmt(0, unit)
    # The plot starts right of the longer y-axis label ("504.0 時間" needs more room than "504.0 h").
    left = max(LEFT, round(10 + max(_label_width(top_label), _label_width(zero_label))))
    inner_w, inner_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(series) - 1, 1)

    base = TOP + inner_h
    # Each day's point once (as text), for the line and its markers: 90+ points per chart, 40-odd charts a page.
    points = [None if value is None else f"{round(left + index * step, 1)},{round(base - (value / top) * inner_h, 1)}"
              for index, (_day, value) in enumerate(series)]

    def x(index: int) -> float:
        return round(left + index * step, 1)

    segments, current = [], []
    for point in points:
        if point is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(point)
    if current:
        segments.append(current)
    # Only numbers go into these (no escaping needed): plain string building. A marker on every day (up to 120
    # days) is one <marker> the line draws at each of its points, not a <circle> per point: 40-odd charts of 90
    # points would otherwise add some 200 KB to the page. A lone point between gaps has no line: a circle.
    dots = len(series) <= 120
    dot = f"url(#{escape(chart_id)}-dot)"
    marker = f' marker-start="{dot}" marker-mid="{dot}" marker-end="{dot}"' if dots else ""
    tail = hollow = ""
    if partial_last and points and points[-1]:  # today, still counting: a dashed line to a hollow dot
        if len(points) > 1 and points[-2] and len(segments[-1]) > 1:
            segments[-1] = segments[-1][:-1]
            tail = (f'<polyline points="{points[-2]} {points[-1]}" fill="none" stroke="currentColor" '
                    'stroke-width="1.5" stroke-dasharray="3 3"/>')
        hollow = '<circle cx="{}" cy="{}" r="3" fill="Canvas" stroke="currentColor" stroke-width="1.5"/>'.format(
            *points[-1].split(","))
    lines = mark_safe("".join(  # noqa: S308 - numbers and the chart's id only
        f'<polyline points="{" ".join(segment)}" fill="none" stroke="currentColor" stroke-width="1.5"{marker}/>'
        for segment in segments if len(segment) > 1
    ) + tail)
    markers = mark_safe("".join(  # noqa: S308 - numbers only
        '<circle cx="{}" cy="{}" r="2" fill="currentColor"/>'.format(*segment[0].split(","))
        for segment in segments if len(segment) == 1
    ))
    if dots and segments:
        radius = 2.5 if len(series) <= 31 else 1.5  # a month's days stand apart; 90 would merge into a thick line
        markers += format_html(
            '<defs><marker id="{id}-dot" viewBox="0 0 {d} {d}" refX="{r}" refY="{r}" markerWidth="{d}" markerHeight="{d}" '
            'markerUnits="userSpaceOnUse"><circle cx="{r}" cy="{r}" r="{r}" fill="currentColor"/></marker></defs>',
            id=chart_id, r=radius, d=radius * 2,
        )
    markers += mark_safe(hollow)  # noqa: S308 - numbers only; over the day's own dot
    ticks = []
    if series:
        picks = sorted({0, (len(series) - 1) // 2, len(series) - 1})
        for index in picks:
            anchor = "start" if index == 0 and len(picks) > 1 else "end" if index == len(series) - 1 and index else "middle"
            ticks.append(format_html(
                '<text x="{}" y="{}" text-anchor="{}" font-size="11" fill="currentColor">{}</text>',
                x(index), HEIGHT - 6, anchor, short_date(series[index][0]),
            ))
    axis = format_html(
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="currentColor" stroke-width="1"/>'
        '<line x1="{l}" y1="{t}" x2="{l}" y2="{b}" stroke="currentColor" stroke-width="1"/>'
        '<line x1="{l}" y1="{t}" x2="{r}" y2="{t}" stroke="currentColor" stroke-width="0.5" stroke-dasharray="4 4"/>'
        '<text x="{lx}" y="{ty}" text-anchor="end" font-size="11" fill="currentColor">{top}</text>'
        '<text x="{lx}" y="{by}" text-anchor="end" font-size="11" fill="currentColor">{zero}</text>',
        l=left, r=WIDTH - RIGHT, t=TOP, b=TOP + inner_h, lx=left - 6, ty=TOP + 4, by=TOP + inner_h + 4,
        top=top_label, zero=zero_label,
    )
    if known:
        low, high = min(known), max(known)
        sentence = (_("%(label)s from %(start)s to %(end)s: lowest %(low)s, highest %(high)s, today so far %(last)s.")
                    if partial_last else
                    _("%(label)s from %(start)s to %(end)s: lowest %(low)s, highest %(high)s, last day %(last)s."))
        summary = sentence % {
            "label": label, "start": short_date(series[0][0]), "end": short_date(series[-1][0]),
            "low": fmt(low, unit), "high": fmt(high, unit), "last": fmt(series[-1][1], unit),
        }
    else:
        summary = _("%(label)s: no data in this range.") % {"label": label}
    return format_html(
        '<svg class="insights-chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{label}</title><desc id="{id}-desc">{summary}</desc>{axis}{lines}{markers}{ticks}</svg>',
        id=chart_id, w=WIDTH, h=HEIGHT, label=label, summary=summary, axis=axis, lines=lines, markers=markers,
        ticks=mark_safe("".join(ticks)),  # noqa: S308 - each tick built by format_html
    )
