"""The Insights pages in the Wagtail admin (/admin/insights/): the dashboard, its CSV exports and the weekly
digest toggle. Staff only, and each reader sees the sections of their roles (`access`); others get a 403."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, charts, digest, exports, filters, pageviews, registry, report


def _forbidden(request):
    return TemplateResponse(
        request, "insights/forbidden.html", {"header_title": _("Insights")}, status=403,
    )


def _filters(request):
    topics = filters.topic_choices()
    return filters.parse(request.GET, topics), topics


def _metric_view(result, query, labels, params) -> dict:
    """What the page shows of one metric; its chart and day table (90+ rows each) are kept in the cache with
    the numbers, per language, so a repeated view does not rebuild them."""
    key = report.cache_key("html", result.metric.key, query, get_language() or "")
    parts = cache.get(key)
    if parts is None:
        chart_id = "chart-" + result.metric.key.replace(".", "-").replace("_", "-")
        unit = result.metric.unit
        values = dict(result.daily)
        rows = "".join(
            f'<tr><th scope="row"><time datetime="{iso}">{escape(label)}</time></th><td>{escape(charts.fmt(values.get(day), unit))}</td></tr>'
            for day, iso, label in labels
        )
        parts = {
            "id": chart_id,
            "value": charts.fmt(result.total, unit),
            "change": report.change_text(result),
            "chart": charts.line_chart(chart_id, str(result.metric.label), result.daily, unit),
            "rows": mark_safe(rows),  # noqa: S308 - every part escaped above
        }
        cache.set(key, parts, report.CACHE_SECONDS)
    return {**parts, "result": result, "csv": "?" + urlencode({**params, "export": "metric:" + result.metric.key})}


def dashboard(request):
    sections = access.sections_for(request.user)
    if not sections:
        return _forbidden(request)
    pageviews.flush()  # this process's last views count at once
    chosen, topics = _filters(request)
    for error in chosen.errors:
        messages.error(request, error)
    language = request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "en"
    params = chosen.params()
    query_string = urlencode(params)
    data = report.build(chosen.query, sections)
    labels = [(day, day.isoformat(), charts.short_date(day)) for day in chosen.query.days]  # once for every chart
    for section in data:
        section["metrics"] = [_metric_view(result, chosen.query, labels, params) for result in section["metrics"]]
        section["tables"] = [
            {"table": table, "rows": rows, "csv": "?" + urlencode({**params, "export": "table:" + table.key})}
            for table, rows in section["tables"]
        ]
    topic_options = [
        {"pk": topic["pk"], "title": topic["titles"].get(language) or next(iter(topic["titles"].values()), ""),
         "selected": chosen.topic in topic["ids"]}
        for topic in topics
    ]
    return TemplateResponse(request, "insights/dashboard.html", {
        "header_title": _("Insights"),
        "filters": chosen,
        "presets": filters.PRESETS,
        "topics": topic_options,
        "languages": (("en", _("English")), ("ja", _("Japanese"))),
        "sections": data,
        "report_csv": "?" + urlencode({**params, "export": "report"}),
        "query_string": query_string,
        "start_label": charts.short_date(chosen.query.start),
        "end_label": charts.short_date(chosen.query.end),
        "subscribed": digest.is_subscribed(request.user),
        "cache_minutes": report.CACHE_SECONDS // 60,
    })


def export(request):
    sections = access.sections_for(request.user)
    if not sections:
        return _forbidden(request)
    chosen, _topics = _filters(request)
    query = chosen.query
    what = request.GET.get("export", "report")[:120]
    if what == "report":
        return exports.response(exports.report_csv(query, sections), exports.filename("report", query))
    kind, _sep, key = what.partition(":")
    if kind == "metric":
        metric = next((m for m in registry.metrics() if m.key == key and m.section in sections), None)
        if metric is not None:
            return exports.response(exports.metric_csv(metric, query), exports.filename(key, query))
    if kind == "table":
        table = next((t for t in registry.tables() if t.key == key and t.section in sections), None)
        if table is not None:
            return exports.response(exports.table_csv(table, query), exports.filename(key, query))
    raise Http404


def dashboard_or_export(request):
    if "export" in request.GET:
        return export(request)
    return dashboard(request)


@require_POST
def toggle_digest(request):
    if not access.can_view_insights(request.user):
        return _forbidden(request)
    subscribe = request.POST.get("subscribe") == "1"
    digest.set_subscribed(request.user, subscribe)
    messages.success(request, _("You will get the weekly Insights digest by email.") if subscribe else _(
        "You will no longer get the weekly Insights digest."
    ))
    url = reverse("insights_dashboard")
    back = request.POST.get("next", "")
    if back.startswith("?") and len(back) <= 500:
        url += back  # the same filters, on our own page
    return redirect(url)
