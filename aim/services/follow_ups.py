"""Follow-ups (stat meetings' action items) and the meeting agenda: create one about a measure or a
priority for a department, add notes, mark it done, drop or reopen it, move its due date; list them
by department or due date; a department's agenda for a period.

Every function takes the Principal and checks the rule in aim.auth itself before touching the
database (the callback gate is the outer wall, this is the door). Every change writes its line in
the follow-up's log and an event in the audit log, in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from aim.auth import (
    Principal,
    may_create_follow_up,
    may_drop_follow_up,
    may_read_follow_ups,
    may_update_follow_up,
    visible_department_ids,
)
from aim.follow_up_schemas import (
    ACTION_MAX,
    NOTE_MAX,
    Agenda,
    AgendaException,
    FollowUpList,
    FollowUpNoteView,
    FollowUpQuery,
    FollowUpSummary,
    FollowUpView,
    NewFollowUp,
)
from aim.models import (
    Activity,
    Department,
    FollowUp,
    FollowUpNote,
    Measure,
    Priority,
    activity_priorities,
    utcnow,
)
from aim.periods import FiscalCalendar, Period
from aim.services import Refused
from aim.services.review import EXCEPTIONS, explanations, late_measures
from aim.services.scorecard import scorecard
from aim.services.users import record

#: Who may move a follow-up from one status to another: "editor" (the owner department's editors
#: and the creating offices) or "creator" (the creating offices only). Written once, as a table.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("open", "done"): "editor",
    ("done", "open"): "editor",
    ("open", "dropped"): "creator",
    ("done", "dropped"): "creator",
    ("dropped", "open"): "creator",
}
STATUS_WORDS = {"open": "Open", "done": "Done", "dropped": "Dropped"}
#: How many overdue follow-ups the review room names (the rest are one link away).
SHOWN_OVERDUE = 5
#: A running log that long is a report, not a log: keep each note a paragraph.
LOG_LIMIT = 200


class FollowUpError(Refused):
    """A refused action; `str()` says what to do about it, `fields` which inputs were wrong."""


class NotFound(FollowUpError):
    """No such follow-up that the reader may see (the same answer either way)."""


class NotAllowed(FollowUpError):
    """The reader sees it but may not make this change."""


def allowed_move(old: str, new: str, *, may_update: bool, may_drop: bool) -> bool:
    """May someone with these rights move a follow-up from `old` to `new`? (Pure, tested as a table.)"""
    needs = TRANSITIONS.get((old, new))
    return (needs == "editor" and (may_update or may_drop)) or (needs == "creator" and may_drop)


# -- reading -------------------------------------------------------------------------------------
def _base() -> Select:
    return (
        select(FollowUp, Department.code, Department.name, Measure.code, Measure.name, Measure.is_public)
        .join(Department, Department.id == FollowUp.department_id)
        .outerjoin(Measure, Measure.id == FollowUp.measure_id)
    )


def _scoped(query: Select, user: Principal) -> Select:
    scope = visible_department_ids(user)
    if scope is None:
        return query
    return query.where(FollowUp.department_id.in_(sorted(scope)))


def _views(
    session: Session, rows: Iterable, user: Principal, today: date, *, with_notes: bool = False
) -> list[FollowUpView]:
    rows = list(rows)
    if not rows:
        return []
    priorities = {p.id: (p.slug, p.title) for p in session.scalars(select(Priority))}
    measure_ids = {r[0].measure_id for r in rows if r[0].measure_id is not None}
    served: dict[int, list[str]] = defaultdict(list)
    if measure_ids:
        # The priorities each measure serves, through its activity: one query for every row.
        for mid, pid in session.execute(
            select(Measure.id, activity_priorities.c.priority_id)
            .join(activity_priorities, activity_priorities.c.activity_id == Measure.activity_id)
            .where(Measure.id.in_(sorted(measure_ids)))
        ):
            served[mid].append(priorities[pid][0])
    notes: dict[int, list[FollowUpNoteView]] = defaultdict(list)
    if with_notes:
        for n in session.scalars(
            select(FollowUpNote)
            .where(FollowUpNote.follow_up_id.in_([r[0].id for r in rows]))
            .order_by(FollowUpNote.id)
        ):
            notes[n.follow_up_id].append(
                FollowUpNoteView(at=n.at, author=n.author, role=n.role, kind=n.kind, text=n.text)
            )
    may_drop = may_drop_follow_up(user)
    out = []
    for f, dept_code, dept_name, m_code, m_name, m_public in rows:
        overdue = f.status == "open" and f.due_on < today
        slug, title = priorities.get(f.priority_id, ("", "")) if f.priority_id else ("", "")
        out.append(
            FollowUpView(
                id=f.id,
                action=f.action,
                status=f.status,
                due_on=f.due_on,
                overdue=overdue,
                days_overdue=(today - f.due_on).days if overdue else 0,
                department_code=dept_code,
                department_name=dept_name,
                measure_code=m_code or "",
                measure_name=m_name or "",
                measure_is_public=bool(m_public) if m_code else True,
                priority_slug=slug,
                priority_title=title,
                priority_slugs=sorted(set(served.get(f.measure_id or 0, []))) if f.measure_id else [slug],
                period=f.period,
                created_by=f.created_by,
                created_at=f.created_at,
                updated_by=f.updated_by,
                updated_at=f.updated_at,
                notes=notes.get(f.id, []),
                may_update=may_update_follow_up(user, f.department_id),
                may_drop=may_drop,
            )
        )
    return out


def departments(session: Session, user: Principal) -> list[tuple[str, str]]:
    """The departments (code, name) whose follow-ups `user` may read, by name."""
    return _departments(session, user)


def measure_context(
    session: Session, calendar: FiscalCalendar, code: str, period: Period, *, user: Principal
) -> tuple[tuple[str, str, str] | None, str]:
    """For the form that agrees a follow-up about a measure: (code, name, department code) and the
    department's latest explanation in `period`; (None, "") when the creator may not do it."""
    if not may_create_follow_up(user) or not code:
        return None, ""
    row = session.execute(
        select(Measure.code, Measure.name, Department.code)
        .join(Activity, Activity.id == Measure.activity_id)
        .join(Department, Department.id == Activity.department_id)
        .where(Measure.code == code)
    ).first()
    if row is None:
        return None, ""
    found = explanations(session, calendar, [row[0]], period).get(row[0])
    return (row[0], row[1], row[2]), found.text if found else ""


