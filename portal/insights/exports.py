"""CSV exports: one table, one metric's daily series, or the whole report in one file. Cells that a
spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return) get a leading
apostrophe (`safe()`), and the file is UTF-8 with a byte order mark and says `charset=utf-8` (Excel reads
"→" and Japanese right only with the mark).

The same two rules for every other CSV the back office hands out: a Wagtail view exporting through
`SpreadsheetExportMixin` (`list_export`: the moderation log, "Helpfulness by article") puts
`SafeSpreadsheetExportMixin` before it."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.http import HttpResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from . import report, rollups
from .registry import Metric, Query, Table

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = force_str(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return text  # a number, negative or not, is data
    return "'" + text if text.startswith(DANGEROUS) else text


def _writer(buffer):
    return csv.writer(buffer, lineterminator="\r\n")


def filename(name: str, query: Query) -> str:
    return f"insights-{name}-{query.start.isoformat()}-{query.end.isoformat()}.csv"


def response(content: str, name: str) -> HttpResponse:
    reply = HttpResponse(BOM + content, content_type=CSV_CONTENT_TYPE)
    reply["Content-Disposition"] = f'attachment; filename="{name}"'
    reply["Cache-Control"] = "private, no-store"
    return reply


class SafeSpreadsheetExportMixin:
    """Put before Wagtail's `SpreadsheetExportMixin` (in a view's bases): its CSV export writes every cell
    through `safe()` (after the view's own preprocessing), starts with the byte order mark and is sent as
    `CSV_CONTENT_TYPE`, private and not stored — as Insights' exports. Its XLSX export needs neither: Wagtail
    writes every cell as text there (a formula never runs) and the format is Unicode."""

    def write_csv_row(self, writer, row_dict):
        return writer.writerow({
            field: safe(self.preprocess_field_value(field, value, self.FORMAT_CSV)) for field, value in row_dict.items()
        })

    def stream_csv(self, queryset):
        yield BOM
        yield from super().stream_csv(queryset)

    def write_csv_response(self, queryset):
        reply = super().write_csv_response(queryset)
        reply["Content-Type"] = CSV_CONTENT_TYPE
        reply["Cache-Control"] = "private, no-store"
        return reply


def write_table(writer, table: Table, rows: list[tuple]) -> None:
    writer.writerow([safe(label) for _key, label in table.columns])
    for row in rows:
        writer.writerow([safe(cell) for cell in row])


def write_metric(writer, result: report.MetricResult) -> None:
    writer.writerow([safe(_("Date")), safe(result.metric.label)])
    for day, value in result.daily:
        writer.writerow([day.isoformat(), safe(value)])


def table_csv(table: Table, query: Query) -> str:
    buffer = io.StringIO()
    write_table(_writer(buffer), table, report.table_rows(table, query, None))
    return buffer.getvalue()


def metric_csv(metric: Metric, query: Query) -> str:
    buffer = io.StringIO()
    write_metric(_writer(buffer), report.metric_result(metric, query))
    return buffer.getvalue()


def report_csv(query: Query, sections: tuple[str, ...], *, topic: str = "") -> str:
    """The whole report: a first row with its filters (range, language, topic: the title of the topic chosen),
    then per section its metrics (value, previous, then every day) and its full tables."""
    buffer = io.StringIO()
    writer = _writer(buffer)
    writer.writerow([
        safe(_("Insights")), query.start.isoformat(), query.end.isoformat(), safe(query.language or _("All languages")),
        safe(topic or _("All topics")),
    ])
    # A range ending today is compared with its previous period up to the same time of day (`report.compared_period`).
    previous = (_("Previous period (its last day estimated to the same time of day)") if query.end == rollups.today()
                else _("Previous period"))
    for section in report.build(query, sections, table_limit=None):
        writer.writerow([])
        writer.writerow([safe(_("Section")), safe(section["label"])])
        writer.writerow([safe(_("Metric")), safe(_("Value")), safe(previous), *[d.isoformat() for d, _v in _days(query)]])
        for result in section["metrics"]:
            writer.writerow([
                safe(result.metric.label), safe(result.total), safe(result.previous), *[safe(value) for _day, value in result.daily],
            ])
        for table, rows in section["tables"]:
            writer.writerow([])
            writer.writerow([safe(_("Table")), safe(table.title)])
            write_table(writer, table, rows)
    return buffer.getvalue()


def _days(query: Query) -> list[tuple[date, None]]:
    return [(day, None) for day in query.days]
