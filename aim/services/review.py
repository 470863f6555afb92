"""The Mayor's Office review room and briefing: what changed between two periods and why, which
figures are late, the priority x department matrix and the index over time, for the readers of every
department (aim.auth.may_use_review_room); nothing for anyone else.

Built on the scorecard (its rules, its one grouped scan) with the reader's internal measures
included, plus one grouped query per table for explanations, late figures and the index series;
never a query per measure.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aim import status as rules
from aim.auth import Principal, may_use_review_room, visible_department_ids
from aim.explain import change_reason
from aim.models import WORKFLOW_STATES, Activity, Actual, Department, Measure
from aim.periods import FREQUENCY_KIND, FiscalCalendar, Kind, Period
from aim.schemas import (
    Briefing,
    BriefingSection,
    ChangeRow,
    Explanation,
    IndexPoint,
    LateDepartment,
    LateMeasure,
    MatrixCell,
    MatrixRow,
    MeasureFilter,
    ReviewList,
    ReviewQuery,
    ReviewRoom,
    Scorecard,
    StatusCounts,
)
from aim.services.catalog import filter_measures, sort_measures
from aim.services.narratives import published_for_period
from aim.services.publication import published_source
from aim.services.scorecard import (
    PUBLISHED,
    _active,
    _priority_links,
    _public_measures,
    _target_columns,
    _target_keys,
    default_period,
    scorecard,
    scorecards,
    visible_measures,
)
from aim.services.site import data_version

#: How many periods the index chart shows for each span, and of which kind.
SPANS: dict[str, tuple[Kind, int]] = {
    "months": (Kind.MONTH, 12),
    "quarters": (Kind.QUARTER, 8),
    "years": (Kind.YEAR, 5),
}
#: How far back the default period looks for a quarter with published data.
_LOOKBACK_QUARTERS = 12


def review_period(session: Session, calendar: FiscalCalendar, as_of: date | None = None) -> Period:
    """The period a review opens on: the latest quarter that has ended and holds published data
    (stat meetings review quarters); failing that, the scorecard's default period."""
    as_of = as_of or date.today()
    quarter = calendar.shift(calendar.on(as_of, Kind.QUARTER), -1)
    for _ in range(_LOOKBACK_QUARTERS):
        keys = [p.key for k in (Kind.QUARTER, Kind.MONTH) for p in calendar.children(quarter, k)]
        probe = select(Actual.id).where(Actual.state == PUBLISHED, Actual.period.in_(keys)).limit(1)
        if session.execute(probe).first() is not None:
            return quarter
        quarter = calendar.shift(quarter, -1)
    return default_period(session, calendar, as_of)


