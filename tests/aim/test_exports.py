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