def _departments(session: Session, user: Principal) -> list[tuple[str, str]]:
    query = select(Department.code, Department.name).order_by(Department.name)
    scope = visible_department_ids(user)
    if scope is not None:
        query = query.where(Department.id.in_(sorted(scope)))
    return [(c, n) for c, n in session.execute(query)]


def follow_up_list(
    session: Session, query: FollowUpQuery, *, user: Principal, today: date | None = None
) -> FollowUpList:
    """The follow-ups the reader may see, filtered by department, status, due date or measure,
    ordered by due date (soonest first) or by department then due date."""
    departments = _departments(session, user)
    if not departments:
        return FollowUpList(allowed=False)
    today = today or date.today()
    q = _scoped(_base(), user)
    if query.department:
        q = q.where(Department.code == query.department)
    if query.status:
        q = q.where(FollowUp.status == query.status)
    if query.measure:
        q = q.where(Measure.code == query.measure)
    if query.due == "overdue":
        q = q.where(FollowUp.status == "open", FollowUp.due_on < today)
    elif query.due in ("week", "month"):
        q = q.where(FollowUp.due_on <= today + timedelta(days=7 if query.due == "week" else 31))
    order = [FollowUp.due_on, FollowUp.id]
    q = q.order_by(Department.name, *order) if query.order == "department" else q.order_by(*order)
    found = _views(session, session.execute(q), user, today)
    return FollowUpList(
        allowed=True,
        today=today,
        query=query,
        departments=departments,
        follow_ups=found,
        overdue=sum(f.overdue for f in found),
        may_create=may_create_follow_up(user),
    )


def open_follow_ups(
    session: Session,
    *,
    user: Principal,
    department_id: int | None = None,
    measure_code: str | None = None,
    today: date | None = None,
) -> list[FollowUpView]:
    """Open follow-ups the reader may see, soonest due first: all of them, one department's, or
    one measure's."""
    today = today or date.today()
    q = _scoped(_base(), user).where(FollowUp.status == "open")
    if department_id is not None:
        q = q.where(FollowUp.department_id == department_id)
    if measure_code is not None:
        q = q.where(Measure.code == measure_code)
    return _views(session, session.execute(q.order_by(FollowUp.due_on, FollowUp.id)), user, today)


def summary(session: Session, *, user: Principal, today: date | None = None) -> FollowUpSummary:
    """Open and overdue counts for the reader, with the longest overdue named: one read of the
    open follow-ups' due dates, then the view of only the few it names (the review room opens on
    this, so it stays cheap however many follow-ups there are)."""
    today = today or date.today()
    open_ = FollowUp.status == "open"
    dues = session.scalars(_scoped(select(FollowUp.due_on), user).where(open_)).all()
    oldest = session.execute(
        _scoped(_base(), user)
        .where(open_, FollowUp.due_on < today)
        .order_by(FollowUp.due_on, FollowUp.id)
        .limit(SHOWN_OVERDUE)
    )
    return FollowUpSummary(
        open=len(dues),
        overdue=sum(d < today for d in dues),
        due_this_week=sum(today <= d <= today + timedelta(days=7) for d in dues),
        oldest_overdue=_views(session, oldest, user, today),
    )


