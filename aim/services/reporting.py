"""What staff see of the workflow: an editor's "My reporting" (what is due, overdue, drafted,
submitted, returned and published), the budget office's review queue, and one figure with its
revision history. A few grouped queries each, never one per measure; the principal decides scope."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from aim.auth import (
    Principal,
    may_report_for,
    may_review,
    may_see_unpublished,
    sees_all_departments,
    visible_department_ids,
)
from aim.models import Activity, Actual, ActualRevision, Department, FigureComment, Measure
from aim.periods import FREQUENCY_KIND, FiscalCalendar, Period, PeriodError
from aim.services.figures import InvalidFigure, NotFound, figure_view, load_targets, target_keys
from aim.workflow import State
from aim.workflow_views import (
    CommentView,
    Figure,
    FigurePage,
    QueueGroup,
    ReportingRow,
    ReportingView,
    ReviewQueue,
    RevisionView,
    StaffMeasureView,
)

#: How many ended periods of each measure My reporting looks at (the latest is always listed, the
#: earlier ones only while something is to be done about them).
RECENT_PERIODS = 2
#: Rows per page of My reporting: an editor of every department has thousands.
REPORTING_PAGE_SIZE = 100


def due_date(calendar: FiscalCalendar, period: Period, due_day: int = 0) -> date:
    """When a period's figure is due: one reporting period after it ends (the methodology), on
    `due_day` of that last month when set (0: its last day)."""
    due = calendar.due_date(period)
    return due.replace(day=due_day) if due_day else due


def _previous_values(
    session: Session, calendar: FiscalCalendar, actuals: list[Actual]
) -> dict[int, float | None]:
    """The published value of the period before each figure's, by figure id (one query)."""
    wanted = {}
    for a in actuals:
        try:
            wanted[a.id] = (a.measure_id, calendar.shift(calendar.parse(a.period), -1).key)
        except PeriodError:
            continue
    if not wanted:
        return {}
    pairs = set(wanted.values())
    # By the few periods, then the pairs in Python: an IN of thousands of (measure, period) tuples
    # is far slower on both databases than the (state, period, measure_id) index.
    found = {
        (m, p): v
        for m, p, v in session.execute(
            select(Actual.measure_id, Actual.period, Actual.value).where(
                Actual.state == State.PUBLISHED,
                Actual.period.in_(sorted({p for _, p in pairs})),
                Actual.measure_id.in_(sorted({m for m, _ in pairs})),
            )
        )
        if (m, p) in pairs
    }
    return {figure_id: found.get(key) for figure_id, key in wanted.items()}


