"""The methodology: status, score, index and trend of measures. Pure functions, no I/O.

docs/methodology.md explains these rules in plain language; when one changes, so does the other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from aim.periods import Aggregation, FiscalCalendar, Kind, Period, Rollup, rollup


class Direction(StrEnum):
    UP = "up"  # higher is better
    DOWN = "down"  # lower is better
    RANGE = "range"  # within [low, high] is best


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"


class Trend(StrEnum):
    IMPROVING = "improving"
    WORSENING = "worsening"
    FLAT = "flat"


_DIRECTIONS: dict[str, Direction] = {d.value: d for d in Direction}
_AGGREGATIONS: dict[str, Aggregation] = {a.value: a for a in Aggregation}


def _direction(value: str) -> Direction:
    # A dict lookup, not Direction(value): this runs for every measure of every scorecard.
    try:
        return _DIRECTIONS[value]
    except KeyError:
        raise ValueError(f"direction must be one of up, down, range; got {value!r}") from None


def _aggregation(value: str) -> Aggregation:
    try:
        return _AGGREGATIONS[value]
    except KeyError:
        raise ValueError(f"aggregation must be one of sum, mean, last; got {value!r}") from None


#: Counted beside the status: a measure whose latest due value is missing is also "stale".
STALE = "stale"
#: Every key of a counts-by-status mapping, in the order they are shown.
COUNT_KEYS: tuple[str, ...] = (*[s.value for s in Status], STALE)
#: The statuses by number (their order in Status): the column forms pick by number, then the name,
#: one shared string a status, with no string made per measure.
STATUS_NAMES = np.array([s.value for s in Status], dtype=object)
STATUS_CODE = {s.value: n for n, s in enumerate(Status)}

SCORE_CAP = 1.25
DEFAULT_TOLERANCE = 0.10
TREND_PERIODS = 6
TREND_MIN_POINTS = 3
#: A fitted change over the trend window smaller than this share of the typical value is "flat".
TREND_FLAT_THRESHOLD = 0.05
# Float noise (0.1 + 0.2) must not turn an exact hit into a miss.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Target:
    """A target: `value` for up/down measures, `low`-`high` bounds for range measures."""

    value: float | None = None
    low: float | None = None
    high: float | None = None

    def scaled(self, factor: float) -> Target:
        """The target for a share of the period (a sum over 3 of 12 months: factor 0.25)."""
        return Target(*(None if v is None else v * factor for v in (self.value, self.low, self.high)))

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.high is not None


@dataclass(frozen=True, slots=True)
class Evaluation:
    """How one value compares with its target."""

    status: Status
    score: float | None = None
    miss: float | None = None  # how far short of the target (0 when met); None without both
    allowed: float | None = None  # the largest miss still "at risk"
    relative_miss: float | None = None  # miss / |target|, None when the target is zero


def _check_target(target: Target, direction: Direction) -> None:
    if direction == Direction.RANGE:
        if target.low is None or target.high is None:
            raise ValueError("A range measure needs a target with both low and high.")
        if target.low > target.high:
            raise ValueError(f"Target low {target.low} is above high {target.high}.")
    elif target.value is None:
        raise ValueError(f"A measure whose direction is {direction} needs a target value.")


def miss_of(actual: float, target: Target, direction: Direction) -> tuple[float, float]:
    """(miss, reference): how far the actual falls short, and the target magnitude it is measured
    against (the target, or for a range the nearer bound). Miss is 0 when the target is met.
    The target suits the direction (_check_target): a value, or both bounds for a range."""
    if direction != Direction.RANGE:
        value = target.value
        assert value is not None
        if direction == Direction.UP:
            return max(0.0, value - actual), abs(value)
        return max(0.0, actual - value), abs(value)
    low, high = target.low, target.high
    assert low is not None and high is not None
    if actual < low:
        return low - actual, abs(low)
    if actual > high:
        return actual - high, abs(high)
    return 0.0, min(abs(low), abs(high))


def evaluate(
    actual: float | None,
    target: Target | None,
    direction: Direction | str,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Evaluation:
    """The status and score of `actual` against `target` for a measure going `direction`."""
    direction = _direction(direction)
    if actual is None:
        return Evaluation(Status.NO_DATA)
    if target is None:
        return Evaluation(Status.NO_TARGET)
    _check_target(target, direction)
    miss, reference = miss_of(actual, target, direction)
    allowed = tolerance * reference
    if miss <= _EPSILON * max(1.0, reference):
        status = Status.ON_TRACK
        miss = 0.0
    elif miss <= allowed + _EPSILON * max(1.0, reference):
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    relative = miss / reference if reference else None
    return Evaluation(status, score(actual, target, direction), miss, allowed, relative)


def _clamp(value: float) -> float:
    return min(SCORE_CAP, max(0.0, value))


def score(actual: float | None, target: Target | None, direction: Direction | str) -> float | None:
    """Performance against target, 1.0 = exactly on target, capped at 1.25 and floored at 0.

    up: actual / target. down: target / actual. range: 1.0 inside, decaying outside by the
    distance to the nearer bound as a share of that bound. Zero and negative targets, where a
    ratio means nothing, use the distance from the target as a share of its size; see
    docs/methodology.md for every case. Never divides by zero.
    """
    if actual is None or target is None:
        return None
    direction = _direction(direction)
    _check_target(target, direction)
    if direction == Direction.RANGE:
        low, high = target.low, target.high
        assert low is not None and high is not None  # _check_target
        if low <= actual <= high:
            return 1.0
        bound = low if actual < low else high
        scale = abs(bound) or (high - low)
        if scale == 0:
            return 0.0
        return _clamp(1.0 - abs(actual - bound) / scale)
    t = target.value
    assert t is not None
    if direction == Direction.UP:
        if t > 0:
            return _clamp(actual / t)
        if t == 0:
            return SCORE_CAP if actual > 0 else (1.0 if actual == 0 else 0.0)
        return _clamp(1.0 + (actual - t) / abs(t))
    # down: lower is better
    if t > 0:
        return SCORE_CAP if actual <= 0 else _clamp(t / actual)
    if t == 0:
        return SCORE_CAP if actual < 0 else (1.0 if actual == 0 else 0.0)
    return _clamp(1.0 + (t - actual) / abs(t))


#: Significant digits of the figures the scorecard API and `python -m aim status --json` give
#: (docs/methodology.md, "Precision"): more than any measure is reported with, fewer than a float's
#: 15-17, so the noise of floating-point arithmetic never shows.
STATED_DIGITS = 12


def stated(value: float | None) -> float | None:
    """`value` rounded to STATED_DIGITS significant digits, as published figures are given."""
    return None if value is None else float(f"{value:.{STATED_DIGITS}g}")


def index(scores: Iterable[float | None]) -> float | None:
    """The mean of the scores present; None when there are none."""
    present = [s for s in scores if s is not None]
    if not present:
        return None
    return sum(present) / len(present)


@dataclass(frozen=True, slots=True)
class LineSums:
    """Running sums for a least-squares line through points (x, y); SQL can compute these too."""

    n: int = 0
    sx: float = 0.0
    sy: float = 0.0
    sxy: float = 0.0
    sxx: float = 0.0
    sabs: float = 0.0  # sum of |y|, for the typical size of the values
    xmin: float = 0.0
    xmax: float = 0.0

    @classmethod
    def of(cls, points: Sequence[tuple[float, float]]) -> LineSums:
        # One pass: this runs for every measure of every scorecard.
        n = 0
        sx = sy = sxy = sxx = sabs = 0.0
        xmin = xmax = 0.0
        for x, y in points:
            if n == 0:
                xmin = x
            xmax = x
            n += 1
            sx += x
            sy += y
            sxy += x * y
            sxx += x * x
            sabs += y if y >= 0 else -y
        return cls(n, sx, sy, sxy, sxx, sabs, xmin, xmax)

    def slope(self) -> float:
        denominator = self.n * self.sxx - self.sx * self.sx
        return (self.n * self.sxy - self.sx * self.sy) / denominator if denominator else 0.0


def trend_from_sums(
    sums: LineSums,
    direction: Direction | str,
    scale: float | None = None,
    threshold: float = TREND_FLAT_THRESHOLD,
) -> Trend | None:
    """The trend of a fitted line: its change over the window against the typical value.

    `scale` is the typical size of the values (by default the mean of |y|). For range measures
    the y values are distances outside the band, so lower is better.
    """
    direction = _direction(direction)
    if sums.n < TREND_MIN_POINTS:
        return None
    if scale is None:
        scale = sums.sabs / sums.n
    change = sums.slope() * (sums.xmax - sums.xmin)
    if not scale or not math.isfinite(change) or abs(change) / scale < threshold:
        return Trend.FLAT
    better = change > 0 if direction == Direction.UP else change < 0
    return Trend.IMPROVING if better else Trend.WORSENING


def trend(
    values: Sequence[float | None],
    direction: Direction | str,
    target: Target | None = None,
    threshold: float = TREND_FLAT_THRESHOLD,
) -> Trend | None:
    """Improving, worsening or flat over consecutive periods (oldest first, None where missing).

    A least-squares line is fitted to the values present; its change from the first to the last
    period present, as a share of the mean absolute value, is flat when under `threshold`.
    For range measures the line is fitted to the distance outside the target band. None when
    fewer than three values are present, or for a range measure without a target.
    """
    direction = _direction(direction)
    points = [(float(i), float(v)) for i, v in enumerate(values) if v is not None]
    if len(points) < TREND_MIN_POINTS:
        return None
    if direction != Direction.RANGE:
        return trend_from_sums(LineSums.of(points), direction, None, threshold)
    if target is None or target.low is None or target.high is None:
        return None
    scale = sum(abs(y) for _, y in points) / len(points) or (target.high - target.low)
    distances = [(x, miss_of(y, target, direction)[0]) for x, y in points]
    return trend_from_sums(LineSums.of(distances), direction, scale, threshold)


def resolve_target(
    targets: Mapping[str, Target],
    period: Period,
    calendar: FiscalCalendar,
    kind: Kind,
    aggregation: Aggregation | str,
) -> Target | None:
    """The target in force for `period`, for a measure reporting periods of `kind`.

    In order: a target set for the period itself; else one set for a longer period holding it
    (the quarter, then the year), as the same share of it for sums and as it is for means and
    last values; else the targets of the shorter periods making it up, rolled up like the
    values, when every one of them has a target.
    """
    aggregation = _aggregation(aggregation)
    if (exact := targets.get(period.key)) is not None:
        return exact
    for longer in (Kind.QUARTER, Kind.YEAR):
        if longer.months <= period.length:
            continue
        holder = calendar.containing(period, longer)
        if (found := targets.get(holder.key)) is not None:
            if aggregation == Aggregation.SUM:
                return found.scaled(period.length / holder.length)
            return found
    for shorter in (Kind.QUARTER, Kind.MONTH):
        if shorter.months >= period.length or shorter.months < kind.months:
            continue
        children = calendar.children(period, shorter)
        parts = [t for p in children if (t := targets.get(p.key)) is not None]
        if parts and len(parts) == len(children):
            return _combine_targets(parts, aggregation)
    return None


def target_to_date(
    targets: Mapping[str, Target],
    period: Period,
    calendar: FiscalCalendar,
    kind: Kind,
    aggregation: Aggregation | str,
    rolled: Rollup,
    last_reported: Period | None,
) -> Target | None:
    """The target for the part of `period` reported so far, when no target covers all of it.

    Cities that set a target every month (CityScore style) have none yet for the months to come,
    so a year or quarter under way, or one whose data ends part way, has no whole-period target.
    When every quarter (or month) from the period's start to the one holding the latest value
    reported has a target, those targets are combined like the values (summed, averaged or the
    last) and compared with the values reported. A sum with a gap (8 of the 9 months to date
    reported) is compared with the same share of that target, as the partial-period rule does.
    Returns a target to compare with the rolled-up value as it is (no further scaling).
    """
    aggregation = _aggregation(aggregation)
    if last_reported is None or not rolled.present:
        return None
    for shorter in (Kind.QUARTER, Kind.MONTH):
        if shorter.months >= period.length or shorter.months < kind.months:
            continue
        children = calendar.children(period, shorter)
        holder = calendar.containing(last_reported, shorter)
        keys = [p.key for p in children]
        if holder.key not in keys:
            return None
        to_date = children[: keys.index(holder.key) + 1]
        parts = [t for p in to_date if (t := targets.get(p.key)) is not None]
        if not parts or len(parts) < len(to_date):
            continue
        combined = _combine_targets(parts, aggregation)
        expected = len(to_date) * shorter.months // kind.months
        if aggregation == Aggregation.SUM and rolled.present < expected:
            return combined.scaled(rolled.present / expected)
        return combined
    return None


def _combine_targets(parts: Sequence[Target], aggregation: Aggregation) -> Target:
    def combine(values: list[float | None]) -> float | None:
        if any(v is None for v in values):
            return None
        return rollup(values, aggregation, len(values)).value

    return Target(
        combine([p.value for p in parts]),
        combine([p.low for p in parts]),
        combine([p.high for p in parts]),
    )


def period_target(target: Target | None, rolled: Rollup, aggregation: Aggregation | str) -> Target | None:
    """The target to compare a rolled-up value with.

    A sum over part of a period (8 of 12 months reported) is compared with the same share of the
    target; means and last values are compared with the target as it is.
    """
    if target is None:
        return None
    if _aggregation(aggregation) == Aggregation.SUM and rolled.present and not rolled.complete:
        return target.scaled(rolled.share)
    return target


def change(current: Rollup, previous: Rollup, aggregation: Aggregation | str) -> float | None:
    """The relative change from the same period a year earlier: (now - then) / |then|.

    Sums covering different numbers of shorter periods (9 months reported now, 10 a year ago)
    are compared per period, so a year to date is not set against a longer stretch.
    """
    if current.value is None or not previous.value:
        return None
    now, then = current.value, previous.value
    if _aggregation(aggregation) == Aggregation.SUM and current.present != previous.present:
        now, then = now / current.present, then / previous.present
    return (now - then) / abs(then)


def is_stale(has_value_for_last_due: bool, active_for_last_due: bool) -> bool:
    """Stale: the latest period that should have been reported by now has no value."""
    return active_for_last_due and not has_value_for_last_due


def stale_columns(has_value_for_last_due: np.ndarray, active_for_last_due: np.ndarray) -> np.ndarray:
    """is_stale over whole columns of booleans."""
    return active_for_last_due & ~has_value_for_last_due


def empty_counts() -> dict[str, int]:
    return {key: 0 for key in COUNT_KEYS}


# -- what changed between two periods (the review room) ---------------------------------------
class Change(StrEnum):
    NEWLY_OFF_TRACK = "newly_off_track"
    NEWLY_AT_RISK = "newly_at_risk"
    RECOVERED = "recovered"
    WORSENING = "worsening"


_MISSED = (Status.AT_RISK, Status.OFF_TRACK)


def change_kind(
    now: Status | str, before: Status | str | None, trend_now: str | None, trend_before: str | None
) -> Change | None:
    """How a measure's standing moved from an earlier period to a later one, or None.

    Newly off track: off track now, not off track before (including not judged then). Newly at
    risk: at risk now, neither at risk nor off track before (a move up from off track is no alarm).
    Recovered: on track now after being at risk or off track. Otherwise, a trend that turned
    worsening (worsening now, not worsening before) is listed; a status change comes first.
    """
    now = Status(now)
    was = Status(before) if before is not None else None
    if now is Status.OFF_TRACK and was is not Status.OFF_TRACK:
        return Change.NEWLY_OFF_TRACK
    if now is Status.AT_RISK and was not in _MISSED:
        return Change.NEWLY_AT_RISK
    if now is Status.ON_TRACK and was in _MISSED:
        return Change.RECOVERED
    if trend_now == Trend.WORSENING and trend_before != Trend.WORSENING:
        return Change.WORSENING
    return None


# -- the same rules over whole columns ----------------------------------------------------------
# The scorecard evaluates every measure at once with these. Each is the column form of the scalar
# rule above it and agrees with it exactly, value for value (tests/aim/test_status_columns.py checks
# that on random measures, targets and series): the same operations in the same order, float for
# float. Where the scalar form has None, a column has NaN (or False in `present`, for targets).
# Sums run left to right over columns in period order, as `sum` does over a list.


def _nan_to_none(column: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in column.tolist()]


@dataclass(frozen=True, slots=True)
class TargetColumns:
    """Targets of many measures: `present` says which have one; NaN where a field is None."""

    value: np.ndarray
    low: np.ndarray
    high: np.ndarray
    present: np.ndarray

    @classmethod
    def missing(cls, n: int) -> TargetColumns:
        nan = np.full(n, np.nan)
        return cls(nan, nan.copy(), nan.copy(), np.zeros(n, dtype=bool))

    @classmethod
    def of(cls, targets: Sequence[Target | None]) -> TargetColumns:
        def field(name: str) -> np.ndarray:
            values = [getattr(t, name) if t is not None else None for t in targets]
            return np.array([np.nan if v is None else v for v in values], dtype=float)

        return cls(
            field("value"),
            field("low"),
            field("high"),
            np.array([t is not None for t in targets], dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.present)

    def scaled(self, factor: np.ndarray | float) -> TargetColumns:
        return TargetColumns(self.value * factor, self.low * factor, self.high * factor, self.present)

    def where(self, mask: np.ndarray, other: TargetColumns) -> TargetColumns:
        """These targets where `mask` holds, `other`'s elsewhere."""
        return TargetColumns(
            np.where(mask, self.value, other.value),
            np.where(mask, self.low, other.low),
            np.where(mask, self.high, other.high),
            np.where(mask, self.present, other.present),
        )

    def take(self, rows: np.ndarray) -> TargetColumns:
        return TargetColumns(self.value[rows], self.low[rows], self.high[rows], self.present[rows])

    def listed(self) -> list[Target | None]:
        value, low, high = (_nan_to_none(c) for c in (self.value, self.low, self.high))
        return [Target(value[i], low[i], high[i]) if p else None for i, p in enumerate(self.present.tolist())]


