"""The column forms of the status rules (aim.status *_columns) against the scalar rules, on random
measures, targets and series: they must agree exactly, status by status and score by score."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aim import status as rules
from aim.periods import FiscalCalendar, Kind, Rollup, rollup
from aim.status import Target, TargetColumns

CALENDAR = FiscalCalendar(7)
YEAR = CALENDAR.parse("2025")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Whole numbers hit the equality branches (on the target, zero targets); other floats the rest.
numbers = st.one_of(
    st.integers(-20, 20).map(float),
    st.sampled_from([0.0, -0.0, 0.1, 0.2, 0.30000000000000004, 1e-12, 5e-324]),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
maybe_numbers = st.one_of(st.none(), numbers)
directions = st.sampled_from(["up", "down", "range"])
aggregations = st.sampled_from(["sum", "mean", "last"])


def _same(a: float | None, b: float | None) -> bool:
    """Exactly equal, float for float (None for None, NaN for NaN)."""
    if a is None or b is None:
        return a is None and b is None
    return a == b or (math.isnan(a) and math.isnan(b))


def _none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _floats(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@st.composite
def targets_for(draw, direction: str) -> Target | None:
    if draw(st.booleans()):
        return None
    if direction != "range":
        return Target(draw(numbers))
    low, high = sorted([draw(numbers), draw(numbers)])
    return Target(low=low, high=high)


@st.composite
def measures(draw):
    direction = draw(directions)
    return (
        draw(maybe_numbers),
        draw(targets_for(direction)),
        direction,
        draw(st.sampled_from([0.0, 0.05, 0.1])),
    )


@given(st.lists(measures(), min_size=1, max_size=25))
@SETTINGS
def test_evaluate_columns_agree_exactly_with_evaluate(rows):
    actual = _floats(r[0] for r in rows)
    targets = TargetColumns.of([r[1] for r in rows])
    direction = np.array([r[2] for r in rows], dtype=object)
    tolerance = np.array([r[3] for r in rows], dtype=float)
    got = rules.evaluate_columns(actual, targets, direction, tolerance)
    for i, (a, t, d, tol) in enumerate(rows):
        want = rules.evaluate(a, t, d, tol)
        assert got.status[i] == want.status.value, (a, t, d, tol)
        assert _same(_none(got.score[i]), want.score), (a, t, d, want.score, got.score[i])
        assert _same(_none(got.miss[i]), want.miss)
        assert _same(_none(got.allowed[i]), want.allowed)
        assert _same(_none(got.relative_miss[i]), want.relative_miss)


@st.composite
def series(draw):
    direction = draw(directions)
    window = draw(st.lists(maybe_numbers, min_size=rules.TREND_PERIODS, max_size=rules.TREND_PERIODS))
    return window, direction, draw(targets_for(direction))


@given(st.lists(series(), min_size=1, max_size=25))
@SETTINGS
def test_trend_columns_agree_exactly_with_trend(rows):
    window = np.array([_floats(r[0]) for r in rows])
    direction = np.array([r[1] for r in rows], dtype=object)
    got = rules.trend_columns(window, direction, TargetColumns.of([r[2] for r in rows]))
    for i, (values, d, band) in enumerate(rows):
        want = rules.trend(values, d, band)
        assert got[i] == (want.value if want else None), (values, d, band)


@given(
    st.lists(
        st.tuples(st.lists(maybe_numbers, min_size=12, max_size=12), aggregations, st.integers(0, 12)),
        min_size=1,
        max_size=25,
    )
)
@SETTINGS
def test_rollup_and_change_columns_agree_exactly_with_rollup_and_change(rows):
    values = np.array([_floats(r[0]) for r in rows])
    aggregation = np.array([r[1] for r in rows], dtype=object)
    earlier = np.array([_floats(reversed(r[0])) for r in rows])
    got = rules.rollup_columns(values, aggregation, 12)
    got_before = rules.rollup_columns(earlier, aggregation, 12)
    changes = rules.change_columns(got, got_before, aggregation)
    for i, (parts, agg, _n) in enumerate(rows):
        want = rollup(parts, agg, 12)
        before = rollup(list(reversed(parts)), agg, 12)
        assert _same(_none(got.value[i]), want.value) and got.present[i] == want.present
        assert _same(_none(changes[i]), rules.change(want, before, agg))


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=25))
@SETTINGS
def test_stale_columns_agree_exactly_with_is_stale(rows):
    has = np.array([r[0] for r in rows], dtype=bool)
    active = np.array([r[1] for r in rows], dtype=bool)
    got = rules.stale_columns(has, active).tolist()
    assert got == [rules.is_stale(h, a) for h, a in rows]
    assert all(type(v) is bool for v in got)


@st.composite
def target_tables(draw):
    """Targets for some of the year's, quarters' and months' keys of fiscal 2025, and a period in it."""
    kind = draw(st.sampled_from(list(Kind)))
    direction = draw(directions)
    keys = [YEAR, *CALENDAR.children(YEAR, Kind.QUARTER), *CALENDAR.children(YEAR, Kind.MONTH)]
    # Whole sets often (so the shorter periods' targets combine), single ones at random.
    full = draw(st.sampled_from([None, Kind.QUARTER, Kind.MONTH]))
    table = {}
    for p in keys:
        t = draw(targets_for(direction))
        if t is None and full is not None and p.kind is full:
            t = Target(draw(numbers)) if direction != "range" else Target(low=0.0, high=draw(numbers) ** 2)
        if t is not None:
            table[p.key] = t
    period_kind = draw(st.sampled_from([k for k in Kind if k.months >= kind.months]))
    period = draw(
        st.sampled_from([YEAR] if period_kind is Kind.YEAR else CALENDAR.children(YEAR, period_kind))
    )
    children = CALENDAR.children(period, kind)
    present = draw(st.integers(0, len(children)))
    last = draw(st.integers(-1, len(children) - 1)) if present else -1
    return table, kind, period, draw(aggregations), present, last


