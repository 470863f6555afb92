"""Entering, submitting, reviewing and publishing figures: the state machine of aim/workflow.py
applied, one function per action, each checking the principal itself (CKAN's "the guard beside
the door"). Every change is a row in actual_revisions (written by the model's flush hook); every
action carries the version the person started from, and a stale one is refused with what is there
now. Corrections of a published figure are kept in the `pending_*` columns: the public keeps seeing
the published value until the correction itself is published."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aim import status as rules
from aim import workflow
from aim.auth import Principal, may_report_for, may_review, may_see_unpublished
from aim.importing.values import parse_number
from aim.models import Activity, Actual, ActualRevision, Department, Measure, Target, utcnow
from aim.periods import FREQUENCY_KIND, FiscalCalendar, Kind, PeriodError
from aim.services import Refused
from aim.services.site import advance_data_version
from aim.workflow import Action, State
from aim.workflow_views import Figure, FigureInput, FigureRef

#: Who publishes on the publication day (`python -m aim publish`), as revisions name it.
PUBLICATION_DAY = "publication day"


class WorkflowError(Refused):
    """A refused action; `str()` says what to do about it, `fields` which inputs were wrong."""


class NotAllowed(WorkflowError):
    """The principal may not take this action on this figure (role, department, own work)."""


class NotFound(WorkflowError):
    """No such measure or figure that the principal may see (the same answer either way)."""


class InvalidFigure(WorkflowError):
    """The input fails a check; nothing was written. `fields` holds a message per field."""


class StaleFigure(WorkflowError):
    """The figure changed since the person loaded it: here is what it is now."""

    def __init__(self, figure: Figure) -> None:
        when = figure.updated_at.strftime("%Y-%m-%d %H:%M UTC") if figure.updated_at else "just now"
        shown = "no value" if figure.value is None else f"{figure.value:g}"
        super().__init__(
            f"{figure.measure_name}, {figure.period_label} was changed by {figure.updated_by or 'someone'} "
            f"at {when} while you were working: it is now {shown} ({figure.state}). Your input is kept "
            "below; check it against the current value and save again."
        )
        self.current = figure


# -- reading --------------------------------------------------------------------------------------
@dataclass
class _Context:
    """What an action needs to know about a measure, loaded once."""

    measure: Measure
    department: Department
    targets: dict[str, rules.Target] = field(default_factory=dict)


def _measure(session: Session, code: str, user: Principal) -> _Context:
    row = session.execute(
        select(Measure, Department)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(Measure.code == code)
    ).first()
    # A measure the user may not see answers exactly like one that does not exist.
    if row is None or not may_see_unpublished(user, row[1].id):
        raise NotFound(
            f"There is no measure {code!r} that you may report on.", {"measure": "Unknown measure."}
        )
    return _Context(row[0], row[1])


def target_keys(calendar: FiscalCalendar, period_keys: Iterable[str]) -> set[str]:
    """Every target period that can be in force for these periods: each period's own, those of
    the quarter and year holding it, and the parts of each (rules.resolve_target reads no more)."""
    keys: set[str] = set()
    for key in set(period_keys):
        try:
            period = calendar.parse(key)
        except PeriodError:
            continue
        for kind in (Kind.YEAR, Kind.QUARTER, Kind.MONTH):
            if kind.months < period.length:
                continue
            outer = calendar.containing(period, kind)
            keys.add(outer.key)
            for inner in (Kind.QUARTER, Kind.MONTH):
                if inner.months < outer.length:
                    keys.update(p.key for p in calendar.children(outer, inner))
    return keys


def load_targets(
    session: Session, measure_ids: Iterable[int], keys: Iterable[str] | None = None
) -> dict[int, dict[str, rules.Target]]:
    """The targets of some measures, by measure and period (only periods `keys` when given)."""
    found: dict[int, dict[str, rules.Target]] = defaultdict(dict)
    ids = sorted(set(measure_ids))
    if not ids:
        return found
    query = select(Target.measure_id, Target.period, Target.value, Target.low, Target.high).where(
        Target.measure_id.in_(ids)
    )
    if keys is not None:
        query = query.where(Target.period.in_(sorted(set(keys))))
    for measure_id, key, value, low, high in session.execute(query):
        found[measure_id][key] = rules.Target(value, low, high)
    return found


def evaluate(
    calendar: FiscalCalendar, measure: Measure, targets: dict[str, rules.Target], period_key: str, value
) -> tuple[rules.Target | None, str | None]:
    """The target in force for the period and the status `value` would get against it."""
    try:
        period = calendar.parse(period_key)
    except PeriodError:
        return None, None
    target = rules.resolve_target(
        targets, period, calendar, FREQUENCY_KIND[measure.frequency], measure.aggregation
    )
    if value is None:
        return target, None
    return target, rules.evaluate(value, target, measure.direction, measure.tolerance).status.value


def figure_view(
    calendar: FiscalCalendar,
    actual: Actual,
    measure: Measure,
    department: Department,
    targets: dict[str, rules.Target],
    *,
    previous: float | None = None,
    today: date | None = None,
) -> Figure:
    target, status = evaluate(calendar, measure, targets, actual.period, actual.working_value)
    return Figure(
        measure=measure.code,
        measure_name=measure.name,
        department_code=department.code,
        department_name=department.name,
        unit_kind=measure.unit_kind,
        unit_label=measure.unit_label,
        period=actual.period,
        period_label=_label(calendar, actual.period),
        value=actual.working_value,
        explanation=actual.working_explanation,
        state=actual.working_state,
        version=actual.version,
        updated_by=actual.updated_by,
        updated_at=actual.updated_at,
        review_comment=actual.review_comment or "",
        published_value=actual.value if actual.state == State.PUBLISHED else None,
        is_correction=bool(actual.pending_state),
        previous_value=previous,
        target=target.value if target else None,
        target_low=target.low if target else None,
        target_high=target.high if target else None,
        status=status,
        flags=period_flags(calendar, measure, actual.period, today or date.today()),
    )


def _label(calendar: FiscalCalendar, key: str) -> str:
    try:
        return calendar.label(calendar.parse(key))
    except PeriodError:
        return key


def period_flags(calendar: FiscalCalendar, measure: Measure, period_key: str, today: date) -> list[str]:
    """What a draft may have but a submission may not: a period not yet ended, or before the
    measure started (or after it was retired)."""
    period = calendar.parse(period_key)
    flags = []
    if not calendar.has_ended(period, today):
        flags.append(f"{calendar.label(period)} has not ended yet; it can be submitted once it has.")
    if measure.active_from is not None and calendar.end_date(period) < measure.active_from:
        flags.append(f"The measure started on {measure.active_from:%Y-%m-%d}, after this period.")
    if measure.retired_at is not None and calendar.start_date(period) >= measure.retired_at:
        flags.append(f"The measure was retired on {measure.retired_at:%Y-%m-%d}, before this period.")
    return flags


def _stale(calendar: FiscalCalendar, actual: Actual, ctx: _Context) -> StaleFigure:
    return StaleFigure(figure_view(calendar, actual, ctx.measure, ctx.department, ctx.targets))


def _lock(session: Session, measure_id: int, period: str) -> Actual | None:
    # FOR UPDATE on PostgreSQL: two reviewers acting at once queue on the row and the second sees
    # the first's version. (SQLite's write transactions are serialised by BEGIN IMMEDIATE.)
    return session.scalars(
        select(Actual).where(Actual.measure_id == measure_id, Actual.period == period).with_for_update()
    ).first()


# -- checking what was typed ------------------------------------------------------------------
def check_figure(
    calendar: FiscalCalendar,
    measure: Measure,
    targets: dict[str, rules.Target],
    data: FigureInput,
    today: date,
) -> tuple[float | None, str, list[str]]:
    """The value as a number, the explanation, and warnings; InvalidFigure with a message per
    field when something must be fixed first."""
    problems: dict[str, str] = {}
    value: float | None = None
    try:
        period = calendar.parse(data.period)
        if period.kind != FREQUENCY_KIND[measure.frequency]:
            problems["period"] = (
                f"{measure.name} is reported {measure.frequency}; {data.period} is not a "
                f"{measure.frequency} period."
            )
    except PeriodError as exc:
        problems["period"] = str(exc)
    try:
        value = parse_number(data.value)
    except ValueError:
        problems["value"] = f"Not a number: {str(data.value)[:40]!r}. Type digits, e.g. 1234.5."
    if value is None and "value" not in problems:
        problems["value"] = "Enter the value (a number)."
    elif value is not None:
        if measure.unit_kind == "percent" and not 0 <= value <= 100:
            problems["value"] = f"A percent is between 0 and 100; got {value:g}."
        elif measure.unit_kind == "count" and value < 0:
            problems["value"] = f"A count cannot be negative; got {value:g}."
        elif measure.unit_kind in ("duration", "currency", "rate") and value < 0:
            problems["value"] = f"This measure's values cannot be negative; got {value:g}."
    explanation = (data.explanation or "").strip()
    if "period" not in problems and "value" not in problems:
        _, status = evaluate(calendar, measure, targets, data.period, value)
        if workflow.explanation_required(status) and not explanation:
            words = "off track" if status == "off_track" else "at risk"
            problems["explanation"] = (
                f"This value is {words} against its target: say what happened and what the department "
                "is doing about it."
            )
    if problems:
        raise InvalidFigure("Nothing was saved: " + " ".join(problems.values()), problems)
    flags = period_flags(calendar, measure, data.period, today)
    return value, explanation, flags


# -- the actions ----------------------------------------------------------------------------------
def _apply(
    actual: Actual,
    after: State,
    who: str,
    *,
    value=None,
    explanation=None,
    reason: str = "",
    now: datetime | None = None,
) -> None:
    """Move a figure to `after`, in the row or in its correction, as the state machine says."""
    now = now or utcnow()
    actual.updated_by = who
    actual.updated_at = now
    actual.change_time = now
    actual.change_reason = reason
    correcting = actual.state == State.PUBLISHED and (actual.pending_state or after != State.PUBLISHED)
    if correcting:
        if after == State.PUBLISHED:
            actual.value = actual.pending_value
            actual.explanation = actual.pending_explanation or ""
            actual.pending_state = actual.pending_value = actual.pending_explanation = None
            actual.published_at = now
        else:
            actual.pending_state = after.value
            if value is not None or explanation is not None:
                actual.pending_value = value
                actual.pending_explanation = explanation
            elif actual.pending_value is None and actual.pending_explanation is None:
                actual.pending_value, actual.pending_explanation = actual.value, actual.explanation
    else:
        actual.state = after.value
        if value is not None or explanation is not None:
            actual.value = value
            actual.explanation = explanation or ""
        if after == State.PUBLISHED:
            actual.published_at = now


def save_draft(
    session: Session,
    calendar: FiscalCalendar,
    data: FigureInput,
    *,
    user: Principal,
    today: date | None = None,
    now: datetime | None = None,
) -> Figure:
    """Enter or change a figure (a new one, a draft, a returned one, or a correction of a published
    one): it becomes a draft. Editors of the measure's department only."""
    today = today or date.today()
    ctx = _measure(session, data.measure, user)
    if not may_report_for(user, ctx.department.id):
        raise NotAllowed(f"Only {ctx.department.name}'s editors enter its figures.")
    ctx.targets = load_targets(session, [ctx.measure.id])[ctx.measure.id]
    value, explanation, _flags = check_figure(calendar, ctx.measure, ctx.targets, data, today)
    actual = _lock(session, ctx.measure.id, data.period)
    if actual is None:
        if data.version is not None:  # it existed when the editor loaded it, and is gone: stale
            raise InvalidFigure(
                "That figure no longer exists; reload the page.", {"value": "Reload the page."}
            )
        workflow.next_state(None, Action.EDIT)
        actual = Actual(
            measure_id=ctx.measure.id,
            period=data.period,
            value=value,
            explanation=explanation,
            state=State.DRAFT.value,
            updated_by=user.email,
        )
        if now is not None:
            actual.updated_at = actual.created_at = now
        actual.change_time = now
        actual.change_reason = "entered"
        try:
            with session.begin_nested():  # someone else may create it at the same moment
                session.add(actual)
                session.flush()
        except IntegrityError:
            current = _lock(session, ctx.measure.id, data.period)
            if current is None:
                raise
            raise _stale(calendar, current, ctx) from None
    else:
        if data.version != actual.version:
            raise _stale(calendar, actual, ctx)
        if (actual.working_value, actual.working_explanation) == (
            value,
            explanation,
        ) and actual.working_state in (
            State.DRAFT,
            State.RETURNED,
        ):
            return figure_view(calendar, actual, ctx.measure, ctx.department, ctx.targets, today=today)
        after = workflow.next_state(actual.working_state, Action.EDIT)
        _apply(actual, after, user.email, value=value, explanation=explanation, now=now)
        session.flush()
    return figure_view(calendar, actual, ctx.measure, ctx.department, ctx.targets, today=today)


