"""The table downloads: CSV and xlsx written from rows, numbers kept as numbers with their formats,
the header frozen, an About sheet, and formula-like text neutralised in both."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from openpyxl import load_workbook

from aim.exports import neutralise_cell, table_csv, table_xlsx

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
    assert neutralise_cell("=1+1") == "'=1+1"
    assert neutralise_cell("-2") == "'-2"
    assert neutralise_cell("\uff20SUM(A1)") == "'\uff20SUM(A1)"
    assert neutralise_cell(-2.5) == -2.5
    assert neutralise_cell("Garbage") == "Garbage"


def test_csv_has_the_headings_the_rows_and_neutralised_text():
    text = table_csv([(f, h) for f, h, _k, _m in COLUMNS], ROWS)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Activity", "Spent", "Change", "Score"]
    assert rows[1] == ["Garbage collection", "43146283.0", "-0.0397", "1.02"]
    assert rows[2][0] == '\'=HYPERLINK("http://x")' and rows[2][1:] == ["", "", ""]
    assert rows[3][0] == "'\uff1dcmd"
    assert text.endswith("\r\n")


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
