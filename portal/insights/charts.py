"""Server-rendered SVG line charts: readable without colour (a line with a marker on every day, labelled
axes, dates in the reader's language) and described for screen readers (role=img, <title> and <desc>; the
page adds the same numbers as a table)."""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28


def short_date(day: date) -> str:
    return date_format(day, "MONTH_DAY_FORMAT")


def fmt(value: float | None, unit: str = "count") -> str:
    if value is None:
        return "—"
    if unit == "count" and float(value).is_integer():
        return f"{int(value):,}"  # English and Japanese both group by thousands with a comma
    if unit == "percent":
        return _("%(value)s%%") % {"value": number_format(round(value, 1), 1 if value % 1 else 0)}
    if unit == "hours":
        return _("%(value)s h") % {"value": number_format(round(value, 1), 1)}
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(value, 1), 1, force_grouping=True)


def _label_width(text: str) -> float:
    """About how wide an 11-unit label is: full-width characters (Japanese) take twice a Latin one's room."""
    return sum(11 if ord(char) >= 0x2E80 else 6.5 for char in text)


def line_chart(chart_id: str, label: str, series: list[tuple[date, float | None]], unit: str = "count") -> SafeString:
    known = [value for _day, value in series if value is not None]
    top = max(known) if known else 0
    top = top if top > 0 else 1
    top_label, zero_label = fmt(top if known else 0, unit), fmt(0, unit)
    # The plot starts right of the longer y-axis label ("504.0 時間" needs more room than "504.0 h").
    left = max(LEFT, round(10 + max(_label_width(top_label), _label_width(zero_label))))
    inner_w, inner_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(series) - 1, 1)

    def x(index: int) -> float:
        return round(left + index * step, 1)

    def y(value: float) -> float:
        return round(TOP + inner_h - (value / top) * inner_h, 1)

    segments, current = [], []
    for index, (_day, value) in enumerate(series):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{x(index)},{y(value)}")
    if current:
        segments.append(current)
    # Only numbers go into these two (no escaping needed): plain string building, 90+ points per chart.
    lines = mark_safe("".join(  # noqa: S308 - numbers only
        f'<polyline points="{" ".join(segment)}" fill="none" stroke="currentColor" stroke-width="2"/>' for segment in segments
    ))
    markers = ""
    if len(series) <= 120:
        markers = mark_safe("".join(  # noqa: S308 - numbers only
            f'<circle cx="{x(i)}" cy="{y(v)}" r="2.5" fill="currentColor"/>' for i, (_d, v) in enumerate(series) if v is not None
        ))
    ticks = []
    if series:
        picks = sorted({0, (len(series) - 1) // 2, len(series) - 1})
        for index in picks:
            anchor = "start" if index == 0 and len(picks) > 1 else "end" if index == len(series) - 1 and index else "middle"
            ticks.append(format_html(
                '<text x="{}" y="{}" text-anchor="{}" font-size="11" fill="currentColor">{}</text>',
                x(index), HEIGHT - 8, anchor, short_date(series[index][0]),
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
        summary = _("%(label)s from %(start)s to %(end)s: lowest %(low)s, highest %(high)s, last day %(last)s.") % {
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
