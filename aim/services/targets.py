"""Target proposals: a department proposes a measure's target for a period, the budget office
approves or returns it, by the same state machine as figures (aim/workflow.py: draft, submitted,
returned, approved). Approval writes the target in force and keeps the proposal, with the target it
replaced, so the approved proposals are the target's history."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from aim import workflow
from aim.auth import Principal, may_report_for, may_review, may_see_unpublished
from aim.importing.values import parse_number
from aim.models import Activity, Department, Measure, Target, TargetProposal, utcnow
from aim.periods import FiscalCalendar, PeriodError
from aim.services.figures import InvalidFigure, NotAllowed, NotFound, WorkflowError
from aim.services.site import advance_data_version
from aim.workflow import Action, State
from aim.workflow_views import TargetProposalView


class TargetInput(BaseModel):
    """A target as typed: a value, or low and high for a measure best within a range."""

    model_config = ConfigDict(frozen=True)

    measure: str = Field(max_length=64)
    period: str = Field(max_length=7)
    value: str | float | None = None
    low: str | float | None = None
    high: str | float | None = None
    explanation: str = Field("", max_length=5000)
    proposal: int | None = None  # the proposal being changed, with the version it was read at
    version: int | None = Field(None, ge=1)


class StaleProposal(WorkflowError):
    pass


def _measure(session: Session, code: str, user: Principal) -> tuple[Measure, Department]:
    row = session.execute(
        select(Measure, Department)
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .where(Measure.code == code)
    ).first()
    if row is None or not may_see_unpublished(user, row[1].id):
        raise NotFound(f"There is no measure {code!r} that you may set targets for.")
    return row[0], row[1]


def view(p: TargetProposal, code: str) -> TargetProposalView:
    return TargetProposalView(
        id=p.id,
        measure=code,
        period=p.period,
        value=p.value,
        low=p.low,
        high=p.high,
        explanation=p.explanation,
        state=p.state,
        version=p.version,
        proposed_by=p.proposed_by,
        proposed_at=p.proposed_at,
        reviewed_by=p.reviewed_by,
        reviewed_at=p.reviewed_at,
        review_comment=p.review_comment,
        old_value=p.old_value,
        old_low=p.old_low,
        old_high=p.old_high,
    )


def _numbers(measure: Measure, data: TargetInput) -> tuple[float | None, float | None, float | None]:
    problems: dict[str, str] = {}
    parsed: dict[str, float | None] = {}
    for name in ("value", "low", "high"):
        try:
            parsed[name] = parse_number(getattr(data, name))
        except ValueError:
            problems[name] = f"Not a number: {str(getattr(data, name))[:40]!r}."
    value, low, high = parsed.get("value"), parsed.get("low"), parsed.get("high")
    if not problems:
        if measure.direction == "range":
            if low is None or high is None:
                problems["low"] = "This measure is best within a range: give the low and the high bound."
            elif low > high:
                problems["high"] = f"The high bound ({high:g}) is below the low one ({low:g})."
        elif value is None:
            problems["value"] = "Enter the target (a number)."
        if measure.unit_kind == "percent":
            for name, number in (("value", value), ("low", low), ("high", high)):
                if number is not None and not 0 <= number <= 100:
                    problems[name] = f"A percent is between 0 and 100; got {number:g}."
    if problems:
        raise InvalidFigure("Nothing was saved: " + " ".join(problems.values()), problems)
    if measure.direction == "range":
        return None, low, high
    return value, None, None


def save_proposal(
    session: Session, calendar: FiscalCalendar, data: TargetInput, *, user: Principal
) -> TargetProposalView:
    """Propose (or change a draft or returned proposal of) a target: it becomes a draft."""
    measure, department = _measure(session, data.measure, user)
    if not may_report_for(user, department.id):
        raise NotAllowed(f"Only {department.name}'s editors propose its targets.")
    try:
        calendar.parse(data.period)
    except PeriodError as exc:
        raise InvalidFigure(str(exc), {"period": str(exc)}) from None
    value, low, high = _numbers(measure, data)
    if data.proposal is None:
        proposal = TargetProposal(
            measure_id=measure.id, period=data.period, state=State.DRAFT.value, proposed_by=user.email
        )
        session.add(proposal)
    else:
        proposal = _load(session, data.proposal, measure.id)
        if proposal.version != data.version:
            raise StaleProposal(
                f"This proposal was changed by {proposal.proposed_by} meanwhile; reload the page."
            )
        try:
            workflow.next_state(proposal.state, Action.EDIT)
        except workflow.TransitionRefused as exc:
            raise WorkflowError(str(exc)) from None
        proposal.state = State.DRAFT.value
        proposal.proposed_by = user.email
        proposal.proposed_at = utcnow()
    proposal.value, proposal.low, proposal.high = value, low, high
    proposal.explanation = (data.explanation or "").strip()
    session.flush()
    return view(proposal, measure.code)


def _load(session: Session, proposal_id: int, measure_id: int | None = None) -> TargetProposal:
    proposal = session.get(TargetProposal, proposal_id, with_for_update=True)
    if proposal is None or (measure_id is not None and proposal.measure_id != measure_id):
        raise NotFound("There is no such target proposal.")
    return proposal


def _act(
    session: Session, proposal_id: int, version: int, action: Action, *, user: Principal
) -> tuple[TargetProposal, Measure, Department]:
    proposal = _load(session, proposal_id)
    measure = session.get(Measure, proposal.measure_id)
    assert measure is not None
    measure, department = _measure(session, measure.code, user)
    if action is Action.SUBMIT and not may_report_for(user, department.id):
        raise NotAllowed(f"Only {department.name}'s editors submit its targets.")
    if action in (Action.APPROVE, Action.RETURN) and not may_review(user):
        raise NotAllowed("Only the budget office approves or returns targets.")
    if proposal.version != version:
        raise StaleProposal("This proposal changed since you opened it; reload the page.")
    try:
        proposal.state = workflow.next_state(proposal.state, action).value
    except workflow.TransitionRefused as exc:
        raise WorkflowError(str(exc)) from None
    return proposal, measure, department


def submit_proposal(
    session: Session, proposal_id: int, version: int, *, user: Principal
) -> TargetProposalView:
    proposal, measure, _ = _act(session, proposal_id, version, Action.SUBMIT, user=user)
    proposal.review_comment = ""
    session.flush()
    return view(proposal, measure.code)


def return_proposal(
    session: Session, proposal_id: int, version: int, comment: str, *, user: Principal
) -> TargetProposalView:
    if not (comment or "").strip():
        raise InvalidFigure("A comment is required to return a target.", {"comment": "Required."})
    proposal, measure, _ = _act(session, proposal_id, version, Action.RETURN, user=user)
    proposal.review_comment = comment.strip()[:2000]
    proposal.reviewed_by, proposal.reviewed_at = user.email, utcnow()
    session.flush()
    return view(proposal, measure.code)


def approve_proposal(
    session: Session, proposal_id: int, version: int, *, user: Principal, now: datetime | None = None
) -> TargetProposalView:
    """Approve a submitted target (never one's own proposal): it becomes the target in force, and
    the proposal keeps the target it replaced. Public statuses may change: the data version moves."""
    proposal, measure, _ = _act(session, proposal_id, version, Action.APPROVE, user=user)
    if not workflow.separation_of_duties(user, {proposal.proposed_by}):
        raise NotAllowed("You proposed this target, so someone else must approve it.")
    now = now or utcnow()
    target = session.scalars(
        select(Target).where(Target.measure_id == measure.id, Target.period == proposal.period)
    ).first()
    if target is None:
        target = Target(measure_id=measure.id, period=proposal.period)
        session.add(target)
    else:
        proposal.old_value, proposal.old_low, proposal.old_high = target.value, target.low, target.high
    target.value, target.low, target.high = proposal.value, proposal.low, proposal.high
    target.set_by, target.set_at = f"{proposal.proposed_by} (approved by {user.email})", now
    proposal.reviewed_by, proposal.reviewed_at = user.email, now
    session.flush()
    advance_data_version(session)
    return view(proposal, measure.code)


def proposals_of(session: Session, code: str, *, user: Principal) -> list[TargetProposalView]:
    """Every proposal of a measure, newest first: the approved ones are its target history."""
    measure, _ = _measure(session, code, user)
    found = session.scalars(
        select(TargetProposal)
        .where(TargetProposal.measure_id == measure.id)
        .order_by(TargetProposal.id.desc())
    )
    return [view(p, measure.code) for p in found]


def target_page(
    session: Session, calendar: FiscalCalendar, code: str, *, user: Principal, today=None
) -> dict | None:
    """What the targets page shows (plain data), or None when `user` may not see the measure's
    unpublished work (the same as an unknown code)."""
    from datetime import date

    from aim.periods import Kind

    try:
        measure, department = _measure(session, code, user)
    except NotFound:
        return None
    year = calendar.shift(calendar.on(today or date.today(), Kind.YEAR), 1)
    return {
        "code": measure.code,
        "name": measure.name,
        "department_name": department.name,
        "direction": measure.direction,
        "unit_kind": measure.unit_kind,
        "unit_label": measure.unit_label,
        "next_year": year.key,
        "proposals": proposals_of(session, code, user=user),
        "may_edit": may_report_for(user, department.id),
        "may_review": may_review(user),
    }
