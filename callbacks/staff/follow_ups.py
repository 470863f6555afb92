"""Loaders and write callbacks of follow-ups and the meeting agenda. Who may read, create and change
comes from the session's principal, checked again by aim.services.follow_ups; the stores a browser
sends only name a follow-up or a measure (forged ones are refused by the service), and both write
callbacks are declared `write=True`, so the gate also checks their CSRF header and origin."""

from __future__ import annotations

from datetime import date, timedelta

from dash import Input, Output, State, no_update
from pydantic import ValidationError

from aim.auth import Role, is_signed_in, may_create_follow_up, roles
from aim.follow_up_schemas import FollowUpQuery, NewFollowUp
from aim.periods import PeriodError
from aim.services import follow_ups as service
from aim.services.catalog import priorities
from aim.services.review import review_period
from aim.services.site import site_info
from callbacks._common import current_principal, notices, page, periods, runtime
from callbacks._policy import callback
from callbacks.staff.review import read_query
from layouts import ids
from layouts.components import ANY
from layouts.staff import follow_ups as view

#: Who may change a follow-up at all; the service decides which one and how.
CHANGERS = roles(Role.DEPARTMENT_EDITOR, Role.BUDGET_ANALYST, Role.MAYORS_OFFICE)
CREATORS = roles(Role.BUDGET_ANALYST, Role.MAYORS_OFFICE)
#: The due date a new follow-up suggests: the next monthly meeting, give or take.
DEFAULT_DUE_DAYS = 30


def read_follow_up_query(**fields: object) -> tuple[FollowUpQuery, str | None]:
    cleaned = {k: (v if v.lower() != ANY else "") for k, v in fields.items() if isinstance(v, str)}
    try:
        return FollowUpQuery(**cleaned), None
    except ValidationError as exc:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
        return (
            FollowUpQuery(),
            f"Some choices in the address were not understood ({problems}); showing the defaults.",
        )


