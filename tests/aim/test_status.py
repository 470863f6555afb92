"""The status rules, branch by branch: status, score, index, trend, target resolution, staleness."""

from __future__ import annotations

import pytest

from aim.periods import FiscalCalendar, Kind, Rollup
from aim.status import (
    SCORE_CAP,
    Status,
    Target,
    Trend,
    change,
    evaluate,
    index,
    is_stale,
    period_target,
    resolve_target,
    score,
    trend,
)

T = Target


@pytest.mark.parametrize(
    "actual, target, direction, tolerance, status",
    [
        # up: meets or beats
        (100, T(100), "up", 0.1, Status.ON_TRACK),
        (120, T(100), "up", 0.1, Status.ON_TRACK),
        (90, T(100), "up", 0.1, Status.AT_RISK),  # exactly at the tolerance edge
        (95, T(100), "up", 0.1, Status.AT_RISK),
        (89.9, T(100), "up", 0.1, Status.OFF_TRACK),
        # down: lower is better
        (10, T(10), "down", 0.1, Status.ON_TRACK),
        (8, T(10), "down", 0.1, Status.ON_TRACK),
        (11, T(10), "down", 0.1, Status.AT_RISK),  # 10% over, within tolerance (float-safe)
        (12.4, T(10), "down", 0.1, Status.OFF_TRACK),
        # range: inside, near, far
        (5, T(low=4, high=6), "range", 0.1, Status.ON_TRACK),
        (4, T(low=4, high=6), "range", 0.1, Status.ON_TRACK),
        (3.7, T(low=4, high=6), "range", 0.1, Status.AT_RISK),  # 0.3 below; 10% of 4 is 0.4
        (3.5, T(low=4, high=6), "range", 0.1, Status.OFF_TRACK),
        (6.5, T(low=4, high=6), "range", 0.1, Status.AT_RISK),  # 0.5 above; 10% of 6 is 0.6
        (6.7, T(low=4, high=6), "range", 0.1, Status.OFF_TRACK),
        # zero targets: no tolerance room
        (0, T(0), "down", 0.1, Status.ON_TRACK),
        (1, T(0), "down", 0.1, Status.OFF_TRACK),
        (0, T(0), "up", 0.1, Status.ON_TRACK),
        (-1, T(0), "up", 0.1, Status.OFF_TRACK),
        # negative targets and values
        (-5, T(-5), "up", 0.1, Status.ON_TRACK),
        (-5.4, T(-5), "up", 0.1, Status.AT_RISK),
        (-6, T(-5), "up", 0.1, Status.OFF_TRACK),
        (-6, T(-5), "down", 0.1, Status.ON_TRACK),
        (-4.6, T(-5), "down", 0.1, Status.AT_RISK),
        # zero tolerance: any miss is off track
        (99, T(100), "up", 0.0, Status.OFF_TRACK),
        # missing pieces
        (None, T(100), "up", 0.1, Status.NO_DATA),
        (None, None, "up", 0.1, Status.NO_DATA),
        (100, None, "up", 0.1, Status.NO_TARGET),
    ],
)
def test_evaluate_status(actual, target, direction, tolerance, status):
    assert evaluate(actual, target, direction, tolerance).status is status


def test_evaluate_reports_the_miss_and_its_share_of_the_target():
    result = evaluate(12.4, T(10), "down", 0.1)
    assert result.miss == pytest.approx(2.4)
    assert result.relative_miss == pytest.approx(0.24)
    assert result.allowed == pytest.approx(1.0)
    assert evaluate(1, T(0), "down").relative_miss is None  # no share of a zero target


@pytest.mark.parametrize(
    "target, direction",
    [(T(low=4, high=6), "up"), (T(5), "range"), (T(low=6, high=4), "range")],
)
def test_evaluate_refuses_a_target_that_does_not_fit_the_direction(target, direction):
    with pytest.raises(ValueError):
        evaluate(5, target, direction)


