"""Fiscal periods: parsing, fiscal years starting in July, containment, ordering, due dates, roll-up."""

from __future__ import annotations

from datetime import date

import pytest

from aim.periods import FiscalCalendar, Kind, PeriodError, rollup, sort_periods

JAN = FiscalCalendar(1)
JUL = FiscalCalendar(7)


@pytest.mark.parametrize(
    "cal, key, kind, start, end",
    [
        (JAN, "2024", Kind.YEAR, date(2024, 1, 1), date(2024, 12, 31)),
        (JAN, "2024-Q3", Kind.QUARTER, date(2024, 7, 1), date(2024, 9, 30)),
        (JAN, "2024-02", Kind.MONTH, date(2024, 2, 1), date(2024, 2, 29)),
        (JUL, "2024", Kind.YEAR, date(2023, 7, 1), date(2024, 6, 30)),
        (JUL, "2024-Q1", Kind.QUARTER, date(2023, 7, 1), date(2023, 9, 30)),
        (JUL, "2024-Q3", Kind.QUARTER, date(2024, 1, 1), date(2024, 3, 31)),
        (JUL, "2024-Q4", Kind.QUARTER, date(2024, 4, 1), date(2024, 6, 30)),
        (JUL, "2023-07", Kind.MONTH, date(2023, 7, 1), date(2023, 7, 31)),
        (FiscalCalendar(10), "2024", Kind.YEAR, date(2023, 10, 1), date(2024, 9, 30)),
    ],
)
def test_parse_gives_the_kind_and_the_calendar_dates_of_a_period(cal, key, kind, start, end):
    period = cal.parse(key)
    assert period.kind is kind
    assert (cal.start_date(period), cal.end_date(period)) == (start, end)
    assert period.key == key


@pytest.mark.parametrize(
    "key, message",
    [
        ("2024-13", "month must be 01 to 12"),
        ("2024-00", "month must be 01 to 12"),
        ("2024-Q5", "is not a period"),
        ("FY24", "is not a period"),
        ("", "is not a period"),
        ("24", "is not a period"),
        ("1800", "year must be 1900 to 2999"),
        ("2024-7", "is not a period"),
    ],
)
def test_parse_rejects_bad_keys_with_a_message_that_says_what_is_expected(key, message):
    with pytest.raises(PeriodError, match=message):
        JAN.parse(key)


def test_parse_tolerates_surrounding_spaces():
    assert JAN.parse(" 2024-Q2 ").key == "2024-Q2"


def test_a_july_month_belongs_to_the_next_fiscal_year_and_its_first_quarter():
    july = JUL.parse("2023-07")
    assert JUL.containing(july, Kind.YEAR).key == "2024"
    assert JUL.containing(july, Kind.QUARTER).key == "2024-Q1"
    june = JUL.parse("2024-06")
    assert JUL.containing(june, Kind.YEAR).key == "2024"
    assert JUL.containing(june, Kind.QUARTER).key == "2024-Q4"


def test_containment_is_by_months_covered():
    year, q1, july = JUL.parse("2024"), JUL.parse("2024-Q1"), JUL.parse("2023-07")
    assert year.contains(q1) and year.contains(july) and q1.contains(july)
    assert not q1.contains(year)
    assert not JUL.parse("2025").contains(july)
    assert not JAN.parse("2024").contains(JAN.parse("2023-12"))


def test_containing_refuses_a_shorter_kind():
    with pytest.raises(PeriodError):
        JAN.containing(JAN.parse("2024"), Kind.MONTH)


def test_children_of_a_july_fiscal_year_run_from_july_to_june():
    months = JUL.children(JUL.parse("2024"), Kind.MONTH)
    assert [m.key for m in months][:2] == ["2023-07", "2023-08"]
    assert months[-1].key == "2024-06" and len(months) == 12
    assert [q.key for q in JUL.children(JUL.parse("2024"), Kind.QUARTER)] == [
        "2024-Q1",
        "2024-Q2",
        "2024-Q3",
        "2024-Q4",
    ]
    assert [m.key for m in JUL.children(JUL.parse("2024-Q3"), Kind.MONTH)] == [
        "2024-01",
        "2024-02",
        "2024-03",
    ]


def test_ordering_is_chronological_with_longer_periods_first_on_the_same_start():
    keys = ["2024-02", "2024-Q1", "2023", "2024", "2023-12", "2024-01"]
    assert [p.key for p in sort_periods(JAN.parse(k) for k in keys)] == [
        "2023",
        "2023-12",
        "2024",
        "2024-Q1",
        "2024-01",
        "2024-02",
    ]