@dataclass
class _Loaded:
    actual: Actual
    ctx: _Context


def _load(session: Session, refs: Sequence[FigureRef], user: Principal) -> list[_Loaded]:
    """The figures named, locked, each checked for existence, visibility and version. Every figure
    is checked before any is changed: one stale or unknown figure refuses the whole action."""
    if not refs:
        raise InvalidFigure("Choose at least one figure.")
    contexts: dict[str, _Context] = {}
    loaded = []
    for ref in refs:
        ctx = contexts.get(ref.measure) or _measure(session, ref.measure, user)
        contexts[ref.measure] = ctx
        actual = _lock(session, ctx.measure.id, ref.period)
        if actual is None:
            raise NotFound(f"{ctx.measure.name} has no figure for {ref.period}.")
        loaded.append(_Loaded(actual, ctx))
    targets = load_targets(session, [c.measure.id for c in contexts.values()])
    for ctx in contexts.values():
        ctx.targets = targets[ctx.measure.id]
    return loaded


def _check_versions(calendar: FiscalCalendar, refs: Sequence[FigureRef], loaded: list[_Loaded]) -> None:
    for ref, item in zip(refs, loaded, strict=True):
        if item.actual.version != ref.version:
            raise _stale(calendar, item.actual, item.ctx)


def _transition(items: list[_Loaded], action: Action) -> list[State]:
    afters = []
    for item in items:
        try:
            afters.append(workflow.next_state(item.actual.working_state, action))
        except workflow.TransitionRefused as exc:
            raise WorkflowError(f"{item.ctx.measure.name}, {item.actual.period}: {exc}") from None
    return afters


