"""The moderation log's CSV export opens safely and legibly in a spreadsheet: a cell a spreadsheet would run
as a formula (= + - @, a tab or a carriage return first) gets a leading apostrophe, as Insights' own exports
(`portal.insights.exports.safe`), and the file is UTF-8 with a byte order mark and says so, so Excel reads
"→" and Japanese. The XLSX export stores every cell as text already (no formula runs there)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from portal import audit
from tests.factories import QuestionFactory

pytestmark = pytest.mark.django_db

LOG = "/admin/moderation/log/"
FORMULA = '=HYPERLINK("http://evil.example/","Open")'


@pytest.fixture
def hostile(moderator):
    question = QuestionFactory(title="ルーターが再起動を繰り返す")
    audit.record(moderator, "community.hide", question, before={"status": "published"}, after={"status": "hidden"},
                 reason=FORMULA)
    audit.record(moderator, "community.delete", question, before={"status": "hidden"}, after={"status": "deleted"},
                 reason="-2+3+cmd|' /C calc'!A0")
    audit.record(moderator, "community.restore", question, before={"status": "deleted"}, after={"status": "published"},
                 reason="@SUM(1)")
    return question


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_csv_is_utf8_with_a_bom_and_says_so(mod_client, hostile):
    response = mod_client.get(f"{LOG}?export=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="moderation-log-')
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbf") and content.count(b"\xef\xbb\xbf") == 1  # once, at the start
    text = content.decode("utf-8-sig")
    assert "ルーターが再起動を繰り返す" in text and "Status: hidden → deleted" in text


def test_formula_cells_are_neutralised(mod_client, hostile):
    table = list(csv.reader(io.StringIO(body(mod_client.get(f"{LOG}?export=csv")).decode("utf-8-sig"))))
    assert table[0] == ["Date/Time", "Action type", "User", "Type", "ID", "Name", "Reason", "Changes"]
    reasons = {row[1]: row[6] for row in table[1:]}
    assert reasons == {
        "Hide post": "'" + FORMULA,
        "Delete post (staff)": "'-2+3+cmd|' /C calc'!A0",
        "Restore post": "'@SUM(1)",
    }
    for row in table[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
        assert row[4] == str(hostile.pk)  # numbers stay numbers


def test_the_xlsx_keeps_the_text_as_text(mod_client, hostile):
    response = mod_client.get(f"{LOG}?export=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body(response))).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert FORMULA in [cell.value for cell in cells]  # shown as typed, not run: a text cell
    assert all(cell.data_type != "f" for cell in cells)
