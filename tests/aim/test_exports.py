"""Downloads (aim/exports.py): cells a spreadsheet would run as a formula are neutralised in CSV
and xlsx, full-width forms too; numbers, dates and booleans written plainly; JSON left as it is;
the table downloads keep numbers as numbers with their formats, a frozen header, an About sheet."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from aim.exports import csv_text, json_records, safe_cell, table_csv, table_xlsx, xlsx_bytes


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1+2",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        '\uff1dHYPERLINK("http://x","y")',  # FULLWIDTH EQUALS SIGN
        "\uff0b1",  # FULLWIDTH PLUS SIGN
        "\uff0d1",  # FULLWIDTH HYPHEN-MINUS
        "\uff20SUM(A1)",  # FULLWIDTH COMMERCIAL AT
        "  =1+1",  # a spreadsheet may trim the spaces first
    ],
)
def test_text_that_a_spreadsheet_would_run_as_a_formula_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Homicides", "1 = 1", "a-b", "", 3.5, -2.0, None, 0])
def test_ordinary_text_and_numbers_are_left_as_they_are(value):
    assert safe_cell(value) == value


def test_csv_text_has_a_header_crlf_rows_and_neutralised_cells():
    text = csv_text(("code", "name"), [("a", "\uff1d1+1"), ("b", "fine")])
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text))) == [["code", "name"], ["a", "'\uff1d1+1"], ["b", "fine"]]


# -- the pages' lists as CSV and as Excel -------------------------------------------------------
def _sheet():
    from datetime import date

    from aim.exports import Sheet

    return Sheet(
        "Late: Q3/2026 [draft]",
        ("Measure", "Value (homicides)", "Overdue since (date)", "Late"),
        [('=HYPERLINK("http://x")', 12.5, date(2026, 9, 30), True), ("-1+2", -4, None, False)],
    )


def test_xlsx_keeps_numbers_as_numbers_dates_as_dates_and_formula_text_as_text():
    from datetime import datetime

    from openpyxl import load_workbook

    from aim.exports import sheet_xlsx

    ws = load_workbook(io.BytesIO(sheet_xlsx(_sheet()))).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Measure", "Value (homicides)", "Overdue since (date)", "Late")
    assert rows[1] == ('=HYPERLINK("http://x")', 12.5, datetime(2026, 9, 30), "yes")
    assert rows[2] == ("-1+2", -4, None, "no")
    assert ws["A2"].data_type == "s" and ws["B2"].data_type == "n"  # text, not a formula


def test_xlsx_freezes_and_bolds_the_header_row_and_names_the_sheet_safely():
    from openpyxl import load_workbook

    from aim.exports import sheet_xlsx

    ws = load_workbook(io.BytesIO(sheet_xlsx(_sheet()))).active
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert ws.title == "Late  Q3 2026  draft "


def test_sheet_csv_starts_with_a_byte_order_mark_and_neutralise_formulas():
    from aim.exports import sheet_csv

    text = sheet_csv(_sheet()).decode("utf-8")
    assert text.startswith("\ufeffMeasure,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][0] == '\'=HYPERLINK("http://x")' and rows[2][0] == "'-1+2"
    assert rows[1][1:] == ["12.5", "2026-09-30", "yes"]


def test_file_names_say_what_and_when_in_safe_characters():
    from aim.exports import file_name

    assert file_name("review-room", "Newly off track", "2026-Q3", "vs", "2026-Q2", suffix="csv") == (
        "review-room-newly-off-track-2026-q3-vs-2026-q2.csv"
    )
    assert file_name("measures", "", '../../etc/"x', suffix="xlsx") == "measures-etc-x.xlsx"


PAYLOADS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tleading tab",
    "\rleading return",
    "\uff1d1+1",  # full-width =
    "\uff0bcmd",
    "\uff0d1",
    "\uff20SUM(1)",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize("value", ["plain text", "a=b", "", -3.5, 12, None, True])
def test_everything_else_is_left_alone(value):
    assert safe_cell(value) == value


def test_csv_cells_are_neutralised_and_values_written_plainly():
    text = csv_text(
        ["a", "b", "c", "d", "e"],
        [(PAYLOADS[0], 8000.0, -2.5, date(2026, 1, 2), True), (None, Decimal("1.50"), 0.1, None, False)],
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["a", "b", "c", "d", "e"],
        ["'" + PAYLOADS[0], "8000", "-2.5", "2026-01-02", "true"],
        ["", "1.5", "0.1", "", "false"],
    ]
    assert text.endswith("\r\n")


def test_xlsx_cells_are_neutralised_and_numbers_stay_numbers():
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx_bytes(["a", "b"], [(p, 1.5) for p in PAYLOADS])), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("a", "b")
    # (an xlsx file stores a carriage return as a line feed)
    assert [r[0] for r in rows[1:]] == ["'" + p.replace("\r", "\n") for p in PAYLOADS]
    assert {r[1] for r in rows[1:]} == {1.5}


def test_json_records_keep_text_as_it_is():
    assert json_records(["a", "b"], [(PAYLOADS[0], 3.0)]) == [{"a": PAYLOADS[0], "b": 3}]


COLUMNS = [
    ("name", "Activity", "text", "The activity"),
    ("spent", "Spent", "money", "Dollars spent"),
    ("change", "Change", "percent", "Against the year before"),
    ("score", "Score", "score", "Against target"),
]
ROWS = [
    {"name": "Garbage collection", "spent": 43146283.0, "change": -0.0397, "score": 1.02},
    {"name": '=HYPERLINK("http://x")', "spent": None, "change": None, "score": None},
    {"name": "\uff1dcmd", "spent": 5.5, "change": 0.5, "score": 0.9},
]


def test_formula_like_text_gets_an_apostrophe_and_numbers_do_not():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("-2") == "'-2"
    assert safe_cell("\uff20SUM(A1)") == "'\uff20SUM(A1)"
    assert safe_cell(-2.5) == -2.5
    assert safe_cell("Garbage") == "Garbage"


def test_csv_has_the_headings_the_rows_and_neutralised_text():
    text = table_csv([(f, h) for f, h, _k, _m in COLUMNS], ROWS)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Activity", "Spent", "Change", "Score"]
    # Through csv_text: a whole amount without a trailing ".0", as every CSV download writes it (it
    # read "43146283.0" while the workbench and /budgets.csv had a writer of their own).
    assert rows[1] == ["Garbage collection", "43146283", "-0.0397", "1.02"]
    assert rows[2][0] == '\'=HYPERLINK("http://x")' and rows[2][1:] == ["", "", ""]
    assert rows[3][0] == "'\uff1dcmd"
    assert text.endswith("\r\n")


def test_every_csv_download_writes_the_same_row_the_same_way():
    from aim.exports import Sheet, sheet_csv

    values = [43146283.0, Decimal("1.50"), -0.0397, date(2026, 1, 2), None, "=cmd", ["a", "b"]]
    header = ["a", "b", "c", "d", "e", "f", "g"]
    table = table_csv(list(zip(header, header, strict=True)), [dict(zip(header, values, strict=True))])
    sheet = sheet_csv(Sheet("x", header, [values])).decode("utf-8").removeprefix("\ufeff")
    assert table == csv_text(header, [values]) == sheet
    assert table.splitlines()[1] == "43146283,1.5,-0.0397,2026-01-02,,'=cmd,a; b"


def test_xlsx_keeps_numbers_with_formats_freezes_the_header_and_explains_the_columns():
    when = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    content = table_xlsx(COLUMNS, ROWS, title="Workbench", notes=[("Fiscal year", "2025")], generated_at=when)
    book = load_workbook(io.BytesIO(content))
    data = book["Data"]
    assert data.freeze_panes == "A2" and data.auto_filter.ref == "A1:D4"
    assert [c.value for c in data[1]] == ["Activity", "Spent", "Change", "Score"]
    spent, change, score = data["B2"], data["C2"], data["D2"]
    assert spent.value == 43146283.0 and "$" in spent.number_format
    assert change.value == -0.0397 and change.number_format == "0.0%"
    assert score.number_format == "0.00"
    assert data["A3"].value == '\'=HYPERLINK("http://x")' and data["B3"].value is None
    about = list(book["About"].iter_rows(values_only=True))
    assert about[0][0] == "Workbench"
    assert ("Fiscal year", "2025") in about and ("Rows", "3") in about
    assert ("Generated", "2026-11-26 12:00 UTC") in about
    assert ("Spent", "Dollars spent") in about and ("Change", "Against the year before") in about


def test_the_follow_ups_sheet_keeps_dates_as_dates_days_as_numbers_and_neutralises_the_action():
    from aim.exports import follow_ups_sheet, sheet_csv, sheet_xlsx
    from aim.follow_up_schemas import FollowUpView

    at = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    row = FollowUpView(
        id=7,
        action='=HYPERLINK("http://x")',
        status="open",
        due_on=date(2026, 11, 20),
        overdue=True,
        days_overdue=6,
        department_code="MPD",
        department_name="Police",
        measure_code="homicides",
        measure_name="Homicides",
        created_by="mayor@city.gov",
        created_at=at,
        updated_by="mayor@city.gov",
        updated_at=at,
    )
    sheet = follow_ups_sheet([row], "Follow-ups")
    assert "Days overdue (days)" in sheet.header and "Due (date)" in sheet.header
    cells = next(csv.reader(io.StringIO(sheet_csv(sheet).decode("utf-8-sig").splitlines()[1])))
    assert cells[5] == '\'=HYPERLINK("http://x")' and cells[6] == "2026-11-20" and cells[8] == "yes"
    ws = load_workbook(io.BytesIO(sheet_xlsx(sheet))).active
    values = [c.value for c in ws[2]]
    assert values[0] == 7 and values[9] == 6 and values[5] == '=HYPERLINK("http://x")'
    assert ws.cell(row=2, column=6).data_type == "s"  # text, never a formula
    assert ws.cell(row=2, column=7).value.date() == date(2026, 11, 20)
    assert ws.freeze_panes == "A2"
