"""Every CSV the back office hands out is written the Insights way (`portal.insights.exports`): formula
cells neutralised by `safe()`, UTF-8 with a byte order mark and `charset=utf-8` so Excel reads "→" and
Japanese. Wagtail's list exports (`SpreadsheetExportMixin`) get it from `SafeSpreadsheetExportMixin`: here
the mixin itself and the editors' "Helpfulness by article" export (the moderation log's is in
tests/moderation/test_log_export.py)."""

from __future__ import annotations

import csv
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP

from knowledge.services import Visitor, record_helpful_vote
from portal.insights import exports
from portal.roles import CONTENT_EDITORS
from tests.factories import UserFactory, make_article


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_insights_response_is_the_shared_format():
    response = exports.response("a,b\r\n", "x.csv")
    assert response["Content-Type"] == exports.CSV_CONTENT_TYPE == "text/csv; charset=utf-8"
    assert response.content.startswith(exports.BOM.encode("utf-8"))


def test_the_mixin_neutralises_what_wagtail_would_write():
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    class Plain(SpreadsheetExportMixin):
        list_export = ["name", "count"]

    class Safe(exports.SafeSpreadsheetExportMixin, Plain):
        pass

    class Writer:
        def writerow(self, row):
            return row

    row = {"name": "=1+2", "count": -3}
    assert Plain().write_csv_row(Writer(), row) == {"name": "=1+2", "count": -3}
    assert Safe().write_csv_row(Writer(), row) == {"name": "'=1+2", "count": "-3"}  # a number is data
    for text in ("+1", "-1 day", "@me", "\tx", "\rx"):
        assert Safe().write_csv_row(Writer(), {"name": text, "count": 0})["name"] == "'" + text


@pytest.mark.django_db
def test_the_helpfulness_export_is_safe_and_utf8(client, topic, member):
    hostile = make_article(topic, "=HYPERLINK(\"http://evil.example/\")", slug="hostile")
    japanese = make_article(topic, "返金をリクエストする → 手順", slug="henkin")
    for article in (hostile, japanese):
        record_helpful_vote(article, Visitor(user_id=member.pk), helpful=False)
    editor = UserFactory(groups=[CONTENT_EDITORS])
    TOTP.activate(editor, "JBSWY3DPEHPK3PXP")
    client.force_login(editor)
    response = client.get("/admin/article-helpfulness/", {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    titles = sorted(row[0] for row in table[1:])
    assert titles == sorted(["'=HYPERLINK(\"http://evil.example/\")", "返金をリクエストする → 手順"])
    assert all(row[1:3] == ["0", "1"] for row in table[1:])
