"""The methodology: status, score, index and trend of measures. Pure functions, no I/O.

docs/methodology.md explains these rules in plain language; when one changes, so does the other.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

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