def _views(calendar: FiscalCalendar, items: list[_Loaded]) -> list[Figure]:
    return [figure_view(calendar, i.actual, i.ctx.measure, i.ctx.department, i.ctx.targets) for i in items]


def submit(
    session: Session,
    calendar: FiscalCalendar,
    refs: Sequence[FigureRef],
    *,
    user: Principal,
    today: date | None = None,
    now: datetime | None = None,
) -> list[Figure]:
    """Send drafts (or returned figures) for review. Refused for a period not yet ended or outside
    the measure's life, and for a value missing its required explanation."""
    today = today or date.today()
    items = _load(session, refs, user)
    for item in items:
        if not may_report_for(user, item.ctx.department.id):
            raise NotAllowed(f"Only {item.ctx.department.name}'s editors submit its figures.")
    _check_versions(calendar, refs, items)
    afters = _transition(items, Action.SUBMIT)
    for item in items:
        flags = period_flags(calendar, item.ctx.measure, item.actual.period, today)
        if flags:
            raise InvalidFigure(f"{item.ctx.measure.name}, {item.actual.period}: {flags[0]}")
        _, status = evaluate(
            calendar, item.ctx.measure, item.ctx.targets, item.actual.period, item.actual.working_value
        )
        if workflow.explanation_required(status) and not item.actual.working_explanation.strip():
            raise InvalidFigure(
                f"{item.ctx.measure.name}, {item.actual.period} is off track or at risk: add an explanation "
                "before submitting.",
                {"explanation": "Required for a value off track or at risk."},
            )
    for item, after in zip(items, afters, strict=True):
        _apply(item.actual, after, user.email, now=now)
        item.actual.review_comment = ""
    session.flush()
    return _views(calendar, items)