@page(view.skeleton)
def list_layout(department=None, status=None, due=None, order=None, measure=None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return view.refused(False, "/follow-ups")
    query, notice = read_follow_up_query(
        department=department, status=status, due=due, order=order, measure=measure
    )
    rt = runtime()
    with rt.database.read() as session:
        found = service.follow_up_list(session, query, user=user)
        if not found.allowed:
            return view.refused(True, "/follow-ups")
        return view.build_list(found, site_info(session), notice)


@page(view.new_skeleton)
def new_layout(measure=None, priority=None, period=None, **_query):
    user = current_principal()
    if not may_create_follow_up(user):
        return view.refused(is_signed_in(user), "/follow-ups/new", view.NEW_TITLE)
    rt = runtime()
    with rt.database.read() as session:
        try:
            reviewed = rt.calendar.parse(str(period)[:10]) if period else review_period(session, rt.calendar)
        except PeriodError:
            reviewed = review_period(session, rt.calendar)
        chosen, text = service.measure_context(
            session, rt.calendar, str(measure or "")[:64], reviewed, user=user
        )
        return view.new_page(
            measure=chosen,
            priorities=priorities(session),
            priority=str(priority or "")[:80],
            departments=service.departments(session, user),
            period=reviewed.key,
            due_on=date.today() + timedelta(days=DEFAULT_DUE_DAYS),
            site=site_info(session),
            explanation=text,
        )


@page(view.detail_skeleton)
def detail_layout(follow_up_id: str | None = None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return view.refused(False, f"/follow-ups/{follow_up_id}")
    text = str(follow_up_id or "")
    if not text.isdigit() or len(text) > 9:
        return view.not_found()
    rt = runtime()
    with rt.database.read() as session:
        found = service.follow_up(session, int(text), user=user)
        if found is None:
            return view.not_found()
        return view.detail(found, site_info(session))


@page(view.agenda_skeleton)
def agenda_layout(department=None, period=None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return view.refused(False, "/agenda", view.AGENDA_TITLE)
    rt = runtime()
    query, notice = read_query(period=period, department=department)
    with rt.database.read() as session:
        if query.period:
            try:
                chosen, period_notice = rt.calendar.parse(query.period), None
            except PeriodError as exc:
                chosen, period_notice = (
                    review_period(session, rt.calendar),
                    f"{exc} Showing the latest quarter.",
                )
        else:
            chosen, period_notice = review_period(session, rt.calendar), None
        found = service.agenda(session, rt.calendar, query.department, chosen, user=user)
        if not found.allowed:
            return view.refused(True, "/agenda", view.AGENDA_TITLE)
        return view.agenda(found, periods(session, rt), site_info(session), notices(notice, period_notice))


# -- writes ------------------------------------------------------------------------------------------
def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


@callback(
    CREATORS,
    Output(ids.NEW_FOLLOW_UP_MESSAGE, "children"),
    Output(ids.NEW_FOLLOW_UP_ACTION_ERROR, "children"),
    Output(ids.NEW_FOLLOW_UP_DUE_ERROR, "children"),
    Output(ids.NEW_FOLLOW_UP_DEPARTMENT_ERROR, "children"),
    Output(ids.NEW_FOLLOW_UP_SAVE, "disabled"),
    Input(ids.NEW_FOLLOW_UP_SAVE, "n_clicks"),
    State(ids.NEW_FOLLOW_UP_STORE, "data"),
    State(ids.NEW_FOLLOW_UP_PRIORITY, "value"),
    State(ids.NEW_FOLLOW_UP_DEPARTMENT, "value"),
    State(ids.NEW_FOLLOW_UP_ACTION, "value"),
    State(ids.NEW_FOLLOW_UP_DUE, "value"),
    State(ids.NEW_FOLLOW_UP_NOTE, "value"),
    prevent_initial_call=True,
    write=True,
)
def create_follow_up(_save, store, priority, department, action, due, note):
    """Agree the follow-up; on success the button is disabled, so a second click adds no twin."""
    store = store if isinstance(store, dict) else {}
    measure = _text(store.get("measure"))[:64]
    day = _day(due)
    if day is None:
        return "", "", "Give the due date as a day (YYYY-MM-DD).", "", False
    try:
        data = NewFollowUp(
            measure=measure,
            priority="" if measure else _text(priority)[:80],
            department=_text(department)[:64],
            action=_text(action)[:10_000],
            due_on=day,
            period=_text(store.get("period"))[:7],
            note=_text(note)[:10_000],
        )
    except ValidationError as exc:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
        return view.message(f"Not saved: {problems}.", "danger"), "", "", "", False
    rt = runtime()
    try:
        with rt.database.write() as session:
            found = service.create(session, data, user=current_principal())
    except service.FollowUpError as exc:
        f = exc.fields
        return (
            view.message(str(exc), "danger"),
            f.get("action", ""),
            f.get("due_on", ""),
            f.get("department", ""),
            False,
        )
    return view.created(found), "", "", "", True


@callback(
    CHANGERS,
    Output(ids.FOLLOW_UP_MESSAGE, "children"),
    Output(ids.FOLLOW_UP_LOG, "children"),
    Output(ids.FOLLOW_UP_STATE, "children"),
    Output(ids.FOLLOW_UP_NOTE, "value"),
    Output(ids.FOLLOW_UP_STATUS, "options"),
    Input(ids.FOLLOW_UP_SAVE, "n_clicks"),
    State(ids.FOLLOW_UP_STORE, "data"),
    State(ids.FOLLOW_UP_STATUS, "value"),
    State(ids.FOLLOW_UP_NOTE, "value"),
    State(ids.FOLLOW_UP_DUE, "value"),
    prevent_initial_call=True,
    write=True,
)
def update_follow_up(_save, store, status, note, due):
    """A note, a new status or a new due date: one service call, one log line each."""
    raw = store.get("id") if isinstance(store, dict) else None
    if not isinstance(raw, int) or isinstance(raw, bool):
        return (
            view.message("The form was not understood; reload the page.", "danger"),
            no_update,
            no_update,
            no_update,
            no_update,
        )
    rt = runtime()
    try:
        with rt.database.write() as session:
            found = service.change(
                session,
                raw,
                user=current_principal(),
                status=_text(status)[:8] or None,
                note=_text(note)[:10_000],
                due_on=_day(due),
            )
    except service.FollowUpError as exc:
        return view.message(str(exc), "danger"), no_update, no_update, no_update, no_update
    return (
        view.message("Saved.", "success"),
        view.log(found.notes),
        view.state(found),
        "",
        view.status_options(found),
    )
