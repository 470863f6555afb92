"""The messy values of real spreadsheets, read or refused with a message."""

from __future__ import annotations

from datetime import date

import pytest

from aim.importing.values import (
    clean,
    parse_bool,
    parse_choice,
    parse_date,
    parse_fraction,
    parse_number,
    split_list,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("385,328", 385328.0),
        (" 2,901", 2901.0),
        ("2,901 ", 2901.0),
        ("\u00a02,901\u00a0", 2901.0),  # non-breaking spaces
        ("95%", 95.0),
        ("100%", 100.0),
        ("0.95", 0.95),
        ("$1,250.00", 1250.0),
        ("-3.5", -3.5),
        ("(1,234)", -1234.0),  # accounting negative
        ("+7", 7.0),
        ("1234567.25", 1234567.25),
        (".5", 0.5),
        ("1.15977e+007", 11597700.0),  # a spreadsheet's scientific notation
        ("1e5", 100000.0),
        (12, 12.0),
        (0.25, 0.25),
        ("", None),
        ("N/A", None),
        ("n/a", None),
        ("N\\A", None),
        ("No Data", None),
        ("No data", None),
        ("NO DATA", None),
        ("\u00a0", None),  # a lone non-breaking space
        (None, None),
        ("-", None),
    ],
)
def test_numbers_are_read_from_what_spreadsheets_hold(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text",
    ["New", "lots", "1,23", "12,3456", "1.2.3", "$", "%", "e5", "1e", "nan", "inf", "1_000", "12 34", True],
)
def test_anything_else_is_an_error_not_a_silent_zero(text):
    with pytest.raises(ValueError, match="must be a number"):
        parse_number(text)


@pytest.mark.parametrize(
    "text, expected",
    [("Yes", True), ("no", False), ("TRUE", True), ("0", False), ("", True), (None, True), ("y", True)],
)
def test_booleans(text, expected):
    assert parse_bool(text, default=True) is expected


def test_a_bad_boolean_says_what_is_expected():
    with pytest.raises(ValueError, match="true or false"):
        parse_bool("maybe", default=False)


def test_dates_are_iso_and_anything_else_is_refused():
    assert parse_date("2019-07-01") == date(2019, 7, 1)
    assert parse_date("2019-07-01 00:00:00") == date(2019, 7, 1)
    assert parse_date("") is None
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("07/01/2019")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("2019-13-01")


def test_choices_fold_case_and_spaces_and_name_the_options():
    assert parse_choice(" Up ", ("up", "down", "range")) == "up"
    with pytest.raises(ValueError, match=r"must be one of up, down, range; got 'Increse'"):
        parse_choice("Increse", ("up", "down", "range"))


def test_tolerance_is_a_fraction_or_a_percent():
    assert parse_fraction("0.15", 0.1) == 0.15
    assert parse_fraction("15%", 0.1) == pytest.approx(0.15)
    assert parse_fraction("", 0.1) == 0.1
    with pytest.raises(ValueError, match="fraction from 0 to 1"):
        parse_fraction("15", 0.1)


def test_lists_and_spaces():
    assert split_list("a; b ;;c") == ["a", "b", "c"]
    assert split_list("") == []
    assert clean("  Performance\u00a0Measure \n Type ") == "Performance Measure Type"