def _changed_since_published(session: Session, actual_ids: list[int]) -> dict[int, set[str]]:
    """Who entered or changed each figure's value or explanation since it was last published."""
    who: dict[int, set[str]] = defaultdict(set)
    for actual_id, state, changed_by in session.execute(
        select(ActualRevision.actual_id, ActualRevision.state, ActualRevision.changed_by)
        .where(ActualRevision.actual_id.in_(actual_ids))
        .order_by(ActualRevision.actual_id, ActualRevision.id)
    ):
        if state == State.PUBLISHED:
            who[actual_id] = set()  # a new round starts after each publication
        elif state == State.DRAFT:  # every edit lands in draft (aim/workflow.py)
            who[actual_id].add(changed_by)
    return who


def _reviewable(user: Principal, what: str) -> None:
    if not may_review(user):
        raise NotAllowed(f"Only the budget office {what} figures.")


def approve(
    session: Session,
    calendar: FiscalCalendar,
    refs: Sequence[FigureRef],
    *,
    user: Principal,
    now: datetime | None = None,
) -> list[Figure]:
    """Approve submitted figures. Never one the approver entered or changed since it was last
    published, whatever their role (separation of duties)."""
    items = _load(session, refs, user)
    _reviewable(user, "approves")
    _check_versions(calendar, refs, items)
    afters = _transition(items, Action.APPROVE)
    authors = _changed_since_published(session, [i.actual.id for i in items])
    for item in items:
        if not workflow.separation_of_duties(user, authors.get(item.actual.id, set())):
            raise NotAllowed(
                f"{item.ctx.measure.name}, {item.actual.period}: you entered or changed this figure, so "
                "someone else must approve it."
            )
    for item, after in zip(items, afters, strict=True):
        _apply(item.actual, after, user.email, now=now)
    session.flush()
    return _views(calendar, items)