def follow_up(
    session: Session, follow_up_id: int, *, user: Principal, today: date | None = None
) -> FollowUpView | None:
    """One follow-up with its log, or None when there is none the reader may see."""
    rows = session.execute(_scoped(_base(), user).where(FollowUp.id == follow_up_id)).all()
    found = _views(session, rows, user, today or date.today(), with_notes=True)
    return found[0] if found else None


# -- writing -------------------------------------------------------------------------------------
def _note(f: FollowUp, user: Principal, kind: str, text: str) -> None:
    f.notes.append(
        FollowUpNote(at=utcnow(), author=user.email, role=str(user.role or ""), kind=kind, text=text)
    )


def _audit(session: Session, event: str, f: FollowUp, user: Principal, what: str) -> None:
    record(session, event, user_id=user.user_id, email=user.email, detail=f"follow-up {f.id}: {what}")


def _clean(text: str | None, limit: int, field: str, label: str, *, required: bool) -> str:
    cleaned = (text or "").strip()
    if required and not cleaned:
        raise FollowUpError(f"Write the {label}.", {field: f"Write the {label}."})
    if len(cleaned) > limit:
        message = f"The {label} is {len(cleaned)} characters long; keep it to {limit}."
        raise FollowUpError(message, {field: message})
    return cleaned


def create(
    session: Session, data: NewFollowUp, *, user: Principal, today: date | None = None
) -> FollowUpView:
    """Agree a follow-up with a department about a measure or a priority."""
    if not may_create_follow_up(user):
        raise NotAllowed("Follow-ups are agreed by the Mayor's Office and budget analysts.")
    today = today or date.today()
    action = _clean(data.action, ACTION_MAX, "action", "action to take", required=True)
    note = _clean(data.note, NOTE_MAX, "note", "note", required=False)
    department = session.scalars(select(Department).where(Department.code == data.department)).first()
    if department is None:
        raise FollowUpError("Choose the department that owns it.", {"department": "Choose a department."})
    if data.due_on < today:
        message = f"The due date {data.due_on:%d %B %Y} has passed; choose today or a later day."
        raise FollowUpError(message, {"due_on": message})
    if bool(data.measure) == bool(data.priority):
        raise FollowUpError(
            "A follow-up is about one measure or one priority: choose one of them.",
            {"measure": "Give a measure or a priority, not both."},
        )
    f = FollowUp(
        department_id=department.id,
        period=data.period[:7],
        action=action,
        due_on=data.due_on,
        status="open",
        created_by=user.email,
        created_role=str(user.role),
        created_at=utcnow(),
        updated_by=user.email,
        updated_at=utcnow(),
    )
    if data.measure:
        row = session.execute(
            select(Measure.id, Measure.is_public, Activity.department_id)
            .join(Activity, Activity.id == Measure.activity_id)
            .where(Measure.code == data.measure)
        ).first()
        if row is None:
            raise FollowUpError(f"No measure has the code {data.measure!r}.", {"measure": "Unknown code."})
        # An internal measure's name is for its own department's staff: its follow-ups stay there.
        if not row.is_public and row.department_id != department.id:
            raise FollowUpError(
                "An internal measure's follow-up belongs to its own department.",
                {"department": "Choose the measure's own department."},
            )
        f.measure_id = row.id
    else:
        pid = session.scalar(select(Priority.id).where(Priority.slug == data.priority))
        if pid is None:
            raise FollowUpError("Choose one of the priorities.", {"priority": "Unknown priority."})
        f.priority_id = pid
    session.add(f)
    _note(f, user, "created", f"Agreed with {department.name}, due {data.due_on:%d %B %Y}.")
    if note:
        _note(f, user, "note", note)
    session.flush()
    about = f"measure {data.measure}" if data.measure else f"priority {data.priority}"
    _audit(session, "follow_up_created", f, user, f"{about}, owner {department.code}, due {data.due_on}")
    found = follow_up(session, f.id, user=user, today=today)
    assert found is not None  # its creator reads every department
    return found