def my_reporting(
    session: Session,
    calendar: FiscalCalendar,
    *,
    user: Principal,
    today: date | None = None,
    due_day: int = 0,
    page: int | None = None,
    page_size: int = REPORTING_PAGE_SIZE,
) -> ReportingView:
    """The signed-in editor's measures, per period: overdue, due, drafted, returned, submitted,
    approved and published, with the figure where there is one; most urgent first.

    With `page`, only that page of `page_size` rows (the last page when it is past the end), with
    the counts and the total of every row; without it, every row.
    """
    today = today or date.today()
    paged = page is not None
    if not user.department_ids or not all(may_report_for(user, d) for d in user.department_ids):
        return ReportingView(allowed=False, today=today)
    rows = session.execute(
        select(Measure, Department)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(Department.id.in_(sorted(user.department_ids)))
        .order_by(Department.name, Measure.name)
    ).all()
    wanted: dict[tuple[int, str], tuple[Measure, Department, Period]] = {}
    latest: set[tuple[int, str]] = set()  # each measure's latest ended period, always listed
    for measure, department in rows:
        kind = FREQUENCY_KIND[measure.frequency]
        last = calendar.shift(calendar.on(today, kind), -1)
        for step in range(RECENT_PERIODS):
            period = calendar.shift(last, -step)
            if measure.retired_at is not None and calendar.start_date(period) >= measure.retired_at:
                continue
            if measure.active_from is not None and calendar.end_date(period) < measure.active_from:
                continue
            wanted[(measure.id, period.key)] = (measure, department, period)
            if step == 0:
                latest.add((measure.id, period.key))
    by_measure = {m.id: (m, d) for m, d in rows}
    # Every figure of theirs in the periods listed, and any work in progress whatever its period.
    # Two indexed reads rather than one OR across columns (which scans every figure): the periods
    # listed, and work in progress in any period.
    in_progress = (State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED)
    figures: dict[tuple[int, str], Actual] = {}
    if by_measure:
        listed = select(Actual).where(
            Actual.measure_id.in_(sorted(by_measure)), Actual.period.in_(sorted({p for _, p in wanted}))
        )
        working = select(Actual).where(
            or_(Actual.state.in_(in_progress), Actual.pending_state.in_(in_progress))
        )
        for query in (listed, working):
            for a in session.scalars(query):
                if a.measure_id in by_measure:
                    figures[(a.measure_id, a.period)] = a
    # An earlier period that is published and not being corrected needs nothing: leave it out.
    for key in [k for k in wanted if k not in latest]:
        done = figures.get(key)
        if done is not None and done.state == State.PUBLISHED and not done.pending_state:
            del wanted[key]
            del figures[key]
    keys = set(wanted) | set(figures)
    # Each row's situation needs only its figure's state and due date, so every row is sorted and
    # counted, but the costly part (targets, status, the previous value, view models) is done for
    # the page shown: 50 departments' measures are thousands of rows, a page is a hundred.
    situations: dict[tuple[int, str], tuple[str, date]] = {}
    for measure_id, period_key in keys:
        actual = figures.get((measure_id, period_key))
        due = due_date(calendar, calendar.parse(period_key), due_day)
        if actual is None:
            situation = "overdue" if due < today else "due"
        elif actual.pending_state:
            situation = "correction"
        elif actual.working_state == State.DRAFT and due < today:
            situation = "overdue"  # drafted, but not submitted by the due day
        else:
            situation = actual.working_state
        situations[(measure_id, period_key)] = (situation, due)

    def urgency(key: tuple[int, str]) -> tuple:
        measure, department = by_measure[key[0]]
        return (_URGENCY.get(situations[key][0], 7), department.name, measure.name, key[1])

    ordered = sorted(keys, key=urgency)
    counts: dict[str, int] = defaultdict(int)
    for key in ordered:
        counts[situations[key][0]] += 1
    pages = max(1, -(-len(ordered) // page_size))
    page = min(max(page or 1, 1), pages)
    shown = ordered[(page - 1) * page_size : page * page_size] if paged else ordered
    actuals = [figures[k] for k in shown if k in figures]
    targets = load_targets(session, {m for m, _ in shown}, target_keys(calendar, {p for _, p in shown}))
    previous = _previous_values(session, calendar, actuals)
    out: list[ReportingRow] = []
    for measure_id, period_key in shown:
        measure, department = by_measure[measure_id]
        period = calendar.parse(period_key)
        actual = figures.get((measure_id, period_key))
        situation, due = situations[(measure_id, period_key)]
        figure = (
            figure_view(
                calendar,
                actual,
                measure,
                department,
                targets[measure_id],
                previous=previous.get(actual.id),
                today=today,
            )
            if actual
            else None
        )
        out.append(
            ReportingRow(
                measure=measure.code,
                measure_name=measure.name,
                department_code=department.code,
                department_name=department.name,
                frequency=measure.frequency,
                unit_kind=measure.unit_kind,
                unit_label=measure.unit_label,
                period=period_key,
                period_label=calendar.label(period),
                due=due,
                situation=situation,
                figure=figure,
            )
        )
    return ReportingView(
        allowed=True,
        today=today,
        rows=out,
        counts=dict(counts),
        total=len(ordered),
        page=page if paged else 1,
        pages=pages if paged else 1,
        page_size=page_size if paged else len(ordered),
    )


#: Situations of My reporting, most urgent first.
_URGENCY = {
    "returned": 0,
    "overdue": 1,
    "due": 2,
    "draft": 3,
    "correction": 4,
    "submitted": 5,
    "approved": 6,
}


def review_queue(session: Session, calendar: FiscalCalendar, *, user: Principal) -> ReviewQueue:
    """Everything submitted, by department and period, oldest first; and what is approved and
    waiting for the publication day. For the budget office (and, read-only, the Mayor's Office)."""
    if not (may_review(user) or sees_all_departments(user)):
        return ReviewQueue(allowed=False)
    rows = session.execute(
        select(Actual, Measure, Department)
        .join(Measure, Actual.measure_id == Measure.id)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        # A correction's state is only ever set on a published figure: no overlap between the two.
        .where(
            or_(
                Actual.state.in_((State.SUBMITTED, State.APPROVED)),
                Actual.pending_state.in_((State.SUBMITTED, State.APPROVED)),
            )
        )
        .order_by(Actual.updated_at, Actual.id)
    ).all()
    targets = load_targets(
        session, {m.id for _, m, _ in rows}, target_keys(calendar, {a.period for a, _, _ in rows})
    )
    previous = _previous_values(session, calendar, [a for a, _, _ in rows])
    groups: dict[tuple[str, str], list[Figure]] = defaultdict(list)
    names: dict[str, str] = {}
    approved = []
    for actual, measure, department in rows:
        view = figure_view(
            calendar, actual, measure, department, targets[measure.id], previous=previous.get(actual.id)
        )
        if view.state == State.APPROVED:
            approved.append(view)
            continue
        names[department.code] = department.name
        groups[(department.code, actual.period)].append(view)
    return ReviewQueue(
        allowed=True,
        groups=[
            QueueGroup(
                department_code=code,
                department_name=names[code],
                period=period,
                period_label=figures[0].period_label,
                figures=figures,
            )
            for (code, period), figures in groups.items()  # insertion order: oldest first
        ],
        approved=approved,
    )


def figure_history(
    session: Session, measure_id: int, *, user: Principal, department_id: int
) -> dict[str, list[RevisionView]]:
    """Every revision of a measure's figures, by period, newest first; nothing for a reader who
    may not see the department's unpublished figures."""
    scope = visible_department_ids(user)
    if scope is not None and department_id not in scope:
        return {}
    history: dict[str, list[RevisionView]] = defaultdict(list)
    for period, r in session.execute(
        select(Actual.period, ActualRevision)
        .join(ActualRevision, ActualRevision.actual_id == Actual.id)
        .where(Actual.measure_id == measure_id)
        .order_by(ActualRevision.id.desc())
    ):
        history[period].append(
            RevisionView(
                at=r.changed_at,
                by=r.changed_by,
                version=r.version,
                old_value=r.old_value,
                new_value=r.new_value,
                old_state=r.old_state,
                state=r.state,
                explanation=r.explanation,
                reason=r.reason,
            )
        )
    return dict(history)


def figure_page(
    session: Session, calendar: FiscalCalendar, code: str, period_key: str, *, user: Principal
) -> FigurePage | None:
    """A measure's figure for one period, for a reader who may see the department's unpublished
    figures; None otherwise (the same as an unknown measure or a period not of its frequency)."""
    row = session.execute(
        select(Measure, Department)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(Measure.code == code)
    ).first()
    if row is None or not may_see_unpublished(user, row[1].id):
        return None
    measure, department = row
    try:
        period = calendar.parse(period_key)
    except PeriodError:
        return None
    if period.kind != FREQUENCY_KIND[measure.frequency]:
        return None
    actual = session.scalars(
        select(Actual).where(Actual.measure_id == measure.id, Actual.period == period.key)
    ).first()
    targets = load_targets(session, [measure.id])[measure.id]
    figure = None
    if actual is not None:
        previous = _previous_values(session, calendar, [actual]).get(actual.id)
        figure = figure_view(calendar, actual, measure, department, targets, previous=previous)
    history = figure_history(session, measure.id, user=user, department_id=department.id).get(period.key, [])
    return FigurePage(
        measure=measure.code,
        measure_name=measure.name,
        department_name=department.name,
        unit_kind=measure.unit_kind,
        unit_label=measure.unit_label,
        period=period.key,
        period_label=calendar.label(period),
        figure=figure,
        editable=may_report_for(user, department.id),
        history=history,
        comments=comments_of(session, actual.id) if actual is not None else [],
    )


def staff_measure(
    session: Session, calendar: FiscalCalendar, code: str, *, user: Principal
) -> StaffMeasureView | None:
    """A measure with every figure in any state and its revision history, for a reader who may see
    the department's unpublished figures; None for anyone else (the same as an unknown code)."""
    row = session.execute(
        select(Measure, Department)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(Measure.code == code)
    ).first()
    if row is None or not may_see_unpublished(user, row[1].id):
        return None
    measure, department = row
    actuals = session.scalars(select(Actual).where(Actual.measure_id == measure.id)).all()
    targets = load_targets(session, [measure.id])[measure.id]
    previous = _previous_values(session, calendar, list(actuals))
    views = [
        figure_view(calendar, a, measure, department, targets, previous=previous.get(a.id)) for a in actuals
    ]
    views.sort(key=lambda f: calendar.parse(f.period).sort_key(), reverse=True)
    return StaffMeasureView(
        code=measure.code,
        name=measure.name,
        definition=measure.definition,
        department_code=department.code,
        department_name=department.name,
        is_public=measure.is_public,
        unit_kind=measure.unit_kind,
        unit_label=measure.unit_label,
        frequency=measure.frequency,
        may_edit=may_report_for(user, department.id),
        may_review=may_review(user),
        figures=views,
        history=figure_history(session, measure.id, user=user, department_id=department.id),
    )


def add_comment(session: Session, code: str, period_key: str, text: str, *, user: Principal) -> CommentView:
    """A remark on a figure by anyone who may read it (the Mayor's Office's way to take part: it
    comments, it does not approve). Nothing about the figure changes."""
    text = (text or "").strip()
    if not text:
        raise InvalidFigure("Write the comment first.", {"comment": "Required."})
    if len(text) > 2000:
        raise InvalidFigure("A comment is 2,000 characters at most.", {"comment": "Too long."})
    row = session.execute(
        select(Actual.id, Activity.department_id)
        .join(Measure, Actual.measure_id == Measure.id)
        .join(Activity, Measure.activity_id == Activity.id)
        .where(Measure.code == code, Actual.period == period_key)
    ).first()
    if row is None or not may_see_unpublished(user, row[1]):
        raise NotFound("There is no such figure that you may comment on.")
    comment = FigureComment(actual_id=row[0], author=user.email, role=str(user.role or ""), text=text)
    session.add(comment)
    session.flush()
    return CommentView(author=comment.author, role=comment.role, at=comment.at, text=comment.text)


def comments_of(session: Session, actual_id: int) -> list[CommentView]:
    return [
        CommentView(author=c.author, role=c.role, at=c.at, text=c.text)
        for c in session.scalars(
            select(FigureComment).where(FigureComment.actual_id == actual_id).order_by(FigureComment.id)
        )
    ]