@pytest.mark.parametrize(
    "actual, target, direction, expected",
    [
        (90, T(100), "up", 0.9),
        (100, T(100), "up", 1.0),
        (200, T(100), "up", SCORE_CAP),  # capped
        (-10, T(100), "up", 0.0),  # floored
        (5, T(0), "up", SCORE_CAP),
        (0, T(0), "up", 1.0),
        (-5, T(0), "up", 0.0),
        (-4, T(-5), "up", 1.2),  # 1 + (-4 - -5) / 5
        (-10, T(-5), "up", 0.0),
        (8, T(10), "down", SCORE_CAP),  # 10/8 = 1.25
        (12.5, T(10), "down", 0.8),
        (0, T(10), "down", SCORE_CAP),  # nothing happened: best possible, no division
        (-3, T(10), "down", SCORE_CAP),
        (0, T(0), "down", 1.0),
        (2, T(0), "down", 0.0),
        (-1, T(0), "down", SCORE_CAP),
        (-6, T(-5), "down", 1.2),
        (-2.5, T(-5), "down", 0.5),
        (5, T(low=4, high=6), "range", 1.0),
        (3, T(low=4, high=6), "range", 0.75),  # 1 - 1/4
        (9, T(low=4, high=6), "range", 0.5),  # 1 - 3/6
        (20, T(low=4, high=6), "range", 0.0),
        (-1, T(low=0, high=2), "range", 0.5),  # zero bound: distance over the band width
        (1, T(low=0, high=0), "range", 0.0),
        (None, T(10), "up", None),
        (10, None, "up", None),
    ],
)
def test_score_with_zero_and_negative_values_never_divides_by_zero(actual, target, direction, expected):
    result = score(actual, target, direction)
    assert result == (None if expected is None else pytest.approx(expected))


def test_index_is_the_mean_of_scores_present():
    assert index([1.0, 0.5, None, 0.9]) == pytest.approx(0.8)
    assert index([None, None]) is None
    assert index([]) is None


@pytest.mark.parametrize(
    "values, direction, expected",
    [
        ([10, 11, 12, 13, 14, 15], "up", Trend.IMPROVING),
        ([10, 11, 12, 13, 14, 15], "down", Trend.WORSENING),
        ([15, 14, 13, 12, 11, 10], "down", Trend.IMPROVING),
        ([100, 101, 99, 100, 101, 100], "up", Trend.FLAT),  # under 5% change over the window
        ([10, None, 12, None, 14, 15], "up", Trend.IMPROVING),  # gaps keep their positions
        ([0, 0, 0, 0], "up", Trend.FLAT),
        ([-10, -8, -6, -4], "up", Trend.IMPROVING),
        ([10, 12], "up", None),  # fewer than three values
        ([None, None, 5, None], "up", None),
    ],
)
def test_trend(values, direction, expected):
    assert trend(values, direction) == expected


def test_trend_of_a_range_measure_follows_the_distance_to_the_band():
    band = T(low=4, high=6)
    assert trend([9, 8, 7, 6.5], "range", band) is Trend.IMPROVING
    assert trend([5, 6, 7, 8], "range", band) is Trend.WORSENING
    assert trend([4.5, 5.5, 4.8, 5.2], "range", band) is Trend.FLAT
    assert trend([1, 2, 3], "range", None) is None


JAN = FiscalCalendar(1)
JUL = FiscalCalendar(7)


@pytest.mark.parametrize(
    "targets, period, kind, aggregation, expected",
    [
        ({"2024": T(120)}, "2024", Kind.MONTH, "sum", T(120)),
        ({"2024": T(120)}, "2024-Q2", Kind.MONTH, "sum", T(30)),  # a quarter's share of the year
        ({"2024": T(120)}, "2024-05", Kind.MONTH, "sum", T(10)),
        ({"2024": T(12.5)}, "2024-05", Kind.MONTH, "mean", T(12.5)),  # means apply as they are
        ({"2024-Q2": T(30), "2024": T(999)}, "2024-05", Kind.MONTH, "sum", T(10)),  # the quarter first
        ({"2024": T(low=4, high=6)}, "2024-Q1", Kind.QUARTER, "mean", T(low=4, high=6)),
        ({f"2024-Q{q}": T(10 * q) for q in range(1, 5)}, "2024", Kind.QUARTER, "sum", T(100)),
        ({f"2024-Q{q}": T(10 * q) for q in range(1, 5)}, "2024", Kind.QUARTER, "mean", T(25)),
        ({f"2024-Q{q}": T(10 * q) for q in range(1, 5)}, "2024", Kind.QUARTER, "last", T(40)),
        ({"2024-Q1": T(10)}, "2024", Kind.QUARTER, "sum", None),  # not every quarter has one
        ({"2023": T(10)}, "2024", Kind.YEAR, "sum", None),
    ],
)
def test_resolve_target_finds_the_target_in_force(targets, period, kind, aggregation, expected):
    assert resolve_target(targets, JAN.parse(period), JAN, kind, aggregation) == expected


def test_resolve_target_uses_the_july_fiscal_year_holding_a_month():
    # July 2023 is in fiscal 2024 when the year starts in July.
    assert resolve_target({"2024": T(120)}, JUL.parse("2023-07"), JUL, Kind.MONTH, "sum") == T(10)
    assert resolve_target({"2024": T(120)}, JAN.parse("2023-07"), JAN, Kind.MONTH, "sum") is None


