"""One public measure: what it is, its status for a period (the scorecard's own figures), and its
whole published series with the target in force and the status of every period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aim import status as rules
from aim.auth import ANONYMOUS, Principal, may_see_internal
from aim.models import Activity, Actual, Department, Measure, Priority, Target, activity_priorities
from aim.periods import FREQUENCY_KIND, FiscalCalendar, Kind, Period, rollup
from aim.schemas import Explanation, MeasureDetail, MeasureInfo, Named, SeriesPoint
from aim.services.scorecard import PUBLISHED, default_period, scorecard


def visible_measure(session: Session, code: str, user: Principal = ANONYMOUS) -> Named | None:
    """The measure `code` (its code and name) if `user` may see it, else None.

    The one place that decides whether a measure exists for someone: a public measure is there
    for everyone; an internal one only for readers who may see that department's internal data
    (aim.auth.may_see_internal). Everyone else gets None, exactly as for a code that does not
    exist, so that a page or an HTTP status never reveals that an internal measure exists
    (404, never 403)."""
    row = session.execute(
        select(Measure.code, Measure.name, Measure.is_public, Activity.department_id)
        .join(Activity, Measure.activity_id == Activity.id)
        .where(Measure.code == code)
    ).first()
    if row is None:
        return None
    found_code, name, is_public, department_id = row
    if is_public or may_see_internal(user, department_id):
        return Named(code=found_code, name=name)
    return None


def _info(session: Session, code: str) -> MeasureInfo | None:
    row = session.execute(
        select(Measure, Activity.code, Activity.name, Department.code, Department.name)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(Measure.code == code, Measure.is_public.is_(True))
    ).first()
    if row is None:
        return None
    m, activity_code, activity_name, department_code, department_name = row
    priorities = session.execute(
        select(Priority.slug, Priority.title)
        .join(activity_priorities, activity_priorities.c.priority_id == Priority.id)
        .where(activity_priorities.c.activity_id == m.activity_id)
        .order_by(Priority.sort_order, Priority.title)
    ).all()
    return MeasureInfo(
        code=m.code,
        name=m.name,
        definition=m.definition,
        calculation=m.calculation,
        data_source=m.data_source,
        unit_kind=m.unit_kind,
        unit_label=m.unit_label,
        direction=m.direction,
        frequency=m.frequency,
        aggregation=m.aggregation,
        tolerance=m.tolerance,
        measure_type=m.measure_type,
        is_key=m.is_key,
        department_code=department_code,
        department_name=department_name,
        activity_code=activity_code,
        activity_name=activity_name,
        priorities=[(slug, title) for slug, title in priorities],
        active_from=m.active_from,
        retired_at=m.retired_at,
    )


def series(
    session: Session, calendar: FiscalCalendar, code: str
) -> tuple[MeasureInfo, list[SeriesPoint], list[Explanation], datetime | None] | None:
    """The whole published series of a public measure, oldest first; None if there is no such measure."""
    found = _series(session, calendar, code)
    return None if found is None else found[:4]


def _series(
    session: Session, calendar: FiscalCalendar, code: str
) -> (
    tuple[MeasureInfo, list[SeriesPoint], list[Explanation], datetime | None, dict[str, rules.Target]] | None
):
    info = _info(session, code)
    if info is None:
        return None
    measure_id = session.scalar(select(Measure.id).where(Measure.code == code))
    targets = {
        key: rules.Target(value, low, high)
        for key, value, low, high in session.execute(
            select(Target.period, Target.value, Target.low, Target.high).where(
                Target.measure_id == measure_id
            )
        )
    }
    rows = session.execute(
        select(Actual.period, Actual.value, Actual.explanation).where(
            Actual.measure_id == measure_id, Actual.state == PUBLISHED
        )
    ).all()
    kind = FREQUENCY_KIND[info.frequency]
    points, explanations = [], []
    for key, value, explanation in sorted(rows, key=lambda r: calendar.parse(r[0]).sort_key()):
        period = calendar.parse(key)
        target = rules.resolve_target(targets, period, calendar, kind, info.aggregation)
        points.append(_point(calendar, period, value, target, info))
        if explanation.strip():
            explanations.append(Explanation(period=key, label=calendar.label(period), text=explanation))
    updated = session.scalar(
        select(func.max(Actual.updated_at)).where(Actual.measure_id == measure_id, Actual.state == PUBLISHED)
    )
    return info, points, explanations[::-1], updated, targets


def _point(
    calendar: FiscalCalendar,
    period: Period,
    value: float | None,
    target: rules.Target | None,
    info: MeasureInfo,
    **extra: int,
) -> SeriesPoint:
    evaluation = rules.evaluate(value, target, info.direction, info.tolerance)
    return SeriesPoint(
        period=period.key,
        label=calendar.label(period),
        actual=value,
        target=target.value if target else None,
        target_low=target.low if target else None,
        target_high=target.high if target else None,
        status=evaluation.status.value,
        score=evaluation.score,
        **extra,
    )


def yearly_series(
    calendar: FiscalCalendar, info: MeasureInfo, points: list[SeriesPoint], targets: dict[str, rules.Target]
) -> list[SeriesPoint]:
    """A monthly or quarterly series combined by fiscal year, with the rules the scorecard uses
    (aim.periods.rollup for the values; the yearly target, or the share of it for a sum over a
    partial year, from aim.status), so the "by year" chart agrees with the yearly scorecard."""
    kind = FREQUENCY_KIND[info.frequency]
    if kind is Kind.YEAR or not points:
        return []
    values = {p.period: p.actual for p in points}
    first = calendar.containing(calendar.parse(points[0].period), Kind.YEAR)
    last = calendar.containing(calendar.parse(points[-1].period), Kind.YEAR)
    years = []
    for year in calendar.span(first, last):
        children = calendar.children(year, kind)
        rolled = rollup([values.get(c.key) for c in children], info.aggregation, len(children))
        if rolled.value is None:
            continue
        full = rules.resolve_target(targets, year, calendar, kind, info.aggregation)
        target = rules.period_target(full, rolled, info.aggregation)
        years.append(
            _point(
                calendar, year, rolled.value, target, info, reported=rolled.present, expected=rolled.expected
            )
        )
    return years


def measure_detail(
    session: Session,
    calendar: FiscalCalendar,
    code: str,
    period: Period | str | None = None,
    *,
    as_of: date | None = None,
) -> MeasureDetail | None:
    """A public measure for `period` (default: the scorecard's default); None if not public or unknown."""
    found = _series(session, calendar, code)
    if found is None:
        return None
    info, points, explanations, updated, targets = found
    as_of = as_of or date.today()
    if period is None:
        period = default_period(session, calendar, as_of)
    elif isinstance(period, str):
        period = calendar.parse(period)
    card = scorecard(session, calendar, period, as_of=as_of, codes=[code])
    return MeasureDetail(
        info=info,
        period=period.key,
        period_label=calendar.label(period),
        status=card.measure(code),
        series=points,
        explanations=explanations,
        last_updated=updated,
        yearly=yearly_series(calendar, info, points, targets),
    )