def _editable(session: Session, follow_up_id: int, user: Principal) -> FollowUp:
    f = session.get(FollowUp, follow_up_id)
    if f is None or not may_read_follow_ups(user, f.department_id):
        raise NotFound("There is no such follow-up, or it is not yours to see.")
    if not may_update_follow_up(user, f.department_id):
        raise NotAllowed("Only the owner department's editors and the Mayor's Office may change it.")
    if len(f.notes) >= LOG_LIMIT:
        raise FollowUpError(f"This follow-up's log is full ({LOG_LIMIT} lines); agree a new one.")
    return f


def change(
    session: Session,
    follow_up_id: int,
    *,
    user: Principal,
    status: str | None = None,
    note: str = "",
    due_on: date | None = None,
    today: date | None = None,
) -> FollowUpView:
    """Add a note, move the status, or move the due date (any of them, at once); each is a line in
    the log and an event in the audit log. A note is required to drop a follow-up (why)."""
    today = today or date.today()
    f = _editable(session, follow_up_id, user)
    text = _clean(note, NOTE_MAX, "note", "note", required=False)
    changed = []
    if status and status != f.status:
        if status not in STATUS_WORDS:
            raise FollowUpError("Choose open, done or dropped.", {"status": "Unknown status."})
        rights = {"may_update": True, "may_drop": may_drop_follow_up(user)}
        if not allowed_move(f.status, status, **rights):
            raise NotAllowed(
                f"You may not move a follow-up from {f.status} to {status}: dropping and reopening a "
                "dropped one are for the Mayor's Office and budget analysts.",
                {"status": "Not allowed for your role."},
            )
        if status == "dropped" and not text:
            raise FollowUpError("Say why it is dropped in the note.", {"note": "Say why it is dropped."})
        _note(f, user, "status", f"{STATUS_WORDS[f.status]} \u2192 {STATUS_WORDS[status]}")
        changed.append(f"status {f.status} -> {status}")
        f.status = status
        f.closed_at = utcnow() if status != "open" else None
    if due_on is not None and due_on != f.due_on:
        if not may_drop_follow_up(user):
            raise NotAllowed("The due date is moved by the Mayor's Office or budget analysts.")
        if due_on < today:
            raise FollowUpError("Choose today or a later day.", {"due_on": "Choose today or a later day."})
        _note(f, user, "due", f"Due {f.due_on:%d %B %Y} \u2192 {due_on:%d %B %Y}")
        changed.append(f"due {f.due_on} -> {due_on}")
        f.due_on = due_on
    if text:
        _note(f, user, "note", text)
        changed.append(f"note added ({len(text)} characters)")
    if not changed:
        raise FollowUpError("Nothing to save: write a note or choose another status.")
    f.updated_by = user.email
    f.updated_at = utcnow()
    session.flush()
    _audit(session, "follow_up_changed", f, user, "; ".join(changed))
    found = follow_up(session, f.id, user=user, today=today)
    assert found is not None
    return found


# -- the meeting agenda ---------------------------------------------------------------------------
def agenda(
    session: Session,
    calendar: FiscalCalendar,
    department_code: str,
    period: Period,
    *,
    user: Principal,
    as_of: date | None = None,
) -> Agenda:
    """A department's stat meeting for `period`: its measures off track or at risk with the
    department's explanations, its late figures, and its open follow-ups."""
    departments = _departments(session, user)
    if not departments:
        return Agenda(allowed=False)
    as_of = as_of or date.today()
    base = Agenda(
        allowed=True,
        departments=departments,
        period=period.key,
        period_label=calendar.label(period),
        as_of=as_of,
        may_create=may_create_follow_up(user),
    )
    chosen = department_code or (departments[0][0] if len(departments) == 1 else "")
    dept = session.execute(select(Department.id, Department.name).where(Department.code == chosen)).first()
    if dept is None or not may_read_follow_ups(user, dept.id):
        return base.model_copy(update={"found": not chosen, "department_code": ""})
    card = scorecard(session, calendar, period, as_of=as_of, user=user)
    mine = [m for m in card.measures if m.department_code == chosen and m.status in EXCEPTIONS]
    mine.sort(key=lambda m: (EXCEPTIONS.index(m.status), m.score if m.score is not None else 0.0, m.name))
    found = explanations(session, calendar, (m.code for m in mine), period)
    late = [d for d in late_measures(session, calendar, user=user, as_of=as_of) if d.code == chosen]
    return base.model_copy(
        update={
            "department_code": chosen,
            "department_name": dept.name,
            "exceptions": [AgendaException(measure=m, explanation=found.get(m.code)) for m in mine],
            "late": late[0].measures if late else [],
            "follow_ups": open_follow_ups(session, user=user, department_id=dept.id, today=as_of),
        }
    )