def test_a_partial_sum_is_compared_with_the_same_share_of_the_target():
    partial = Rollup(value=80.0, present=8, expected=12)
    assert period_target(T(120), partial, "sum") == T(80)
    assert period_target(T(120), partial, "mean") == T(120)
    assert period_target(T(120), Rollup(120.0, 12, 12), "sum") == T(120)
    assert period_target(None, partial, "sum") is None


@pytest.mark.parametrize(
    "current, previous, aggregation, expected",
    [
        (Rollup(110.0, 12, 12), Rollup(100.0, 12, 12), "sum", 0.10),
        (Rollup(90.0, 9, 12), Rollup(100.0, 10, 12), "sum", 0.0),  # 10 a month both times
        (Rollup(90.0, 9, 12), Rollup(100.0, 10, 12), "mean", -0.10),
        (Rollup(-5.0, 1, 1), Rollup(-10.0, 1, 1), "last", 0.5),
        (Rollup(5.0, 1, 1), Rollup(0.0, 1, 1), "last", None),  # no change from zero
        (Rollup(None, 0, 1), Rollup(1.0, 1, 1), "last", None),
    ],
)
def test_change_from_a_year_earlier(current, previous, aggregation, expected):
    result = change(current, previous, aggregation)
    assert result == (None if expected is None else pytest.approx(expected))


def test_stale_needs_an_active_measure_without_its_latest_due_value():
    assert is_stale(has_value_for_last_due=False, active_for_last_due=True)
    assert not is_stale(has_value_for_last_due=True, active_for_last_due=True)
    assert not is_stale(has_value_for_last_due=False, active_for_last_due=False)


# -- the target for the part of a period reported so far (monthly targets, data ending part way) --
_MONTHLY = {f"2025-{m:02d}": T(10.0 * m) for m in (1, 2, 3)}  # targets set for January to March only


@pytest.mark.parametrize(
    "period, aggregation, present, last, expected",
    [
        # sums: the targets of the months to date added up (10 + 20 + 30)
        ("2025", "sum", 3, "2025-03", T(60.0)),
        # a gap (February not reported): the same share of the target to date, 2 of 3 months
        ("2025", "sum", 2, "2025-03", T(40.0)),
        # means and last values: combined like the values
        ("2025", "mean", 3, "2025-03", T(20.0)),
        ("2025", "last", 3, "2025-03", T(30.0)),
        # data up to February: March's target is not used
        ("2025", "sum", 2, "2025-02", T(30.0)),
        # a quarter under way
        ("2025-Q1", "sum", 2, "2025-02", T(30.0)),
        # a reported month without a target (April): no target, as before
        ("2025", "sum", 4, "2025-04", None),
    ],
)
def test_a_period_reported_part_way_is_judged_against_the_targets_of_the_months_reported(
    period, aggregation, present, last, expected
):
    from aim.status import target_to_date

    got = target_to_date(
        _MONTHLY,
        JAN.parse(period),
        JAN,
        Kind.MONTH,
        aggregation,
        Rollup(1.0, present, 12 if period == "2025" else 3),
        JAN.parse(last),
    )
    assert got == expected


def test_no_value_reported_means_no_target_to_date():
    from aim.status import target_to_date

    assert (
        target_to_date(_MONTHLY, JAN.parse("2025"), JAN, Kind.MONTH, "sum", Rollup(None, 0, 12), None) is None
    )


@pytest.mark.parametrize(
    "now, before, trend_now, trend_before, expected",
    [
        ("off_track", "on_track", None, None, "newly_off_track"),
        ("off_track", "at_risk", None, None, "newly_off_track"),
        ("off_track", None, None, None, "newly_off_track"),
        ("off_track", "no_data", None, None, "newly_off_track"),
        ("off_track", "off_track", "worsening", "flat", "worsening"),
        ("off_track", "off_track", "flat", None, None),
        ("at_risk", "on_track", None, None, "newly_at_risk"),
        ("at_risk", "no_target", None, None, "newly_at_risk"),
        ("at_risk", "off_track", None, None, None),
        ("at_risk", "at_risk", None, None, None),
        ("on_track", "off_track", "worsening", None, "recovered"),
        ("on_track", "at_risk", None, None, "recovered"),
        ("on_track", "no_data", None, None, None),
        ("on_track", "on_track", "worsening", "improving", "worsening"),
        ("on_track", "on_track", "worsening", "worsening", None),
        ("no_data", "off_track", None, None, None),
    ],
)
def test_change_kind_names_how_a_measure_moved_between_two_periods(
    now, before, trend_now, trend_before, expected
):
    from aim.status import change_kind

    got = change_kind(now, before, trend_now, trend_before)
    assert (got.value if got else None) == expected
