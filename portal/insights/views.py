"""The Insights pages in the Wagtail admin (/admin/insights/): the dashboard, its CSV exports and the weekly
digest toggle. Staff only, and each reader sees the sections of their roles (`access`); others get a 403."""

from __future__ import annotations

from datetime import UTC

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..admin_pages import admin_forbidden
from . import access, charts, digest, exports, filters, pageviews, registry, report, rollups


def _forbidden(request):
    return admin_forbidden(request, title=_("Insights"), icon="table", message=_(
        "Insights are for support supervisors, content editors and moderators. Ask an administrator for one of "
        "these roles."
    ))


def _filters(request):
    topics = filters.topic_choices()
    return filters.parse(request.GET, topics), topics


def _body(query, sections: tuple[str, ...], params: dict) -> tuple[str, str]:
    """Every readable section's cards and tables as HTML built in Python: 40-odd cards of 90+ rows each are
    most of the page, and the template language would redo the same work per row and per translation tag.
    Kept in the cache as long as the report's numbers, per sections, language and filters (the cache key says
    the day), with the UTC time they were counted up to ("12:04")."""
    query_string = urlencode(params)
    current = rollups.today()
    key = report.cache_key("body", ",".join(sorted(sections)), query, f"{get_language() or ''}:{query_string}")
    found = report.cached(key)
    if found is None:
        counted_until = timezone.now().astimezone(UTC).strftime("%H:%M")
        # Each day's row heading once for every card's table (the cards' daily values are in the range's order).
        so_far = escape(_("%(date)s (so far)"))  # today's figures are a part of the day
        labels = ['<tr><th scope="row">'
                  + (so_far % {"date": f'<time datetime="{day.isoformat()}">{escape(charts.short_date(day))}</time>'}
                     if day == current else f'<time datetime="{day.isoformat()}">{escape(charts.short_date(day))}</time>')
                  + "</th><td>" for day in query.days]
        parts = []
        for section in report.build(query, sections):
            parts.append(f'<section aria-labelledby="section-{section["key"]}">'
                         f'<h2 id="section-{section["key"]}">{escape(str(section["label"]))}</h2>')
            if section["metrics"]:
                parts.append('<div class="insights-metrics">')
                parts.extend(_card(result, labels, "?" + urlencode({**params, "export": "metric:" + result.metric.key}),
                                   partial_last=query.end == current)
                             for result in section["metrics"])
                parts.append("</div>")
            else:
                parts.append("<p>" + escape(_("No metrics in this section yet.")) + "</p>")
            for table, rows in section["tables"]:
                parts.append(_table(table, rows, "?" + urlencode({**params, "export": "table:" + table.key})))
            parts.append("</section>")
        found = (mark_safe("".join(parts)), counted_until)  # noqa: S308 - every part escaped where it is built
        report.keep(key, found)
    return found


def _cell(value) -> str:
    return "—" if value is None else escape(formats.localize(value))


def _table(table, rows, csv: str) -> str:
    anchor = "table-" + slugify(table.key)
    head = "".join(f'<th scope="col">{escape(str(label))}</th>' for _key, label in table.columns)
    # gettext outside the f-strings: xgettext (makemessages) does not read inside them.
    nothing, download = escape(_("Nothing in this range.")), _("Download %(title)s (CSV)")
    body = "".join("<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows) or (
        f'<tr><td colspan="{len(table.columns)}">{nothing}</td></tr>'
    )
    title = escape(str(table.title))
    return (
        f'<h3 id="{anchor}">{title}</h3><p class="insights-definition">{escape(str(table.definition))}</p>'
        f'<div class="admin-table-scroll" role="region" tabindex="0" aria-labelledby="{anchor}">'  # scrolls on a phone
        f'<table class="listing" aria-labelledby="{anchor}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
        f'</table></div><p><a href="{escape(csv)}" download>{download % {"title": title}}</a></p>'
    )