@given(st.lists(target_tables(), min_size=1, max_size=12))
@SETTINGS
def test_target_resolution_columns_agree_exactly_with_the_scalar_rules(rows):
    # Each example has its own period and kind; the column forms take one of each, so each example
    # is evaluated as a column of three rows: itself and two copies with other aggregations.
    for table, kind, period, agg, present, last in rows:
        aggs = [agg, *[a for a in ("sum", "mean", "last") if a != agg]]
        aggregation = np.array(aggs, dtype=object)
        keys = {p for t in table for p in [t]}
        columns = {key: TargetColumns.of([table.get(key)] * 3) for key in keys}
        n = len(CALENDAR.children(period, kind))
        rolled = rules.RollupColumns(
            np.full(3, 1.0 if present else np.nan), np.full(3, present), np.full(3, n)
        )
        resolved = rules.resolve_target_columns(columns, period, CALENDAR, kind, aggregation).listed()
        to_date = rules.target_to_date_columns(
            columns, period, CALENDAR, kind, aggregation, rolled, np.full(3, last)
        ).listed()
        scaled = rules.period_target_columns(TargetColumns.of(resolved), rolled, aggregation).listed()
        last_period = CALENDAR.children(period, kind)[last] if last >= 0 else None
        for i, a in enumerate(aggs):
            full = rules.resolve_target(table, period, CALENDAR, kind, a)
            assert resolved[i] == full, (period, kind, a, table)
            roll = Rollup(1.0 if present else None, present, n)
            assert scaled[i] == rules.period_target(full, roll, a)
            want = rules.target_to_date(table, period, CALENDAR, kind, a, roll, last_period)
            assert to_date[i] == want, (period, kind, a, present, last, table)


def test_a_target_unsuited_to_the_direction_is_refused_as_the_scalar_rule_refuses_it():
    import pytest

    with pytest.raises(ValueError, match="needs a target with both low and high"):
        rules.evaluate_columns(
            np.array([1.0]), TargetColumns.of([Target(5.0)]), np.array(["range"], dtype=object), 0.1
        )
