"""`charts.formatter`: the numbers of a dashboard formatted as `django.utils.formats.number_format` formats them
(the reference below is the formatter it replaced, one `gettext` and one `number_format` per value)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.insights import charts


def reference(value, unit):
    if value is None:
        return "—"
    if unit == "count" and float(value).is_integer():
        return f"{int(value):,}"
    if unit == "percent":
        return _("%(value)s%%") % {"value": number_format(round(value, 1), 1 if value % 1 else 0)}
    if unit == "hours":
        return _("%(value)s h") % {"value": number_format(round(value, 1), 1)}
    if float(value).is_integer():
        return number_format(int(value), force_grouping=True)
    return number_format(round(value, 1), 1, force_grouping=True)


values = st.one_of(
    st.none(),
    st.integers(min_value=-10**12, max_value=10**12).map(float),
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 0.05, 0.25, 12.25, 99.95, 1234.5, 1e-05, 2.5e-7, 1e15, 123456789.125]),
)


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize("unit", ["count", "percent", "hours", "score"])
@settings(max_examples=300, deadline=None)
@given(value=values)
def test_the_formatter_formats_as_number_format_does(language, unit, value):
    with translation.override(language):
        assert charts.fmt(value, unit) == reference(value, unit)


@pytest.mark.parametrize("grouping", [True, False])
def test_the_thousand_separator_setting_is_honoured(grouping):
    with override_settings(USE_THOUSAND_SEPARATOR=grouping), translation.override("en"):
        for value, unit in [(12345.67, "hours"), (1234567.0, "percent"), (2345.5, "score"), (1234.5, "count")]:
            assert charts.fmt(value, unit) == reference(value, unit)


def test_japanese_patterns():
    with translation.override("ja"):
        assert charts.fmt(504.04, "hours") == "504.0 時間"
        assert charts.fmt(None, "hours") == "—"


def test_a_day_marker_is_one_svg_marker_the_line_draws_at_every_point():
    from datetime import date, timedelta

    start = date(2026, 9, 1)
    series = [(start + timedelta(days=i), float(i % 7)) for i in range(90)]
    svg = charts.line_chart("chart-a", "Views", series)
    assert svg.count("<polyline") == 1 and 'marker-mid="url(#chart-a-dot)"' in svg
    assert svg.count('<marker id="chart-a-dot"') == 1
    assert svg.count("<circle") == 1  # the marker's own dot, not one per day


def test_a_lone_day_between_gaps_is_still_drawn_and_long_ranges_have_no_markers():
    from datetime import date, timedelta

    start = date(2026, 9, 1)
    series = [(start, 1.0), (start + timedelta(days=1), None), (start + timedelta(days=2), 3.0), (start + timedelta(days=3), 2.0)]
    svg = charts.line_chart("chart-b", "Views", series)
    assert svg.count("<polyline") == 1  # days 3 and 4
    assert f'<circle cx="{charts.LEFT}' in svg  # day 1 alone: a dot of its own
    long = [(start + timedelta(days=i), 1.0) for i in range(200)]
    assert "marker" not in charts.line_chart("chart-c", "Views", long)


def test_the_chart_id_is_escaped_in_marker_references():
    from datetime import date

    svg = charts.line_chart('x"><script>', "Views", [(date(2026, 9, 1), 1.0), (date(2026, 9, 2), 2.0)])
    assert "<script>" not in svg


def test_axis_labels_stay_legible_on_a_phone():
    """The drawing is scaled to its card's width: its 11-unit labels must read at 10 px or more in a 300-px card
    (a 390-px phone), not shrink to 5 px as a 640-unit drawing did."""
    import re
    from datetime import date, timedelta

    series = [(date(2026, 9, 1) + timedelta(days=i), float(i)) for i in range(90)]
    svg = str(charts.line_chart("chart-p", "Views", series))
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    sizes = {float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)}
    assert sizes and min(sizes) * 300 / width >= 10


def test_today_still_counting_is_a_dashed_line_and_said_so():
    from datetime import date, timedelta

    series = [(date(2026, 9, 1) + timedelta(days=i), float(10 + i)) for i in range(6)] + [(date(2026, 9, 7), 2.0)]
    svg = str(charts.line_chart("chart-t", "Views", series, partial_last=True))
    assert svg.count("<polyline") == 2 and svg.count('stroke-dasharray="3 3"') == 1
    assert "today so far 2" in svg and 'fill="Canvas"' in svg  # a hollow dot for today, at any range length
    gap = series[:5] + [(date(2026, 9, 6), None), (date(2026, 9, 7), 2.0)]
    svg = str(charts.line_chart("chart-g", "Views", gap, partial_last=True))
    assert "today so far 2" in svg and 'fill="Canvas"' in svg and 'stroke-dasharray="3 3"' not in svg  # no line to it
    whole = str(charts.line_chart("chart-w", "Views", series))
    assert whole.count("<polyline") == 1 and "last day 2" in whole


def test_a_two_day_range_ending_today_still_dashes_the_line_to_today():
    from datetime import date

    svg = str(charts.line_chart("chart-2", "Views", [(date(2026, 9, 6), 5.0), (date(2026, 9, 7), 1.0)], partial_last=True))
    assert svg.count('stroke-dasharray="3 3"') == 1 and 'fill="Canvas"' in svg