def return_figures(
    session: Session,
    calendar: FiscalCalendar,
    refs: Sequence[FigureRef],
    comment: str,
    *,
    user: Principal,
    now: datetime | None = None,
) -> list[Figure]:
    """Send submitted (or approved, not yet published) figures back to the department with a
    comment the editor sees."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidFigure(
            "Say what the department should fix: a comment is required to return a figure.",
            {"comment": "Required: what should the department fix?"},
        )
    if len(comment) > 2000:
        raise InvalidFigure("The comment is too long (2,000 characters at most).", {"comment": "Too long."})
    items = _load(session, refs, user)
    _reviewable(user, "returns")
    _check_versions(calendar, refs, items)
    afters = _transition(items, Action.RETURN)
    for item, after in zip(items, afters, strict=True):
        _apply(item.actual, after, user.email, reason=comment, now=now)
        item.actual.review_comment = comment
    session.flush()
    return _views(calendar, items)


def publish(
    session: Session,
    calendar: FiscalCalendar,
    refs: Sequence[FigureRef],
    *,
    user: Principal,
    now: datetime | None = None,
) -> list[Figure]:
    """Publish approved figures now (a reviewer's choice, instead of waiting for the publication
    day). The data version moves on."""
    items = _load(session, refs, user)
    _reviewable(user, "publishes")
    _check_versions(calendar, refs, items)
    afters = _transition(items, Action.PUBLISH)
    for item, after in zip(items, afters, strict=True):
        _apply(item.actual, after, user.email, now=now)
    session.flush()
    advance_data_version(session)
    return _views(calendar, items)


def last_publication_day(today: date, day: int) -> date:
    """The most recent publication day on or before `today` (`day` of a month, 1 to 28)."""
    if today.day >= day:
        return today.replace(day=day)
    first = today.replace(day=1)
    previous = date.fromordinal(first.toordinal() - 1)
    return previous.replace(day=day)


def publish_due(session: Session, *, today: date, publication_day: int) -> int:
    """Publish every figure approved on or before the latest publication day; how many. Safe to
    run twice (the second run finds nothing approved that is due)."""
    cutoff = last_publication_day(today, publication_day)
    until = datetime.combine(cutoff, datetime.max.time()).replace(tzinfo=utcnow().tzinfo)
    due = session.scalars(
        select(Actual)
        .where(
            ((Actual.state == State.APPROVED) & Actual.pending_state.is_(None))
            | (Actual.pending_state == State.APPROVED)
        )
        .where(Actual.updated_at <= until)
        .order_by(Actual.id)
        .with_for_update()
    ).all()
    for actual in due:
        _apply(actual, State.PUBLISHED, PUBLICATION_DAY)
    if due:
        session.flush()
        advance_data_version(session)
    return len(due)
