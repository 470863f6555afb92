"""CSV exports: cells a spreadsheet would run as a formula are neutralised, full-width forms too."""

from __future__ import annotations

import csv
import io

import pytest

from aim.exports import csv_text, safe_cell


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