def comparison_period(calendar: FiscalCalendar, period: Period, compare: str) -> Period:
    """The period compared with: the one before it, or the same period a year earlier."""
    return calendar.shift(period, -1 if compare == "previous" else -(12 // period.length))


# -- what changed ------------------------------------------------------------------------------
def explanations(
    session: Session, calendar: FiscalCalendar, codes: Iterable[str], period: Period
) -> dict[str, Explanation]:
    """The latest explanation each measure's department gave within `period` (any workflow state:
    review-room readers may see values before they are published), by measure code."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    keys = {
        p.key: p
        for k in (Kind.YEAR, Kind.QUARTER, Kind.MONTH)
        if k.months <= period.length
        for p in calendar.children(period, k)
    }
    found: dict[str, Explanation] = {}
    # The state test is always true (a CHECK keeps it to WORKFLOW_STATES), but it lets PostgreSQL
    # read only the period's rows through the (state, period) index when many codes are asked for
    # (the room asks for ~900 at 2,500 measures): without it, it scanned every value (75 ms).
    rows = session.execute(
        select(Measure.code, Actual.period, Actual.explanation)
        .join(Measure, Measure.id == Actual.measure_id)
        .where(
            Measure.code.in_(codes),
            Actual.state.in_(WORKFLOW_STATES),
            Actual.period.in_(sorted(keys)),
            Actual.explanation != "",
        )
    )
    for code, key, text in sorted(rows, key=lambda r: keys[r[1]].sort_key()):
        found[code] = Explanation(period=key, label=calendar.label(keys[key]), text=text)
    return found


def changes(card: Scorecard, before: Scorecard, before_label: str) -> list[ChangeRow]:
    """Every measure whose standing moved from `before` to `card` (aim.status.change_kind), in the
    order of the kinds, worst score first within each."""
    earlier = {m.code: m for m in before.measures}
    rows = []
    # The rule's answer for each combination of statuses and trends met (a few dozen, for 2,500
    # measures): it depends on nothing else.
    kinds: dict[tuple, rules.Change | None] = {}
    for m in card.measures:
        was = earlier.get(m.code)
        moved = (m.status, was.status if was else None, m.trend, was.trend if was else None)
        if moved in kinds:
            kind = kinds[moved]
        else:
            kind = kinds[moved] = rules.change_kind(*moved)
        if kind is not None:
            rows.append(
                ChangeRow(
                    kind=kind.value, measure=m, before=was, reason=change_reason(kind, m, was, before_label)
                )
            )
    order = {k.value: i for i, k in enumerate(rules.Change)}
    rows.sort(
        key=lambda r: (order[r.kind], r.measure.score is None, r.measure.score or 0.0, r.measure.name.lower())
    )
    return rows


def _with_explanations(rows: list[ChangeRow], found: dict[str, Explanation]) -> list[ChangeRow]:
    """`rows` (which carry no explanation yet) with each one's explanation; rows without one are
    kept as they are rather than copied (most of them at 2,500 measures)."""
    return [
        r.model_copy(update={"explanation": found[r.measure.code]}) if r.measure.code in found else r
        for r in rows
    ]


# -- late figures -------------------------------------------------------------------------------
def late_measures(
    session: Session, calendar: FiscalCalendar, *, user: Principal, as_of: date | None = None
) -> list[LateDepartment]:
    """Measures the reader may see whose latest due figure is not published (aim.status.is_stale),
    by department, each with the periods missing and how many days the first of them is overdue."""
    as_of = as_of or date.today()
    due = {kind: calendar.last_due(kind, as_of) for kind in Kind}
    due_keys = sorted(p.key for p in due.values())
    has_value = Actual.value.is_not(None)
    # Two indexed reads instead of a scan of every value: which measures have their latest due
    # figure (three period keys), then the latest published period of only those that do not.
    reported = set(
        session.scalars(
            select(Actual.measure_id)
            .where(Actual.state == PUBLISHED, Actual.period.in_(due_keys), has_value)
            .distinct()
        )
    )
    # Plain rows (no ORM handling of each): every measure the reader may see, 2,500 in the bench city.
    measures = (
        session.connection()
        .execute(
            select(
                Measure.id,
                Measure.code,
                Measure.name,
                Measure.frequency,
                Measure.is_public,
                Measure.active_from,
                Measure.retired_at,
                Department.code,
                Department.name,
            )
            .join(Activity, Measure.activity_id == Activity.id)
            .join(Department, Activity.department_id == Department.id)
            .where(visible_measures(user))
        )
        .all()
    )
    candidates = []
    # Each kind's latest due period's first and last days, worked out once rather than per measure.
    bounds = {kind: (calendar.start_date(p), calendar.end_date(p)) for kind, p in due.items()}
    for row in measures:
        mid, frequency, active_from, retired_at = row[0], row[3], row[5], row[6]
        start, end = bounds[FREQUENCY_KIND[frequency]]
        active = (active_from is None or active_from <= end) and (retired_at is None or retired_at > start)
        if rules.is_stale(mid in reported, active):
            candidates.append(row)
    latest: dict[int, str] = {}
    if candidates:
        latest = dict(
            session.execute(
                select(Actual.measure_id, func.max(Actual.period))
                .where(
                    Actual.state == PUBLISHED,
                    has_value,
                    Actual.measure_id.in_(sorted(r[0] for r in candidates)),
                )
                .group_by(Actual.measure_id)
            ).all()
        )
    by_department: dict[tuple[str, str], list[LateMeasure]] = defaultdict(list)
    for mid, code, name, frequency, is_public, active_from, _retired, dept_code, dept_name in candidates:
        kind = FREQUENCY_KIND[frequency]
        last_due = due[kind]
        last = latest.get(mid)
        latest_period = calendar.parse(last) if last else None
        first_missing = last_due
        if latest_period is not None and latest_period.kind is kind and latest_period < last_due:
            first_missing = calendar.shift(latest_period, 1)
        elif latest_period is None and active_from is not None:
            first_missing = max(calendar.on(active_from, kind), calendar.shift(last_due, -100))
            first_missing = min(first_missing, last_due)
        missing = len(calendar.span(first_missing, last_due))
        overdue_since = calendar.due_date(first_missing)
        by_department[(dept_code, dept_name)].append(
            LateMeasure(
                code=code,
                name=name,
                department_code=dept_code,
                department_name=dept_name,
                frequency=frequency,
                is_public=is_public,
                last_due=last_due.key,
                last_due_label=calendar.label(last_due),
                latest=last,
                latest_label=calendar.label(latest_period) if latest_period else None,
                missing=missing,
                overdue_since=overdue_since,
                days_late=(as_of - overdue_since).days,
            )
        )
    return [
        LateDepartment(
            code=code, name=name, measures=sorted(rows, key=lambda m: (-m.days_late, m.name.lower()))
        )
        for (code, name), rows in sorted(by_department.items(), key=lambda item: item[0][1])
    ]


# -- the matrix ---------------------------------------------------------------------------------
def matrix(card: Scorecard) -> list[MatrixRow]:
    """Departments by priorities: each cell counts the department's measures serving the priority
    by status (and late ones beside their status)."""
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(rules.empty_counts)
    names: dict[str, str] = {}
    for m in card.measures:
        names[m.department_code] = m.department_name
        for slug in m.priority_slugs:
            cell = counts[(m.department_code, slug)]
            cell[m.status] += 1
            cell[rules.STALE] += m.stale
    rows = []
    for code, name in sorted(names.items(), key=lambda item: item[1]):
        cells = []
        for p in card.priorities:
            c = counts.get((code, p.slug), rules.empty_counts())
            total = sum(v for k, v in c.items() if k != rules.STALE)
            cells.append(
                MatrixCell(priority_slug=p.slug, department_code=code, counts=StatusCounts(**c), total=total)
            )
        if any(c.total for c in cells):
            rows.append(MatrixRow(department_code=code, department_name=name, cells=cells))
    return rows


# -- the index over time ------------------------------------------------------------------------
def span_periods(calendar: FiscalCalendar, period: Period, span: str, as_of: date) -> list[Period]:
    """The periods of the index chart: the last 12 months, 8 quarters or 5 years, ending with the
    one holding the end of `period` (or today, when `period` is still under way)."""
    kind, count = SPANS[span]
    end_month = min(period.stop - 1, as_of.year * 12 + as_of.month - 1)
    return calendar.window(calendar.at_index(end_month, kind), count)


def index_series(
    session: Session,
    calendar: FiscalCalendar,
    periods: Sequence[Period],
    *,
    user: Principal | None,
    published_on: date | None = None,
) -> list[IndexPoint]:
    """The citywide index and each priority's for every period of `periods`, exactly as the
    scorecard of each period computes them, from one query each for measures, links, targets
    and published values of the key measures (as published at the end of `published_on`, when
    given: the public home page's `?as_of=`). Without a `user`, public measures only."""
    # Only the key measures' rows (a fifth of them), asked for by code, in the scorecard's order.
    key_codes = session.scalars(select(Measure.code).where(Measure.is_key.is_(True))).all()
    key_measures = [m for m in _public_measures(session, key_codes, user) if m.is_key]
    priorities, slugs = _priority_links(session)
    child_keys: set[str] = set()
    target_keys: set[str] = set()
    for period in periods:
        target_keys.update(_target_keys(calendar, period))
        for kind in (Kind.YEAR, Kind.QUARTER, Kind.MONTH):
            if kind.months <= period.length:
                child_keys.update(p.key for p in calendar.children(period, kind))
    ids = [m.id for m in key_measures]
    row_of = {m.id: n for n, m in enumerate(key_measures)}
    column_of = {key: n for n, key in enumerate(sorted(child_keys))}
    values = np.full((len(key_measures), len(column_of)), np.nan)
    if ids:
        src = published_source(published_on)
        query = (
            select(src.c.measure_id, src.c.period, src.c.value)
            .join(Measure, Measure.id == src.c.measure_id)
            .where(
                src.c.state == PUBLISHED,
                src.c.value.is_not(None),
                src.c.period.in_(sorted(child_keys)),
                Measure.is_key.is_(True),
            )
        )
        # Plain rows from the connection, fetched at once (iterating the result fetches row by
        # row): at 12,000 values (8 quarters of the 2,500-measure city) the ORM's handling of each
        # row cost more than the query itself.
        for mid, key, value in session.connection().execute(query).all():
            if (row := row_of.get(mid)) is not None:
                values[row, column_of[key]] = value
    targets = _target_columns(session, key_measures, target_keys)
    kind_of = np.array([FREQUENCY_KIND[m.frequency].value for m in key_measures], dtype=object)
    aggregation = np.array([m.aggregation for m in key_measures], dtype=object)
    direction = np.array([m.direction for m in key_measures], dtype=object)
    tolerance = np.array([m.tolerance for m in key_measures], dtype=float)
    # What does not change from one period to the next, worked out once: each kind's rows and
    # their targets, each measure's reporting length and priorities.
    by_kind: dict[Kind, tuple[np.ndarray, np.ndarray, dict[str, rules.TargetColumns]]] = {}
    for kind in Kind:
        rows = np.flatnonzero(kind_of == kind.value)
        if len(rows):
            by_kind[kind] = (rows, aggregation[rows], {key: t.take(rows) for key, t in targets.items()})
    months = [FREQUENCY_KIND[m.frequency].months for m in key_measures]
    serves = [slugs.get(m.activity_id, []) for m in key_measures]
    bounded = [m.active_from is not None or m.retired_at is not None for m in key_measures]
    points = []
    for period in periods:
        # Every key measure at once, kind by kind, by the scorecard's rules in their column forms.
        scores = np.full(len(key_measures), np.nan)
        for kind, (rows, agg, mine) in by_kind.items():
            if kind.months > period.length:
                continue
            children = calendar.children(period, kind)
            parts = values[np.ix_(rows, np.array([column_of[c.key] for c in children], dtype=np.intp))]
            rolled = rules.rollup_columns(parts, agg, len(children))
            full = rules.resolve_target_columns(mine, period, calendar, kind, agg)
            target = rules.period_target_columns(full, rolled, agg)
            have = ~np.isnan(parts)
            last = np.where(have.any(axis=1), parts.shape[1] - 1 - np.argmax(have[:, ::-1], axis=1), -1)
            to_date = rules.target_to_date_columns(mine, period, calendar, kind, agg, rolled, last)
            target = to_date.where(~full.present & (last >= 0), target)
            evaluated = rules.evaluate_columns(rolled.value, target, direction[rows], tolerance[rows])
            scores[rows] = evaluated.score
        listed = [None if v != v else v for v in scores.tolist()]
        city: list[float | None] = []
        by_priority: dict[str, list[float | None]] = {p.slug: [] for p in priorities}
        for n, score in enumerate(listed):
            if months[n] > period.length or (bounded[n] and not _active(key_measures[n], calendar, period)):
                continue
            city.append(score)
            for slug in serves[n]:
                by_priority[slug].append(score)
        points.append(
            IndexPoint(
                period=period.key,
                label=calendar.label(period),
                index=rules.index(city),
                priorities={slug: rules.index(s) for slug, s in by_priority.items()},
            )
        )
    return points


# -- the pages ----------------------------------------------------------------------------------
class RoomMemo:
    """Review rooms already built in this process, by what they were built from: the data version
    (aim.services.site.data_version: it moves with every publication, import and approved target),
    the period, comparison, span and day, and the reader's role and departments. The caller keeps
    one per database (callbacks/staff/review.py); review_room works the same without one.

    An addition, not the way to the figures: an entry is only used while its data version stands,
    and the departments' explanations (which a draft changes without moving the version) are read
    again for every answer."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._rooms: OrderedDict[tuple, ReviewRoom] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> ReviewRoom | None:
        with self._lock:
            found = self._rooms.get(key)
            if found is not None:
                self._rooms.move_to_end(key)
            return found

    def keep(self, key: tuple, room: ReviewRoom) -> None:
        with self._lock:
            self._rooms[key] = room
            self._rooms.move_to_end(key)
            while len(self._rooms) > self._size:
                self._rooms.popitem(last=False)


def review_room(
    session: Session,
    calendar: FiscalCalendar,
    period: Period,
    query: ReviewQuery,
    *,
    user: Principal,
    as_of: date | None = None,
    memo: RoomMemo | None = None,
) -> ReviewRoom:
    """The landing page of the review room for `period`, compared as `query.compare` says; with a
    `memo`, built once per data version (see RoomMemo)."""
    if not may_use_review_room(user):
        return ReviewRoom(allowed=False)
    as_of = as_of or date.today()
    key = None
    room = None
    if memo is not None:
        scope = visible_department_ids(user)
        key = (
            data_version(session),
            period.key,
            query.compare,
            query.span,
            as_of,
            user.role,
            None if scope is None else tuple(sorted(scope)),
        )
        room = memo.get(key)
    if room is None:
        room = _room(session, calendar, period, query, user=user, as_of=as_of)
        if memo is not None and key is not None:
            memo.keep(key, room)
    # The explanations every time: a department may change one in a draft, which moves no version.
    found = explanations(session, calendar, (r.measure.code for r in room.changes), period)
    return room.model_copy(update={"changes": _with_explanations(room.changes, found)})


def _room(
    session: Session,
    calendar: FiscalCalendar,
    period: Period,
    query: ReviewQuery,
    *,
    user: Principal,
    as_of: date,
) -> ReviewRoom:
    """The review room without the departments' explanations (review_room adds them)."""
    earlier = comparison_period(calendar, period, query.compare)
    # Both periods from one grouped scan of the actuals.
    card, before = scorecards(session, calendar, [period, earlier], as_of=as_of, user=user)
    earlier_label = calendar.label(earlier)
    rows = changes(card, before, earlier_label)
    late = late_measures(session, calendar, user=user, as_of=as_of)
    return ReviewRoom(
        allowed=True,
        period=period.key,
        period_label=card.period_label,
        compare=query.compare,
        compare_period=earlier.key,
        compare_label=earlier_label,
        span=query.span,
        as_of=as_of,
        priorities=[(p.slug, p.title) for p in card.priorities],
        change_counts={k.value: sum(r.kind == k.value for r in rows) for k in rules.Change},
        changes=rows,
        late=late,
        late_count=sum(len(d.measures) for d in late),
        matrix=matrix(card),
        index=index_series(session, calendar, span_periods(calendar, period, query.span, as_of), user=user),
    )


def review_list(
    session: Session,
    calendar: FiscalCalendar,
    period: Period,
    query: ReviewQuery,
    *,
    user: Principal,
    as_of: date | None = None,
) -> ReviewList:
    """The reviewed scorecard's measures filtered by priority, department and status (a matrix
    cell), or those of one kind of change; internal measures included."""
    if not may_use_review_room(user):
        return ReviewList(allowed=False)
    as_of = as_of or date.today()
    card = scorecard(session, calendar, period, as_of=as_of, user=user)
    wanted = MeasureFilter(
        priority=query.priority, department=query.department, status=query.status, sort="status"
    )
    found = filter_measures(session, card.measures, wanted)
    if query.change:
        earlier = comparison_period(calendar, period, query.compare)
        before = scorecard(session, calendar, earlier, as_of=as_of, user=user)
        codes = {
            r.measure.code for r in changes(card, before, calendar.label(earlier)) if r.kind == query.change
        }
        found = [m for m in found if m.code in codes]
    # By name, then code: departments of one name in a fixed order, not a set's.
    departments = sorted(
        {(m.department_code, m.department_name) for m in card.measures}, key=lambda d: (d[1], d[0])
    )
    return ReviewList(
        allowed=True,
        period=period.key,
        period_label=card.period_label,
        query=query,
        priorities=[(p.slug, p.title) for p in card.priorities],
        departments=departments,
        measures=found,
    )


EXCEPTIONS = ("off_track", "at_risk")


def briefing(
    session: Session,
    calendar: FiscalCalendar,
    period: Period,
    query: ReviewQuery,
    *,
    user: Principal,
    as_of: date | None = None,
) -> Briefing:
    """The printable briefing: the index, then for each priority (or the one asked for) its
    index, what changed and its exceptions (off track, then at risk) with their explanations."""
    if not may_use_review_room(user):
        return Briefing(allowed=False)
    as_of = as_of or date.today()
    earlier = comparison_period(calendar, period, query.compare)
    # Both periods from one grouped scan of the actuals.
    card, before = scorecards(session, calendar, [period, earlier], as_of=as_of, user=user)
    rows = changes(card, before, calendar.label(earlier))
    chosen = [p for p in card.priorities if not query.priority or p.slug == query.priority]
    wanted_codes = {r.measure.code for r in rows} | {m.code for m in card.measures if m.status in EXCEPTIONS}
    found = explanations(session, calendar, wanted_codes, period)
    rows = _with_explanations(rows, found)
    narratives = published_for_period(session, calendar, period, (p.slug for p in chosen))
    sections = []
    for p in chosen:
        members = [m for m in card.measures if p.slug in m.priority_slugs]
        exceptions = sort_measures([m for m in members if m.status in EXCEPTIONS], "score")
        exceptions.sort(key=lambda m: EXCEPTIONS.index(m.status))
        sections.append(
            BriefingSection(
                slug=p.slug,
                title=p.title,
                index=p.index,
                counts=p.counts,
                changes=[r for r in rows if p.slug in r.measure.priority_slugs],
                exceptions=exceptions,
                explanations={m.code: found[m.code] for m in exceptions if m.code in found},
                narrative=narratives.get(p.slug),
            )
        )
    return Briefing(
        allowed=True,
        period=period.key,
        period_label=card.period_label,
        compare_label=calendar.label(earlier),
        as_of=as_of,
        index=card.index,
        counts=card.counts,
        index_series=index_series(
            session, calendar, span_periods(calendar, period, query.span, as_of), user=user
        ),
        priorities=[(p.slug, p.title) for p in card.priorities],
        sections=sections,
    )
