"""Follow-ups over HTTP with real sessions: a role x resource matrix for their pages and downloads,
and forged writes (an editor of another department, the public, a creator's callback called by an
editor, a forged store naming someone else's follow-up), each refused with nothing changed.

A follow-up with a distinctive action is agreed with Police about its internal measure: Police's
editor, budget analysts and the Mayor's Office see it; nobody else does, anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import select

from aim.auth import Principal
from aim.follow_up_schemas import NewFollowUp
from aim.models import AuditEvent, FollowUp
from aim.services import follow_ups as service
from api.limiting import limiter
from callbacks._policy import is_write, policy_for
from tests.accounts import cheap_hashing, http_sign_in, make_user
from tests.callbacks.test_authorization import ROLES, as_the_page_sends, route, xlsx_text
from tests.cities import SECRET_NAME
from tests.web import TIMEOUT

ACTION = "Okapi overtime plan for the internal measure"
READERS = {"editor_police", "budget_analyst", "mayors_office"}
CREATORS = {"budget_analyst", "mayors_office"}
CREATE_OUTPUT = (
    "..new-follow-up-message.children...new-follow-up-action-error.children..."
    "new-follow-up-due-error.children...new-follow-up-department-error.children..."
    "new-follow-up-save.disabled.."
)
UPDATE_OUTPUT = (
    "..follow-up-message.children...follow-up-log.children...follow-up-state.children..."
    "follow-up-note.value...follow-up-status.options.."
)


@pytest.fixture(scope="module")
def city(shared_site, shared_leak_city) -> Iterator[dict]:
    """One session per role, and two follow-ups agreed with Police: one read by the matrix, one the
    write tests try to change."""
    with cheap_hashing():
        signed = {"anonymous": requests.Session()}
        for name, spec in ROLES.items():
            if spec:
                email = f"fu.{name.replace('_', '.')}@milwaukee.gov"
                user = make_user(shared_leak_city, email, spec[0], spec[1])
                signed[name] = http_sign_in(shared_site, email)
                if name == "mayors_office":
                    mayor = Principal(user.id, email, "mayors_office")
    due = date.today() + timedelta(days=20)
    with shared_leak_city.write() as s:
        read = service.create(
            s,
            NewFollowUp(measure="zz-secret-internal", department="MPD", action=ACTION, due_on=due),
            user=mayor,
        ).id
        target = service.create(
            s,
            NewFollowUp(measure="homicides", department="MPD", action="Target of forged writes", due_on=due),
            user=mayor,
        ).id
    yield {"sessions": signed, "read": read, "target": target}


PAGES = [
    ("/follow-ups", ""),
    ("/follow-ups", "?department=MPD&status=any&order=department"),
    ("/follow-ups/{read}", ""),
    ("/agenda", "?department=MPD"),
    ("/reporting", ""),
    ("/measures/zz-secret-internal", ""),
    ("/briefing", ""),
]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("path", "search"), PAGES, ids=[p + s for p, s in PAGES])
def test_role_by_page_matrix_a_follow_up_is_seen_by_its_department_and_the_offices_only(
    city, shared_site, role, path, search
):
    text = route(city["sessions"][role], shared_site, path.format(**city), search)
    assert text.startswith("200")
    readers = (
        {"editor_police"}
        if path == "/reporting"
        else READERS - {"editor_police"}
        if path == "/briefing"
        else READERS
    )
    assert (ACTION in text) is (role in readers), (role, path)
    if role not in READERS:
        assert SECRET_NAME not in text


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_page_matrix_the_form_that_agrees_one_is_for_the_offices_only(city, shared_site, role):
    text = route(city["sessions"][role], shared_site, "/follow-ups/new", "?measure=zz-secret-internal")
    assert ("Save follow-up" in text) is (role in CREATORS)
    assert (SECRET_NAME in text) is (role in CREATORS)


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_download_matrix_the_follow_ups_list_is_for_its_readers_only(city, shared_site, role):
    for fmt in ("csv", "xlsx"):
        response = city["sessions"][role].get(
            f"{shared_site}/downloads/follow-ups.{fmt}?status=any", timeout=TIMEOUT
        )
        if role.startswith("editor") or role in READERS:
            # Every department editor reads follow-ups: those of their own departments only.
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-store"
            text = response.text if fmt == "csv" else xlsx_text(response.content)
            assert (ACTION in text) is (role in READERS)
        else:
            assert response.status_code == 404, role
            assert ACTION not in response.text


def test_the_follow_up_callbacks_are_declared_writes_for_the_roles_that_may_use_them(dash_app):
    assert is_write(CREATE_OUTPUT) and is_write(UPDATE_OUTPUT)
    assert {str(r) for r in policy_for(CREATE_OUTPUT).allowed} == CREATORS
    assert {str(r) for r in policy_for(UPDATE_OUTPUT).allowed} == {
        "department_editor",
        "budget_analyst",
        "mayors_office",
    }


def _update(follow_up_id: object, status: str = "done", note: str = "forged") -> dict:
    return {
        "output": UPDATE_OUTPUT,
        "outputs": [
            {"id": part.split(".")[0], "property": part.split(".")[1]}
            for part in UPDATE_OUTPUT.strip(".").split("...")
        ],
        "inputs": [{"id": "follow-up-save", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "follow-up-store", "property": "data", "value": {"id": follow_up_id}},
            {"id": "follow-up-status", "property": "value", "value": status},
            {"id": "follow-up-note", "property": "value", "value": note},
            {"id": "follow-up-due", "property": "value", "value": ""},
        ],
        "changedPropIds": ["follow-up-save.n_clicks"],
    }


def _create(department: str = "DPW") -> dict:
    return {
        "output": CREATE_OUTPUT,
        "outputs": [
            {"id": part.split(".")[0], "property": part.split(".")[1]}
            for part in CREATE_OUTPUT.strip(".").split("...")
        ],
        "inputs": [{"id": "new-follow-up-save", "property": "n_clicks", "value": 1}],
        "state": [
            {
                "id": "new-follow-up-store",
                "property": "data",
                "value": {"measure": "homicides", "period": ""},
            },
            {"id": "new-follow-up-priority", "property": "value", "value": ""},
            {"id": "new-follow-up-department", "property": "value", "value": department},
            {"id": "new-follow-up-action", "property": "value", "value": "Forged follow-up"},
            {
                "id": "new-follow-up-due",
                "property": "value",
                "value": (date.today() + timedelta(days=9)).isoformat(),
            },
            {"id": "new-follow-up-note", "property": "value", "value": ""},
        ],
        "changedPropIds": ["new-follow-up-save.n_clicks"],
    }


def _state(database, follow_up_id: int) -> tuple[str, int]:
    with database.read() as s:
        f = s.get(FollowUp, follow_up_id)
        return f.status, len(f.notes)


def test_forged_updates_are_refused_and_change_nothing(city, shared_site, shared_leak_city):
    before = _state(shared_leak_city, city["target"])
    sessions = city["sessions"]
    for role in ROLES:
        if role in READERS:
            continue
        limiter.reset()
        # With the session's own CSRF token and origin, as the page would send them.
        headers = as_the_page_sends(sessions[role], shared_site)
        text = route(sessions[role], shared_site, "", body=_update(city["target"]), headers=headers)
        if role == "editor_public_works":
            # The gate lets editors call it; the service finds no follow-up of theirs to change.
            assert text.startswith("200") and "not yours to see" in text
        else:
            assert text.startswith("403"), role
    # A reader without the CSRF token is refused by the gate.
    limiter.reset()
    assert route(sessions["editor_police"], shared_site, "", body=_update(city["target"])).startswith("403")
    # Forged stores: no id, a string, a boolean, an id that does not exist.
    for forged in (None, "1", True, 10**9):
        limiter.reset()
        headers = as_the_page_sends(sessions["editor_police"], shared_site)
        text = route(sessions["editor_police"], shared_site, "", body=_update(forged), headers=headers)
        assert text.startswith("200") and "Saved." not in text, forged
    # A department may not drop what it was asked to do, even by forging the status.
    limiter.reset()
    headers = as_the_page_sends(sessions["editor_police"], shared_site)
    text = route(
        sessions["editor_police"], shared_site, "", body=_update(city["target"], "dropped"), headers=headers
    )
    assert "Saved." not in text
    assert _state(shared_leak_city, city["target"]) == before


def test_a_forged_create_is_refused_to_every_role_but_the_offices(city, shared_site, shared_leak_city):
    sessions = city["sessions"]
    for role in ROLES:
        if role in CREATORS:
            continue
        limiter.reset()
        headers = as_the_page_sends(sessions[role], shared_site)
        assert route(sessions[role], shared_site, "", body=_create(), headers=headers).startswith("403"), role
    with shared_leak_city.read() as s:
        assert s.scalar(select(FollowUp.id).where(FollowUp.action == "Forged follow-up")) is None


def test_the_owner_departments_editor_updates_over_http_and_it_is_audited(
    city, shared_site, shared_leak_city
):
    sessions = city["sessions"]
    limiter.reset()
    headers = as_the_page_sends(sessions["editor_police"], shared_site)
    text = route(
        sessions["editor_police"],
        shared_site,
        "",
        body=_update(city["target"], "open", "Rota drafted."),
        headers=headers,
    )
    assert text.startswith("200") and "Saved." in text and "Rota drafted." in text
    with shared_leak_city.read() as s:
        details = s.scalars(select(AuditEvent.detail).where(AuditEvent.event == "follow_up_changed")).all()
    assert f"follow-up {city['target']}: note added (13 characters)" in details


@pytest.mark.parametrize("role", list(ROLES))
def test_a_follow_up_page_answers_404_to_whoever_may_not_read_it_as_if_it_did_not_exist(
    city, shared_site, role
):
    http = city["sessions"][role]
    shown = http.get(f"{shared_site}/follow-ups/{city['read']}", timeout=TIMEOUT)
    assert shown.status_code == (200 if role in READERS else 404)
    assert http.get(f"{shared_site}/follow-ups/999999", timeout=TIMEOUT).status_code == 404
    assert http.get(f"{shared_site}/follow-ups/new", timeout=TIMEOUT).status_code == 200