@dataclass(frozen=True, slots=True)
class RollupColumns:
    """Roll-ups of many measures (aim.periods.Rollup): NaN value where none is present."""

    value: np.ndarray
    present: np.ndarray  # int
    expected: np.ndarray  # int

    @property
    def complete(self) -> np.ndarray:
        return self.present == self.expected

    @property
    def share(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.expected != 0, self.present / np.where(self.expected, self.expected, 1), 0.0)


@dataclass(frozen=True, slots=True)
class EvaluationColumns:
    """Evaluations of many measures: statuses by number (STATUS_NAMES), NaN where the scalar form
    has None."""

    status_code: np.ndarray
    score: np.ndarray
    miss: np.ndarray
    allowed: np.ndarray
    relative_miss: np.ndarray

    @property
    def status(self) -> np.ndarray:
        """The statuses as strings (shared ones, an object array)."""
        return STATUS_NAMES[self.status_code]


def _directions(direction: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    up, down, band = direction == Direction.UP, direction == Direction.DOWN, direction == Direction.RANGE
    if not (up | down | band).all():
        _direction(str(direction[~(up | down | band)][0]))  # raises the scalar form's message
    return up, down, band


def _column_sum(parts: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Left to right, as `sum` adds a list: missing (NaN) parts are skipped."""
    total = np.zeros(n)
    for column in parts:
        total = total + np.where(np.isnan(column), 0.0, column)
    return total


def rollup_columns(values: np.ndarray, aggregation: np.ndarray, expected: np.ndarray | int) -> RollupColumns:
    """aim.periods.rollup for each row of `values` (oldest period first, NaN where missing)."""
    n = values.shape[0]
    have = ~np.isnan(values)
    present = have.sum(axis=1)
    total = _column_sum([values[:, i] for i in range(values.shape[1])], n)
    last = np.full(n, np.nan)
    for i in range(values.shape[1]):
        last = np.where(have[:, i], values[:, i], last)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / present
    value = np.select(
        [aggregation == Aggregation.SUM, aggregation == Aggregation.MEAN, aggregation == Aggregation.LAST],
        [total, mean, last],
        np.nan,
    )
    if not np.isin(aggregation, list(_AGGREGATIONS)).all():
        _aggregation(str(aggregation[~np.isin(aggregation, list(_AGGREGATIONS))][0]))
    return RollupColumns(
        np.where(present > 0, value, np.nan), present, np.broadcast_to(expected, (n,)).copy()
    )


def _check_target_columns(
    actual: np.ndarray, target: TargetColumns, up: np.ndarray, down: np.ndarray, band: np.ndarray
) -> None:
    # As the scalar form: only a target compared with a value is checked.
    bad = (
        target.present
        & ~np.isnan(actual)
        & (
            (band & (np.isnan(target.low) | np.isnan(target.high) | (target.low > target.high)))
            | ((up | down) & np.isnan(target.value))
        )
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _check_target(target.listed()[i] or Target(), Direction.RANGE if band[i] else Direction.UP)


def _clamp_columns(value: np.ndarray) -> np.ndarray:
    # min(SCORE_CAP, max(0.0, v)), NaN included: max keeps 0.0 unless v > 0.0, min keeps the cap
    # unless v < it.
    floored = np.where(value > 0.0, value, 0.0)
    return np.where(floored < SCORE_CAP, floored, SCORE_CAP)


def _miss_columns(
    actual: np.ndarray, target: TargetColumns, up: np.ndarray, band: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    value, low, high = target.value, target.low, target.high
    short = np.where(up, value - actual, actual - value)
    miss = np.where(short > 0.0, short, 0.0)  # max(0.0, x)
    reference = np.abs(value)
    below, above = actual < low, actual > high
    band_miss = np.where(below, low - actual, np.where(above, actual - high, 0.0))
    band_reference = np.where(
        below, np.abs(low), np.where(above, np.abs(high), np.minimum(np.abs(low), np.abs(high)))
    )
    return np.where(band, band_miss, miss), np.where(band, band_reference, reference)


def score_columns(actual: np.ndarray, target: TargetColumns, direction: np.ndarray) -> np.ndarray:
    """`score` for each row: NaN where the actual or the target is missing."""
    up, down, band = _directions(direction)
    _check_target_columns(actual, target, up, down, band)
    t, low, high = target.value, target.low, target.high
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bound = np.where(actual < low, low, high)
        scale = np.abs(bound)
        scale = np.where(scale != 0, scale, high - low)  # `abs(bound) or (high - low)`
        outside = np.where(scale == 0, 0.0, _clamp_columns(1.0 - np.abs(actual - bound) / scale))
        in_band = (low <= actual) & (actual <= high)
        ranged = np.where(in_band, 1.0, outside)
        at_zero_up = np.where(actual > 0, SCORE_CAP, np.where(actual == 0, 1.0, 0.0))
        rising = np.select(
            [t > 0, t == 0],
            [_clamp_columns(actual / t), at_zero_up],
            _clamp_columns(1.0 + (actual - t) / np.abs(t)),
        )
        at_zero_down = np.where(actual < 0, SCORE_CAP, np.where(actual == 0, 1.0, 0.0))
        falling = np.select(
            [t > 0, t == 0],
            [np.where(actual <= 0, SCORE_CAP, _clamp_columns(t / actual)), at_zero_down],
            _clamp_columns(1.0 + (t - actual) / np.abs(t)),
        )
    scored = np.select([band, up], [ranged, rising], falling)
    return np.where(target.present & ~np.isnan(actual), scored, np.nan)


def evaluate_columns(
    actual: np.ndarray, target: TargetColumns, direction: np.ndarray, tolerance: np.ndarray | float
) -> EvaluationColumns:
    """`evaluate` for each row."""
    up, down, band = _directions(direction)
    _check_target_columns(actual, target, up, down, band)
    judged = target.present & ~np.isnan(actual)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        miss, reference = _miss_columns(actual, target, up, band)
        allowed = tolerance * reference
        slack = _EPSILON * np.maximum(1.0, reference)
        on = miss <= slack
        at = ~on & (miss <= allowed + slack)
        miss = np.where(on, 0.0, miss)
        relative = np.where(reference != 0, miss / np.where(reference != 0, reference, 1.0), np.nan)
    code = np.select(
        [np.isnan(actual), ~target.present, on, at],
        [STATUS_CODE[s] for s in (Status.NO_DATA, Status.NO_TARGET, Status.ON_TRACK, Status.AT_RISK)],
        STATUS_CODE[Status.OFF_TRACK],
    ).astype(np.int8)
    nan = np.nan
    return EvaluationColumns(
        code,
        score_columns(actual, target, direction),
        np.where(judged, miss, nan),
        np.where(judged, allowed, nan),
        np.where(judged, relative, nan),
    )


def _line_columns(points: np.ndarray) -> tuple[np.ndarray, ...]:
    """LineSums.of for each row of `points` (y at x = 0, 1, ...; NaN where missing)."""
    rows = points.shape[0]
    n = np.zeros(rows)
    sx, sy, sxy, sxx, sabs = (np.zeros(rows) for _ in range(5))
    xmin, xmax = np.full(rows, np.nan), np.zeros(rows)
    for i in range(points.shape[1]):
        y = points[:, i]
        have = ~np.isnan(y)
        x = float(i)
        xmin = np.where(have & np.isnan(xmin), x, xmin)
        xmax = np.where(have, x, xmax)
        n = n + have
        sx = sx + np.where(have, x, 0.0)
        sy = sy + np.where(have, y, 0.0)
        sxy = sxy + np.where(have, x * y, 0.0)
        sxx = sxx + np.where(have, x * x, 0.0)
        sabs = sabs + np.where(have, np.where(y >= 0, y, -y), 0.0)
    return n, sx, sy, sxy, sxx, sabs, np.where(np.isnan(xmin), 0.0, xmin), xmax


#: The trends by number for trend_columns, None first (too few points or no band): one shared
#: string a trend, with no string made per measure.
_TREND_NAMES = np.array([None, Trend.FLAT.value, Trend.IMPROVING.value, Trend.WORSENING.value], dtype=object)


def trend_columns(
    window: np.ndarray,
    direction: np.ndarray,
    band: TargetColumns | None = None,
    threshold: float = TREND_FLAT_THRESHOLD,
) -> np.ndarray:
    """`trend` for each row of `window` (oldest period first, NaN where missing), with `band` the
    target of range measures: the trends' names, None where there is none (an object array)."""
    up, _down, ranged = _directions(direction)
    rows = window.shape[0]
    band = band if band is not None else TargetColumns.missing(rows)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        # A range measure's scale is the typical size of its values, and its line is fitted to its
        # distances from the band; the others' lines are fitted to their values. The distances and
        # the values' sums only for the rows that need them (a row's sums are the same whatever
        # other rows are summed beside it).
        r_low, r_high, r_window = band.low[ranged], band.high[ranged], window[ranged]
        r_n, _sx, _sy, _sxy, _sxx, r_sabs, _xmin, _xmax = _line_columns(r_window)
        r_scale = r_sabs / r_n
        band_scale = np.full(rows, np.nan)
        band_scale[ranged] = np.where(r_scale != 0, r_scale, r_high - r_low)
        low, high = r_low[:, None], r_high[:, None]
        distance = np.where(r_window < low, low - r_window, np.where(r_window > high, r_window - high, 0.0))
        fitted = window.copy()
        fitted[ranged] = np.where(np.isnan(r_window), np.nan, distance)
        n, sx, sy, sxy, sxx, sabs, xmin, xmax = _line_columns(fitted)
        scale = np.where(ranged, band_scale, sabs / n)
        denominator = n * sxx - sx * sx
        slope = np.where(denominator != 0, (n * sxy - sx * sy) / denominator, 0.0)
        change_ = slope * (xmax - xmin)
        flat = (scale == 0) | ~np.isfinite(change_) | (np.abs(change_) / scale < threshold)
    better = np.where(up, change_ > 0, change_ < 0)
    judged = (n >= TREND_MIN_POINTS) & (~ranged | (band.present & ~np.isnan(band.low) & ~np.isnan(band.high)))
    return _TREND_NAMES[np.select([~judged, flat, better], [0, 1, 2], 3)]


def change_columns(current: RollupColumns, previous: RollupColumns, aggregation: np.ndarray) -> np.ndarray:
    """`change` for each row: NaN where there is none."""
    per_period = (aggregation == Aggregation.SUM) & (current.present != previous.present)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        now = np.where(per_period, current.value / current.present, current.value)
        then = np.where(per_period, previous.value / previous.present, previous.value)
        relative = (now - then) / np.abs(then)
    judged = ~np.isnan(current.value) & ~np.isnan(previous.value) & (previous.value != 0)
    return np.where(judged, relative, np.nan)


def period_target_columns(
    target: TargetColumns, rolled: RollupColumns, aggregation: np.ndarray
) -> TargetColumns:
    """`period_target` for each row."""
    partial = (aggregation == Aggregation.SUM) & (rolled.present > 0) & ~rolled.complete
    return target.scaled(rolled.share).where(partial & target.present, target)


def _combine_columns(parts: Sequence[TargetColumns], aggregation: np.ndarray) -> TargetColumns:
    """_combine_targets for each row (every part present there): a field is NaN if any part's is."""
    n = len(parts[0])

    def combine(fields: list[np.ndarray]) -> np.ndarray:
        total = np.zeros(n)
        for f in fields:
            total = total + f
        value = np.select(
            [aggregation == Aggregation.SUM, aggregation == Aggregation.MEAN],
            [total, total / len(fields)],
            fields[-1],
        )
        return np.where(np.any(np.isnan(np.stack(fields)), axis=0), np.nan, value)

    present = np.all(np.stack([p.present for p in parts]), axis=0)
    return TargetColumns(
        combine([p.value for p in parts]),
        combine([p.low for p in parts]),
        combine([p.high for p in parts]),
        present,
    )


def resolve_target_columns(
    targets: Mapping[str, TargetColumns],
    period: Period,
    calendar: FiscalCalendar,
    kind: Kind,
    aggregation: np.ndarray,
) -> TargetColumns:
    """`resolve_target` for each row; `targets` holds, by period key, every row's target for it."""
    n = len(aggregation)
    none = TargetColumns.missing(n)
    found = targets.get(period.key, none)
    for longer in (Kind.QUARTER, Kind.YEAR):
        if longer.months <= period.length:
            continue
        holder = calendar.containing(period, longer)
        if (held := targets.get(holder.key)) is not None:
            share = held.scaled(period.length / holder.length).where(aggregation == Aggregation.SUM, held)
            found = found.where(found.present, share)
    for shorter in (Kind.QUARTER, Kind.MONTH):
        if shorter.months >= period.length or shorter.months < kind.months:
            continue
        children = calendar.children(period, shorter)
        parts = [targets.get(p.key, none) for p in children]
        if any(part is none for part in parts):
            continue  # a part without any target: combined, none present, so nothing found
        combined = _combine_columns(parts, aggregation)
        found = found.where(found.present | ~combined.present, combined)
    return found


def target_to_date_columns(
    targets: Mapping[str, TargetColumns],
    period: Period,
    calendar: FiscalCalendar,
    kind: Kind,
    aggregation: np.ndarray,
    rolled: RollupColumns,
    last_reported: np.ndarray,
) -> TargetColumns:
    """`target_to_date` for each row; `last_reported` is the position of the latest period reported
    among the period's parts of `kind` (calendar.children(period, kind)), -1 where none is."""
    n = len(aggregation)
    none = TargetColumns.missing(n)
    found = none
    undecided = (last_reported >= 0) & (rolled.present > 0)
    # Compared once, not once per part and field (12 months x 3 fields in a year).
    is_sum, is_mean = aggregation == Aggregation.SUM, aggregation == Aggregation.MEAN
    for shorter in (Kind.QUARTER, Kind.MONTH):
        if shorter.months >= period.length or shorter.months < kind.months:
            continue
        children = calendar.children(period, shorter)
        holder = np.where(last_reported >= 0, last_reported, 0) * kind.months // shorter.months
        parts = [targets.get(p.key, none) for p in children]
        # Prefix combinations, left to right as _combine_targets adds them: to_date[: h + 1].
        all_present = np.ones(n, dtype=bool)
        prefix = {name: (np.zeros(n), np.ones(n, dtype=bool)) for name in ("value", "low", "high")}
        chosen = {name: np.full(n, np.nan) for name in prefix}
        chosen_present = np.zeros(n, dtype=bool)
        for h, part in enumerate(parts):
            if part is none:
                # No target for this part (nor, then, for any longer prefix): every row whose last
                # reported part is this one or later keeps NaN, not present, as it starts. Cities
                # that set yearly targets only skip the quarters' and months' work altogether.
                break
            all_present = all_present & part.present
            at = holder == h
            chosen_present = np.where(at, all_present, chosen_present)
            for name in prefix:
                total, whole = prefix[name]
                field = getattr(part, name)
                total, whole = total + field, whole & ~np.isnan(field)
                prefix[name] = (total, whole)
                value = np.where(is_sum, total, np.where(is_mean, total / (h + 1), field))
                chosen[name] = np.where(at, np.where(whole, value, np.nan), chosen[name])
        combined = TargetColumns(chosen["value"], chosen["low"], chosen["high"], chosen_present)
        expected = (holder + 1) * shorter.months // kind.months
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = combined.scaled(rolled.present / expected)
        partial = is_sum & (rolled.present < expected)
        combined = scaled.where(partial, combined)
        take = undecided & combined.present
        found = combined.where(take, found)
        undecided = undecided & ~take
    return found
