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