def _card(result, labels, csv: str, partial_last: bool = False) -> str:
    metric = result.metric
    chart_id = "chart-" + metric.key.replace(".", "-").replace("_", "-")
    unit = metric.unit
    label = escape(str(metric.label))
    fmt = charts.formatter(unit)
    plain = escape(fmt(1234567.5)) == fmt(1234567.5)  # digits, separators and a unit with nothing to escape
    rows = "".join(
        f"{head}{fmt(value) if plain else escape(fmt(value))}</td></tr>"
        for head, (_day, value) in zip(labels, result.daily, strict=True)
    )
    if metric.per_day:  # the label already says "per day": no "… per day by day"
        texts = {
            "summary": _("Table of %(label)s") % {"label": label},
            "caption": label,
            "download": _("Download %(title)s (CSV)") % {"title": label},
        }
    else:
        texts = {
            "summary": _("Table of %(label)s by day") % {"label": label},
            "caption": _("%(label)s by day") % {"label": label},
            "download": _("Download %(label)s by day (CSV)") % {"label": label},
        }
    date, counted = escape(_("Date")), escape(_("How it is counted:"))  # not inside the f-strings (xgettext)
    return mark_safe(  # noqa: S308 - every part escaped here (labels, values) or built by charts / gettext
        f'<article class="insights-metric" aria-labelledby="{chart_id}-heading">'
        f'<h3 id="{chart_id}-heading">{label}</h3>'
        f'<p class="insights-value">{escape(charts.fmt(result.total, unit))}</p>'
        f"<p>{escape(report.change_text(result))}</p>"
        f"{charts.line_chart(chart_id, str(metric.label), result.daily, unit, partial_last)}"
        f"<details><summary>{texts['summary']}</summary>"
        f'<table class="listing"><caption class="w-sr-only">{texts["caption"]}</caption>'
        f'<thead><tr><th scope="col">{date}</th><th scope="col">{label}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></details>"
        f'<p class="insights-definition"><strong>{counted}</strong> '
        f"{escape(str(metric.definition))}</p>"
        f'<p><a href="{escape(csv)}" download>{texts["download"]}</a></p>'
        "</article>"
    )


def _topic_title(topic: dict, language: str) -> str:
    """A topic filter option's title in the reader's language (else in its first translation)."""
    return topic["titles"].get(language) or next(iter(topic["titles"].values()), "")


def dashboard(request):
    sections = access.sections_for(request.user)
    if not sections:
        return _forbidden(request)
    pageviews.flush()  # this process's last views count at once
    chosen, topics = _filters(request)
    for error in chosen.errors:
        messages.error(request, error)
    # The admin's language (the reader's preference, activated by Wagtail): /admin/ has no language prefix, so
    # request.LANGUAGE_CODE says the browser's or the default's.
    language = (get_language() or "en")[:2]
    params = chosen.params()
    query_string = urlencode(params)
    body, counted_until = _body(chosen.query, tuple(sections), params)
    topic_options = [
        {"pk": topic["pk"], "title": _topic_title(topic, language), "selected": chosen.topic in topic["ids"]}
        for topic in topics
    ]
    return TemplateResponse(request, "insights/dashboard.html", {
        "header_title": _("Insights"),
        "filters": chosen,
        "presets": filters.PRESETS,
        "topics": topic_options,
        "languages": (("en", _("English")), ("ja", _("Japanese"))),
        "body": body,
        "report_csv": "?" + urlencode({**params, "export": "report"}),
        "query_string": query_string,
        "topic_title": next((option["title"] for option in topic_options if option["selected"]), ""),
        "start_label": charts.short_date(chosen.query.start),
        "end_label": charts.short_date(chosen.query.end),
        "counting_today": chosen.query.end == rollups.today(),
        "counted_until": counted_until,
        "subscribed": digest.is_subscribed(request.user),
        "cache_minutes": -(-report.cache_seconds() // 60),  # rounded up: 30 s is "up to 1 minute"
    })


def export(request):
    sections = access.sections_for(request.user)
    if not sections:
        return _forbidden(request)
    chosen, topics = _filters(request)
    query = chosen.query
    what = request.GET.get("export", "report")[:120]
    if what == "report":
        language = (get_language() or "en")[:2]
        topic = next((_topic_title(topic, language) for topic in topics if chosen.topic in topic["ids"]), "")
        return exports.response(exports.report_csv(query, sections, topic=topic), exports.filename("report", query))
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