@pytest.mark.parametrize(
    "cal, key, steps, expected",
    [
        (JAN, "2024-12", 1, "2025-01"),
        (JAN, "2024-01", -1, "2023-12"),
        (JAN, "2024-Q4", 1, "2025-Q1"),
        (JUL, "2024-Q4", 1, "2025-Q1"),
        (JUL, "2024-Q1", -1, "2023-Q4"),
        (JUL, "2024", -3, "2021"),
        (JAN, "2024-03", -12, "2023-03"),
    ],
)
def test_shift_moves_by_whole_periods_of_the_same_kind(cal, key, steps, expected):
    assert cal.shift(cal.parse(key), steps).key == expected


def test_window_lists_the_last_n_periods_oldest_first():
    assert [p.key for p in JAN.window(JAN.parse("2024-02"), 3)] == ["2023-12", "2024-01", "2024-02"]


def test_span_covers_first_to_last_inclusive_and_needs_one_kind():
    assert [p.key for p in JAN.span(JAN.parse("2023"), JAN.parse("2025"))] == ["2023", "2024", "2025"]
    with pytest.raises(PeriodError):
        JAN.span(JAN.parse("2023"), JAN.parse("2024-01"))


@pytest.mark.parametrize(
    "cal, kind, as_of, expected",
    [
        # October is due by the end of November; on 26 November September is the latest due.
        (JAN, Kind.MONTH, date(2026, 11, 26), "2026-09"),
        (JAN, Kind.MONTH, date(2026, 12, 1), "2026-10"),
        (JAN, Kind.MONTH, date(2026, 11, 30), "2026-09"),
        # Q3 (Jul-Sep) is due by 31 December.
        (JAN, Kind.QUARTER, date(2026, 11, 26), "2026-Q2"),
        (JAN, Kind.QUARTER, date(2027, 1, 1), "2026-Q3"),
        # A year is due a year after it ends.
        (JAN, Kind.YEAR, date(2026, 11, 26), "2024"),
        (JAN, Kind.YEAR, date(2027, 1, 1), "2025"),
        (JUL, Kind.YEAR, date(2026, 11, 26), "2025"),
        (JUL, Kind.QUARTER, date(2026, 11, 26), "2026-Q4"),
    ],
)
def test_last_due_is_the_latest_period_past_its_end_plus_one_period_of_grace(cal, kind, as_of, expected):
    assert cal.last_due(kind, as_of).key == expected


def test_due_date_is_period_end_plus_one_period():
    assert JAN.due_date(JAN.parse("2026-01")) == date(2026, 2, 28)
    assert JUL.due_date(JUL.parse("2024")) == date(2025, 6, 30)


@pytest.mark.parametrize(
    "cal, key, label",
    [
        (JAN, "2024", "2024"),
        (JAN, "2024-Q2", "2024 Q2 (Apr 2024 - Jun 2024)"),
        (JAN, "2024-07", "Jul 2024"),
        (JUL, "2024", "FY 2024 (Jul 2023 - Jun 2024)"),
        (JUL, "2024-Q1", "FY 2024 Q1 (Jul 2023 - Sep 2023)"),
    ],
)
def test_labels_name_periods_for_people(cal, key, label):
    assert cal.label(cal.parse(key)) == label


def test_fiscal_year_start_month_must_be_a_month():
    with pytest.raises(PeriodError):
        FiscalCalendar(13)


@pytest.mark.parametrize(
    "values, aggregation, expected, present",
    [
        ([1.0, 2.0, 3.0], "sum", 6.0, 3),
        ([1.0, 2.0, 3.0], "mean", 2.0, 3),
        ([1.0, 2.0, 3.0], "last", 3.0, 3),
        ([1.0, None, 3.0], "sum", 4.0, 2),
        ([1.0, None, 3.0], "mean", 2.0, 2),
        ([1.0, 2.0, None], "last", 2.0, 2),
        ([None, None, None], "sum", None, 0),
        ([], "mean", None, 0),
        ([-4.0, 2.0], "sum", -2.0, 2),
    ],
)
def test_rollup_combines_shorter_periods(values, aggregation, expected, present):
    rolled = rollup(values, aggregation, expected=3)
    assert rolled.value == expected
    assert rolled.present == present
    assert rolled.complete is (present == 3)


def test_quarterly_rollup_of_monthly_sums_and_means_over_a_july_fiscal_year():
    # Monthly values for July..September 2023 make up FY 2024 Q1.
    months = {"2023-07": 10.0, "2023-08": 20.0, "2023-09": 30.0, "2023-10": 99.0}
    quarter = JUL.parse("2024-Q1")
    values = [months.get(m.key) for m in JUL.children(quarter, Kind.MONTH)]
    assert rollup(values, "sum", 3).value == 60.0
    assert rollup(values, "mean", 3).value == 20.0
    assert rollup(values, "last", 3).value == 30.0


def test_on_finds_the_period_holding_a_day():
    assert JUL.on(date(2023, 7, 1), Kind.YEAR).key == "2024"
    assert JUL.on(date(2023, 6, 30), Kind.YEAR).key == "2023"
    assert JAN.on(date(2024, 5, 5), Kind.QUARTER).key == "2024-Q2"
