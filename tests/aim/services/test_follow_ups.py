"""Follow-ups and the meeting agenda: who may create, read, update and drop them (the service checks
aim.auth itself, whatever the page sent), the log and the audit log of every change, the lists by
department and due date, and the agenda, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from aim.auth import ANONYMOUS, Principal
from aim.follow_up_schemas import FollowUpQuery, NewFollowUp
from aim.models import AuditEvent, Department, FollowUp, User
from aim.periods import FiscalCalendar
from aim.services import follow_ups as service
from tests import builders as b

CAL = FiscalCalendar(1)
TODAY = date(2026, 11, 26)
# Accounts 1-4 exist in every test's database (the `city` fixture): the audit log refers to them.
MAYOR = Principal(user_id=1, email="mayor@city.gov", role="mayors_office")
ANALYST = Principal(user_id=2, email="analyst@city.gov", role="budget_analyst")
ADMIN = Principal(user_id=3, email="admin@city.gov", role="admin")
COORDINATOR = Principal(user_id=4, email="data@city.gov", role="data_coordinator")
EDITOR_IDS = {"MPD": 5, "DPW": 6}


def _editor(database, code: str, email: str) -> Principal:
    with database.read() as s:
        dept_id = s.scalar(select(Department.id).where(Department.code == code))
    return Principal(
        user_id=EDITOR_IDS[code], email=email, role="department_editor", department_ids={dept_id}
    )


@pytest.fixture
def city(database):
    """Police with a public and an internal measure, Public Works with one; two priorities."""
    with database.write() as s:
        safe = b.priority(s, "safe", "Safety", 1)
        clean = b.priority(s, "clean", "Clean streets", 2)
        patrol = b.activity(s, b.department(s, "MPD", "Police"), "MPD-PATROL", [safe])
        streets = b.activity(s, b.department(s, "DPW", "Public Works"), "DPW-STREETS", [clean])
        b.measure(s, patrol, "response")
        b.measure(s, patrol, "secret", is_public=False)
        b.measure(s, streets, "potholes")
        for p in (MAYOR, ANALYST, ADMIN, COORDINATOR):
            s.add(User(id=p.user_id, email=p.email, password_hash="-", role=str(p.role)))
        for code, uid in EDITOR_IDS.items():
            s.add(User(id=uid, email=f"{code.lower()}@city.gov", password_hash="-", role="department_editor"))
    return database


def _new(**fields) -> NewFollowUp:
    base = {
        "measure": "response",
        "department": "MPD",
        "action": "Explain the slower responses",
        "due_on": TODAY + timedelta(days=30),
    }
    return NewFollowUp(**{**base, **fields})


def _create(database, user=MAYOR, **fields):
    with database.write() as s:
        return service.create(s, _new(**fields), user=user, today=TODAY)


def test_the_mayors_office_agrees_a_follow_up_and_it_is_logged_and_audited(city):
    f = _create(city, note="From the Q3 meeting.")
    assert (f.status, f.department_code, f.measure_code, f.overdue) == ("open", "MPD", "response", False)
    assert [n.kind for n in f.notes] == ["created", "note"]
    assert f.notes[1].text == "From the Q3 meeting." and f.notes[1].author == MAYOR.email
    assert f.priority_slugs == ["safe"]
    with city.read() as s:
        events = s.execute(
            select(AuditEvent.email, AuditEvent.detail).where(AuditEvent.event == "follow_up_created")
        ).all()
    assert [tuple(e) for e in events] == [
        (MAYOR.email, f"follow-up {f.id}: measure response, owner MPD, due {TODAY + timedelta(days=30)}")
    ]


def test_a_budget_analyst_may_agree_one_about_a_priority(city):
    f = _create(city, ANALYST, measure="", priority="clean", department="DPW")
    assert (f.priority_slug, f.priority_title, f.priority_slugs) == ("clean", "Clean streets", ["clean"])


@pytest.mark.parametrize("who", ["editor", "admin", "coordinator", "anonymous"])
def test_only_the_mayors_office_and_budget_analysts_agree_follow_ups(city, who):
    user = {
        "editor": _editor(city, "MPD", "ed@city.gov"),
        "admin": ADMIN,
        "coordinator": COORDINATOR,
        "anonymous": ANONYMOUS,
    }[who]
    with pytest.raises(service.NotAllowed):
        _create(city, user)
    with city.read() as s:
        assert s.scalar(select(FollowUp.id)) is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"action": "   "}, "action"),
        ({"action": "x" * 501}, None),
        ({"due_on": TODAY - timedelta(days=1)}, "due_on"),
        ({"department": "NOPE"}, "department"),
        ({"measure": "no-such-code"}, "measure"),
        ({"measure": "", "priority": ""}, "measure"),
        ({"measure": "response", "priority": "safe"}, "measure"),
        ({"measure": "", "priority": "no-such"}, "priority"),
        # An internal measure's name stays with its department: its follow-ups too.
        ({"measure": "secret", "department": "DPW"}, "department"),
    ],
)
def test_a_follow_up_that_makes_no_sense_is_refused_with_what_to_fix(city, fields, field):
    try:
        data = _new(**fields)
    except ValueError:
        assert field is None  # the form's own limit (pydantic)
        return
    with city.write() as s, pytest.raises(service.FollowUpError) as refused:
        service.create(s, data, user=MAYOR, today=TODAY)
    assert field in refused.value.fields


def test_the_owner_departments_editor_marks_it_done_with_a_note_and_it_is_audited(city):
    f = _create(city)
    editor = _editor(city, "MPD", "police.editor@city.gov")
    with city.write() as s:
        done = service.change(
            s, f.id, user=editor, status="done", note="New dispatch rota in place.", today=TODAY
        )
    assert done.status == "done"
    assert [(n.kind, n.text) for n in done.notes][-2:] == [
        ("status", "Open \u2192 Done"),
        ("note", "New dispatch rota in place."),
    ]
    assert done.notes[-1].author == "police.editor@city.gov"
    with city.read() as s:
        row = s.get(FollowUp, f.id)
        assert row.closed_at is not None and row.updated_by == "police.editor@city.gov"
        audit = s.scalars(select(AuditEvent.detail).where(AuditEvent.event == "follow_up_changed")).all()
    assert audit == [f"follow-up {f.id}: status open -> done; note added (27 characters)"]


def test_an_editor_of_another_department_can_neither_read_nor_update_it(city):
    f = _create(city)
    other = _editor(city, "DPW", "dpw.editor@city.gov")
    with city.write() as s, pytest.raises(service.NotFound):
        service.change(s, f.id, user=other, status="done", today=TODAY)
    with city.read() as s:
        assert service.follow_up(s, f.id, user=other) is None
        assert service.follow_up_list(s, FollowUpQuery(), user=other, today=TODAY).follow_ups == []
        assert s.get(FollowUp, f.id).status == "open"


@pytest.mark.parametrize("user", [ANONYMOUS, ADMIN, COORDINATOR])
def test_the_public_admins_and_data_coordinators_read_no_follow_ups(city, user):
    f = _create(city)
    with city.read() as s:
        assert service.follow_up(s, f.id, user=user) is None
        assert service.follow_up_list(s, FollowUpQuery(), user=user).allowed is False
        assert service.open_follow_ups(s, user=user) == []
    with city.write() as s, pytest.raises(service.NotFound):
        service.change(s, f.id, user=user, note="hello", today=TODAY)


def test_a_department_cannot_drop_what_it_was_asked_to_do_but_the_mayors_office_can(city):
    f = _create(city)
    editor = _editor(city, "MPD", "police.editor@city.gov")
    with city.write() as s, pytest.raises(service.NotAllowed):
        service.change(s, f.id, user=editor, status="dropped", note="Not ours", today=TODAY)
    with city.write() as s, pytest.raises(service.NotAllowed):
        service.change(s, f.id, user=editor, due_on=TODAY + timedelta(days=90), today=TODAY)
    with city.write() as s, pytest.raises(service.FollowUpError) as refused:
        service.change(s, f.id, user=MAYOR, status="dropped", today=TODAY)
    assert "note" in refused.value.fields  # why it is dropped
    with city.write() as s:
        dropped = service.change(
            s, f.id, user=MAYOR, status="dropped", note="Superseded by the budget.", today=TODAY
        )
    assert dropped.status == "dropped"
    with city.write() as s, pytest.raises(service.NotAllowed):
        service.change(s, f.id, user=editor, status="open", today=TODAY)


@pytest.mark.parametrize(
    ("old", "new", "editor", "creator"),
    [
        ("open", "done", True, True),
        ("done", "open", True, True),
        ("open", "dropped", False, True),
        ("done", "dropped", False, True),
        ("dropped", "open", False, True),
        ("dropped", "done", False, False),
    ],
)
def test_the_status_moves_as_a_table(old, new, editor, creator):
    assert service.allowed_move(old, new, may_update=True, may_drop=False) is editor
    assert service.allowed_move(old, new, may_update=True, may_drop=True) is creator


def test_an_empty_change_is_refused_and_writes_nothing(city):
    f = _create(city)
    with city.write() as s, pytest.raises(service.FollowUpError):
        service.change(s, f.id, user=MAYOR, status="open", note="  ", today=TODAY)
    with city.read() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.event == "follow_up_changed")) is None


def test_lists_by_due_date_and_by_department_flag_the_overdue(city):
    late = _create(city, action="Late one", due_on=TODAY)
    soon = _create(
        city, action="Soon", measure="potholes", department="DPW", due_on=TODAY + timedelta(days=3)
    )
    later = _create(city, action="Later", due_on=TODAY + timedelta(days=60))
    after = TODAY + timedelta(days=10)  # `late` is now 10 days overdue
    with city.read() as s:
        by_due = service.follow_up_list(s, FollowUpQuery(), user=MAYOR, today=after)
        by_dept = service.follow_up_list(s, FollowUpQuery(order="department"), user=MAYOR, today=after)
        overdue = service.follow_up_list(s, FollowUpQuery(due="overdue"), user=MAYOR, today=after)
        dpw = service.follow_up_list(s, FollowUpQuery(department="DPW"), user=MAYOR, today=after)
        summary = service.summary(s, user=MAYOR, today=after)
    assert [f.id for f in by_due.follow_ups] == [late.id, soon.id, later.id]
    assert [f.id for f in by_dept.follow_ups] == [late.id, later.id, soon.id]  # Police, then Public Works
    assert [(f.id, f.days_overdue) for f in overdue.follow_ups] == [(late.id, 10), (soon.id, 7)]
    assert [f.id for f in dpw.follow_ups] == [soon.id]
    assert (summary.open, summary.overdue) == (3, 2)
    assert by_due.overdue == 2


def test_a_done_follow_up_is_not_overdue_and_not_open(city):
    f = _create(city, due_on=TODAY)
    with city.write() as s:
        service.change(s, f.id, user=MAYOR, status="done", today=TODAY)
    with city.read() as s:
        assert service.summary(s, user=MAYOR, today=TODAY + timedelta(days=5)).overdue == 0
        listed = service.follow_up_list(
            s, FollowUpQuery(status=""), user=MAYOR, today=TODAY + timedelta(days=5)
        )
    assert [(x.status, x.overdue) for x in listed.follow_ups] == [("done", False)]


def test_the_agenda_holds_the_departments_open_follow_ups_only(city):
    mine = _create(city)
    _create(city, measure="potholes", department="DPW")
    with city.read() as s:
        a = service.agenda(s, CAL, "MPD", CAL.parse("2026-Q3"), user=MAYOR, as_of=TODAY)
        other = service.agenda(s, CAL, "MPD", CAL.parse("2026-Q3"), user=_editor(city, "DPW", "d@city.gov"))
    assert (a.department_name, [f.id for f in a.follow_ups]) == ("Police", [mine.id])
    assert other.allowed and other.department_code == "" and other.found is False
