"""The public scorecard: every public measure evaluated for one period, each priority's index and
counts, and the citywide index. Only published values of public measures are read, unless a signed-in
`user` is given: then the internal measures of the departments that user may read join them (the
review room), judged by the same rules on published values.

All measures are evaluated from one grouped scan of the actuals (current period, the same period a
year earlier, the trend window and the latest due period, as conditional aggregates), plus one
query each for measures, priorities and targets; never a query per measure. `make bench` times it
against a bare SQL aggregate over the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Integer,
    Row,
    String,
    Subquery,
    Table,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from aim import status as rules
from aim.auth import Principal, visible_department_ids
from aim.models import Activity, Actual, Department, Measure, Priority, Target, activity_priorities
from aim.periods import FREQUENCY_KIND, FiscalCalendar, Kind, Period, Rollup
from aim.schemas import MeasureStatus, PriorityScore, Scorecard, StatusCounts
from aim.services.publication import published_source

PUBLISHED = "published"
#: How far back the default period looks for a fiscal year with published data.
_LOOKBACK_YEARS = 30


@dataclass(frozen=True)
class _Keys:
    """The period keys one kind of measure needs for a scorecard of one period."""

    current: list[Period]
    previous: list[Period]  # the same periods a year earlier (only those already ended now)
    window: list[Period]  # the trend window, oldest first
    due: Period  # the latest period that should have been reported by now
    window_labels: list[str]  # the window's periods as people name them, computed once per kind


def _kinds_within(period: Period) -> list[Kind]:
    return [k for k in (Kind.YEAR, Kind.QUARTER, Kind.MONTH) if k.months <= period.length]


def _keys_for(calendar: FiscalCalendar, period: Period, kind: Kind, as_of: date) -> _Keys:
    current = calendar.children(period, kind)
    a_year_earlier = calendar.shift(period, -(12 // period.length))
    previous = [
        earlier
        for earlier, now in zip(calendar.children(a_year_earlier, kind), current, strict=True)
        if calendar.has_ended(now, as_of)
    ]
    # The trend window ends with the period's last part that has ended (not in the future).
    last = current[-1]
    if not calendar.has_ended(last, as_of):
        last = max(calendar.shift(calendar.on(as_of, kind), -1), current[0])
    window = calendar.window(last, rules.TREND_PERIODS)
    return _Keys(
        current, previous, window, calendar.last_due(kind, as_of), [calendar.label(p) for p in window]
    )


def default_period(
    session: Session, calendar: FiscalCalendar, as_of: date | None = None, *, published_on: date | None = None
) -> Period:
    """The latest fiscal year that has ended and can be judged: it holds published data (as
    published on `published_on`, when given) and a target set for it or for any of its quarters
    or months.

    Failing that, the latest ended year with published data (every measure then shows "no
    target"); a year still under way only when no ended year has any published data; with no data
    at all, the current fiscal year. Indexed existence probes, two per year tried at most.
    """
    as_of = as_of or published_on or date.today()
    src = published_source(published_on)
    current = calendar.on(as_of, Kind.YEAR)
    ended = [calendar.shift(current, -n) for n in range(1, _LOOKBACK_YEARS + 1)]
    with_data: Period | None = None
    for year in [*ended, current, calendar.shift(current, 1)]:
        keys = [p.key for k in _kinds_within(year) for p in calendar.children(year, k)]
        probe = select(literal(1)).where(src.c.state == PUBLISHED, src.c.period.in_(keys)).limit(1)
        if session.execute(probe).first() is None:
            continue
        if with_data is None:
            with_data = year
            if year in (current, calendar.shift(current, 1)):
                break  # no ended year has data: the year under way, judged or not
        judged = select(literal(1)).where(Target.period.in_(keys)).limit(1)
        if session.execute(judged).first() is not None:
            return year
    return with_data or current


def _period_flags(keys: dict[Kind, _Keys]):
    """A small table of the periods a scorecard reads and what each is for: current period,
    a year earlier, position in the trend window, latest due. Joining it to the actuals lets the
    database test each row's period once instead of once per aggregate."""
    flags: dict[str, dict[str, int | None]] = {}
    for k in keys.values():
        for p in k.current:
            flags.setdefault(p.key, {})["cur"] = 1
        for p in k.previous:
            flags.setdefault(p.key, {})["prev"] = 1
        for position, p in enumerate(k.window):
            flags.setdefault(p.key, {})["x"] = position
        flags.setdefault(k.due.key, {})["due"] = 1
    rows = [
        select(
            literal(key, String).label("period"),
            literal(f.get("cur", 0), Integer).label("cur"),
            literal(f.get("prev", 0), Integer).label("prev"),
            literal(f.get("x"), Integer).label("x"),
            literal(f.get("due", 0), Integer).label("due"),
        )
        for key, f in sorted(flags.items())
    ]
    return union_all(*rows).cte("period_flags")


def _aggregate_actuals(
    session: Session,
    keys: dict[Kind, _Keys],
    ids: list[int] | None = None,
    src: Table | Subquery = Actual.__table__,
) -> dict[int, dict]:
    """One grouped scan of the published actuals a scorecard needs, per measure (or for `ids`)."""
    k = _period_flags(keys)
    value = src.c.value
    has_value = value.is_not(None)
    current, previous, x = k.c.cur == 1, k.c.prev == 1, k.c.x
    query = (
        select(
            src.c.measure_id,
            func.sum(case((current, value))).label("cur_sum"),
            func.count(case((current, value))).label("cur_n"),
            func.max(case((and_(current, has_value), src.c.period))).label("cur_last_period"),
            func.sum(case((previous, value))).label("prev_sum"),
            func.count(case((previous, value))).label("prev_n"),
            func.max(case((and_(previous, has_value), src.c.period))).label("prev_last_period"),
            # The trend window's values, one column per position (a measure has one kind).
            *[func.max(case((x == i, value))).label(f"w{i}") for i in range(rules.TREND_PERIODS)],
            func.max(case((and_(k.c.due == 1, has_value), 1), else_=0)).label("due"),
        )
        .join(k, k.c.period == src.c.period)
        .where(src.c.state == PUBLISHED)
        .group_by(src.c.measure_id)
    )
    if ids is not None:
        query = query.where(src.c.measure_id.in_(ids))
    result = session.execute(query)
    # Row._asdict() builds the key list again for every row (a fifth of a 2,500-measure scorecard);
    # the keys are the same for all rows, so take them once.
    names = list(result.keys())
    return {row[0]: dict(zip(names, row, strict=True)) for row in result}


def _rolled(row: dict | None, prefix: str, aggregation: str, expected: int) -> Rollup:
    if row is None or not row[f"{prefix}_n"]:
        return Rollup(None, 0, expected)
    n = row[f"{prefix}_n"]
    if aggregation == "sum":
        value = float(row[f"{prefix}_sum"])
    elif aggregation == "mean":
        value = float(row[f"{prefix}_sum"]) / n
    else:
        value = row[f"{prefix}_last"]
    return Rollup(value, n, expected)


def _last_values(
    session: Session,
    rows: dict[int, dict],
    measures: Sequence[_Measure],
    keys: dict[Kind, _Keys],
    src: Table | Subquery = Actual.__table__,
) -> None:
    """The value of the latest period reported, for measures whose roll-up is its last value.

    The scan gives the latest period; its value is usually in the trend window already, and the
    few others (a year earlier, mostly) come from one query on the primary key.
    """
    wanted: dict[tuple[int, str], list[tuple[dict, str]]] = defaultdict(list)
    for m in measures:
        row = rows.get(m.id)
        if m.aggregation != "last" or row is None:
            continue
        window = keys[FREQUENCY_KIND[m.frequency]].window
        for prefix in ("cur", "prev"):
            period = row[f"{prefix}_last_period"]
            row[f"{prefix}_last"] = None
            if period is None:
                continue
            position = next((i for i, p in enumerate(window) if p.key == period), None)
            if position is not None and row[f"w{position}"] is not None:
                row[f"{prefix}_last"] = row[f"w{position}"]
            else:
                wanted[(m.id, period)].append((row, f"{prefix}_last"))
    if not wanted:
        return
    found = session.execute(
        select(src.c.measure_id, src.c.period, src.c.value).where(
            src.c.state == PUBLISHED, tuple_(src.c.measure_id, src.c.period).in_(sorted(wanted))
        )
    )
    for measure_id, period, value in found:
        for row, field in wanted[(measure_id, period)]:
            row[field] = value


def _load_targets(
    session: Session, ids: Iterable[int], keys: Iterable[str]
) -> dict[int, dict[str, rules.Target]]:
    query = select(Target.measure_id, Target.period, Target.value, Target.low, Target.high).where(
        Target.period.in_(sorted(set(keys)))
    )
    wanted = set(ids)
    targets: dict[int, dict[str, rules.Target]] = defaultdict(dict)
    for measure_id, key, value, low, high in session.execute(query):
        if measure_id in wanted:
            targets[measure_id][key] = rules.Target(value, low, high)
    return targets


def _target_keys(calendar: FiscalCalendar, period: Period) -> list[str]:
    keys = [period.key]
    keys += [
        calendar.containing(period, k).key for k in (Kind.QUARTER, Kind.YEAR) if k.months > period.length
    ]
    keys += [p.key for k in _kinds_within(period) for p in calendar.children(period, k)]
    return keys


def _active(measure, calendar: FiscalCalendar, period: Period) -> bool:
    if measure.active_from is not None and measure.active_from > calendar.end_date(period):
        return False
    return measure.retired_at is None or measure.retired_at > calendar.start_date(period)


@dataclass(slots=True)
class _Measure:
    """A measure's columns as plain attributes (much cheaper to read than a SQLAlchemy Row)."""

    id: int
    code: str
    name: str
    unit_kind: str
    unit_label: str
    direction: str
    frequency: str
    aggregation: str
    tolerance: float
    is_key: bool
    measure_type: str
    active_from: date | None
    retired_at: date | None
    activity_id: int
    activity_code: str
    activity_name: str
    department_code: str
    department_name: str
    is_public: bool


def visible_measures(user: Principal | None):
    """The SQL condition on a measure that `user` may see: public ones for everyone (and for
    None), plus the internal ones of the departments the user may read internal data of."""
    if user is None:
        return Measure.is_public.is_(True)
    scope = visible_department_ids(user)
    if scope is None:
        return true()
    if not scope:
        return Measure.is_public.is_(True)
    return or_(Measure.is_public.is_(True), Activity.department_id.in_(sorted(scope)))


def _public_measures(
    session: Session, codes: Iterable[str] | None = None, user: Principal | None = None
) -> list[_Measure]:
    query = (
        select(
            Measure.id,
            Measure.code,
            Measure.name,
            Measure.unit_kind,
            Measure.unit_label,
            Measure.direction,
            Measure.frequency,
            Measure.aggregation,
            Measure.tolerance,
            Measure.is_key,
            Measure.measure_type,
            Measure.active_from,
            Measure.retired_at,
            Measure.activity_id,
            Activity.code,
            Activity.name,
            Department.code,
            Department.name,
            Measure.is_public,
        )
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(visible_measures(user))
    )
    if codes is not None:
        query = query.where(Measure.code.in_(sorted(codes)))
    # SQLAlchemy types the first 10 columns of a select and leaves the rest as a variadic Any, so
    # mypy cannot count the 19 arguments; the select above lists exactly _Measure's fields.
    measures = [_Measure(*row) for row in session.execute(query)]  # type: ignore[call-arg]
    # Sorted here rather than in SQL: a few milliseconds cheaper at 2,500 measures.
    measures.sort(key=lambda m: (m.department_name, m.activity_name, m.name))
    return measures


def _priority_links(session: Session) -> tuple[Sequence[Row[int, str, str, str]], dict[int, list[int]]]:
    priorities = session.execute(
        select(Priority.id, Priority.slug, Priority.title, Priority.description).order_by(
            Priority.sort_order, Priority.title
        )
    ).all()
    by_activity: dict[int, list[int]] = defaultdict(list)
    for activity_id, priority_id in session.execute(
        select(activity_priorities.c.activity_id, activity_priorities.c.priority_id)
    ):
        by_activity[activity_id].append(priority_id)
    return priorities, by_activity


def _counts(measures: Iterable[MeasureStatus]) -> StatusCounts:
    counts = rules.empty_counts()
    for m in measures:
        counts[m.status] += 1
        counts[rules.STALE] += m.stale
    return StatusCounts(**counts)


def evaluate_measure(
    m: _Measure,
    calendar: FiscalCalendar,
    period: Period,
    keys: _Keys,
    row: dict | None,
    targets: dict[str, rules.Target],
    priority_slugs: list[str],
) -> MeasureStatus:
    """Apply the status rules to one measure's aggregated figures for `period`."""
    kind = FREQUENCY_KIND[m.frequency]
    rolled = _rolled(row, "cur", m.aggregation, len(keys.current))
    previous = _rolled(row, "prev", m.aggregation, len(keys.previous))
    full_target = rules.resolve_target(targets, period, calendar, kind, m.aggregation)
    target = rules.period_target(full_target, rolled, m.aggregation)
    if full_target is None and row is not None and row["cur_last_period"] is not None:
        last = calendar.parse(row["cur_last_period"])
        target = rules.target_to_date(targets, period, calendar, kind, m.aggregation, rolled, last)
    evaluation = rules.evaluate(rolled.value, target, m.direction, m.tolerance)
    band = None
    if m.direction == rules.Direction.RANGE:
        band = rules.resolve_target(targets, keys.window[-1], calendar, kind, m.aggregation) or full_target
    window = [row[f"w{i}"] for i in range(rules.TREND_PERIODS)] if row else [None] * rules.TREND_PERIODS
    trend = rules.trend(window, m.direction, band) if row else None
    change = rules.change(rolled, previous, m.aggregation)
    due_active = _active(m, calendar, keys.due)
    stale = rules.is_stale(bool(row and row["due"]), due_active)
    shown_target = target or full_target
    return MeasureStatus(
        code=m.code,
        name=m.name,
        department_code=m.department_code,
        department_name=m.department_name,
        activity_code=m.activity_code,
        activity_name=m.activity_name,
        priority_slugs=priority_slugs,
        unit_kind=m.unit_kind,
        unit_label=m.unit_label,
        direction=m.direction,
        frequency=m.frequency,
        aggregation=m.aggregation,
        tolerance=m.tolerance,
        is_key=m.is_key,
        period=period.key,
        status=evaluation.status.value,
        score=evaluation.score,
        actual=rolled.value,
        target=shown_target.value if shown_target else None,
        target_low=shown_target.low if shown_target else None,
        target_high=shown_target.high if shown_target else None,
        reported=rolled.present,
        expected=rolled.expected,
        miss=evaluation.miss,
        relative_miss=evaluation.relative_miss,
        stale=stale,
        last_due=keys.due.key if due_active else None,
        trend=trend.value if trend else None,
        window=window,
        window_periods=keys.window_labels,
        previous=previous.value,
        change=change,
        measure_type=m.measure_type,
        is_public=m.is_public,
    )


def scorecard(
    session: Session,
    calendar: FiscalCalendar,
    period: Period | str | None = None,
    *,
    as_of: date | None = None,
    codes: Iterable[str] | None = None,
    published_on: date | None = None,
    user: Principal | None = None,
) -> Scorecard:
    """Every public measure evaluated for `period` (default: see `default_period`); with a `user`,
    the internal measures that user may see too (see `visible_measures`).

    Measures reporting less often than the period (an annual measure in a quarter) are left out
    of that period's scorecard, as are measures not active during it. `codes` limits it to some
    measures (one measure's page); their figures are exactly those of the full scorecard. With
    `published_on`, the figures are those the public saw at the end of that day (rebuilt from the
    revisions, aim/services/publication.py), evaluated as of that day unless `as_of` says otherwise.
    Internal measures come in only through `user`, so what a caller gets is always what that reader
    is authorised to read (the analyst workbench passes its analyst and gets every department's).
    """
    as_of = as_of or published_on or date.today()
    src = published_source(published_on)
    if period is None:
        period = default_period(session, calendar, as_of, published_on=published_on)
    elif isinstance(period, str):
        period = calendar.parse(period)
    kinds = _kinds_within(period)
    measures = [
        m
        for m in _public_measures(session, codes, user)
        if FREQUENCY_KIND[m.frequency] in kinds and _active(m, calendar, period)
    ]
    keys = {kind: _keys_for(calendar, period, kind, as_of) for kind in kinds}
    rows = _aggregate_actuals(session, keys, [m.id for m in measures] if codes is not None else None, src)
    _last_values(session, rows, measures, keys, src)
    targets = _load_targets(session, (m.id for m in measures), _target_keys(calendar, period))
    priorities, links = _priority_links(session)
    slug_of = {p.id: p.slug for p in priorities}

    evaluated = [
        evaluate_measure(
            m,
            calendar,
            period,
            keys[FREQUENCY_KIND[m.frequency]],
            rows.get(m.id),
            targets.get(m.id, {}),
            [slug_of[p] for p in links.get(m.activity_id, [])],
        )
        for m in measures
    ]
    by_priority: dict[str, list[MeasureStatus]] = defaultdict(list)
    for m in evaluated:
        for slug in m.priority_slugs:
            by_priority[slug].append(m)
    priority_scores = [
        PriorityScore(
            slug=p.slug,
            title=p.title,
            description=p.description,
            index=rules.index(m.score for m in by_priority[p.slug] if m.is_key),
            counts=_counts(by_priority[p.slug]),
            measure_count=len(by_priority[p.slug]),
            key_measures=[m.code for m in by_priority[p.slug] if m.is_key],
        )
        for p in priorities
    ]
    return Scorecard(
        period=period.key,
        period_label=calendar.label(period),
        as_of=as_of,
        index=rules.index(m.score for m in evaluated if m.is_key),
        counts=_counts(evaluated),
        priorities=priority_scores,
        measures=evaluated,
    )
