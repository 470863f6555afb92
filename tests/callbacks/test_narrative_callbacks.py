"""The narratives page's write callback over real HTTP with real sessions: only the Mayor's Office,
only with the CSRF header and origin of this site; forged stores, stale forms and other roles write
nothing; and what is published (never a draft) reaches the public priority page and its history."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from aim.models import AuditEvent, PriorityNarrative
from callbacks._policy import is_write, policy_for
from layouts import ids
from tests.accounts import http_sign_in, make_user
from tests.cities import load_tiny_city
from tests.web import TIMEOUT

PATH = "/_dash-update-component"
STORE = {"priority": "safe", "period": "2026-Q3", "version": None, "revision": None}


@pytest.fixture
def city(site, database, fast_hashing):
    load_tiny_city(database)
    make_user(database, "mayor@city.gov", "mayors_office")
    make_user(database, "an@city.gov", "budget_analyst")
    make_user(database, "ed@city.gov", "department_editor", ("MPD",))
    make_user(database, "admin@city.gov", "admin")
    return site


def _output(site: str) -> str:
    deps = requests.get(f"{site}/_dash-dependencies", timeout=TIMEOUT).json()
    return next(c["output"] for c in deps if f"{ids.NARRATIVE_MESSAGE}.children" in c["output"])


def body(site: str, store, seeing="Fewer crimes.", doing="More patrols.", *, publish=False) -> dict:
    outs = [
        (ids.NARRATIVE_MESSAGE, "children"),
        (ids.NARRATIVE_SEEING_ERROR, "children"),
        (ids.NARRATIVE_DOING_ERROR, "children"),
        (ids.NARRATIVE_STORE, "data"),
        (ids.NARRATIVE_STATE, "children"),
        (ids.NARRATIVE_HISTORY, "children"),
    ]
    trigger = ids.NARRATIVE_PUBLISH if publish else ids.NARRATIVE_SAVE
    return {
        "output": _output(site),
        "outputs": [{"id": i, "property": p} for i, p in outs],
        "inputs": [
            {"id": ids.NARRATIVE_SAVE, "property": "n_clicks", "value": None if publish else 1},
            {"id": ids.NARRATIVE_PUBLISH, "property": "n_clicks", "value": 1 if publish else None},
        ],
        "state": [
            {"id": ids.NARRATIVE_SEEING, "property": "value", "value": seeing},
            {"id": ids.NARRATIVE_DOING, "property": "value", "value": doing},
            {"id": ids.NARRATIVE_STORE, "property": "data", "value": store},
        ],
        "changedPropIds": [f"{trigger}.n_clicks"],
    }


def post(
    site: str, http: requests.Session, payload: dict, *, headers: dict | None = None
) -> requests.Response:
    sent = (
        {"X-CSRFToken": http.cookies.get("_csrf_token", ""), "Origin": site} if headers is None else headers
    )
    return http.post(f"{site}{PATH}", json=payload, headers=sent, timeout=TIMEOUT)


def stored(database) -> list[tuple]:
    with database.read() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(PriorityNarrative.version, PriorityNarrative.state, PriorityNarrative.seeing).order_by(
                    PriorityNarrative.version
                )
            )
        ]


def route(site: str, http: requests.Session, pathname: str, search: str = "") -> str:
    payload = {
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    return http.post(f"{site}{PATH}", json=payload, timeout=TIMEOUT).text


def test_the_narrative_callback_is_a_declared_write_for_the_mayors_office_only(city):
    from aim.auth import Role

    output = _output(city)
    assert is_write(output)
    assert policy_for(output).allowed == frozenset({Role.MAYORS_OFFICE})


def test_the_mayors_office_saves_then_publishes_and_the_public_sees_only_the_published_text(city, database):
    mayor = http_sign_in(city, "mayor@city.gov")
    response = post(city, mayor, body(city, STORE, seeing="Draft words only."))
    assert response.status_code == 200 and "Draft saved" in response.text
    store = response.json()["response"][ids.NARRATIVE_STORE]["data"]
    assert (store["version"], store["priority"]) == (1, "safe")
    public = requests.Session()
    assert "Draft words only" not in route(city, public, "/priorities/safe")
    assert "Draft words only" not in route(city, public, "/priorities/safe/narratives")

    response = post(city, mayor, body(city, store, seeing="Crime fell.", publish=True))
    assert response.status_code == 200 and "Published version 1" in response.text
    assert stored(database) == [(1, "published", "Crime fell.")]
    page = route(city, public, "/priorities/safe")
    assert "Crime fell." in page and "Mayor's Office" in page and "mayor@city.gov" not in page
    assert "Crime fell." in route(city, public, "/priorities/safe/narratives")

    # The next version, saved but not published: the public still reads version 1.
    store = response.json()["response"][ids.NARRATIVE_STORE]["data"]
    response = post(city, mayor, body(city, store, seeing="Second draft, unpublished."))
    assert "Draft saved" in response.text
    assert stored(database)[-1] == (2, "draft", "Second draft, unpublished.")
    for path in ("/priorities/safe", "/priorities/safe/narratives", "/"):
        assert "Second draft, unpublished" not in route(city, public, path)
    with database.read() as s:
        assert [
            e.event for e in s.scalars(select(AuditEvent).where(AuditEvent.event.like("narrative%")))
        ] == [
            "narrative_saved",
            "narrative_saved",
            "narrative_published",
            "narrative_saved",
        ]


@pytest.mark.parametrize("email", ["an@city.gov", "ed@city.gov", "admin@city.gov", None])
def test_every_other_role_is_refused_even_with_its_own_token_and_nothing_is_written(city, database, email):
    http = http_sign_in(city, email) if email else requests.Session()
    for publish in (False, True):
        response = post(city, http, body(city, STORE, publish=publish))
        assert response.status_code == 403, (email, publish)
    assert stored(database) == []


def test_the_mayors_office_is_refused_without_the_token_or_from_another_origin(city, database):
    mayor = http_sign_in(city, "mayor@city.gov")
    assert post(city, mayor, body(city, STORE), headers={}).status_code == 403
    token = mayor.cookies.get("_csrf_token", "")
    forged = {"X-CSRFToken": token, "Origin": "https://evil.example"}
    assert post(city, mayor, body(city, STORE), headers=forged).status_code == 403
    assert (
        post(city, mayor, body(city, STORE), headers={"X-CSRFToken": "forged", "Origin": city}).status_code
        == 403
    )
    assert stored(database) == []


@pytest.mark.parametrize(
    "store, expected",
    [
        ({"priority": "no-such", "period": "2026-Q3"}, "There is no priority"),
        ({"priority": "safe", "period": "2026-Q9"}, "2026-Q9"),
        (
            {"priority": "safe", "period": "2026-Q3", "version": 7, "revision": 1},
            "changed while you were writing",
        ),
        ("not a store", "not understood"),
        ({"priority": ["safe"], "period": {"x": 1}}, "There is no priority"),
    ],
)
def test_forged_stores_are_refused_with_a_message_and_write_nothing(city, database, store, expected):
    mayor = http_sign_in(city, "mayor@city.gov")
    response = post(city, mayor, body(city, store))
    assert response.status_code == 200 and expected in response.text
    assert "Traceback" not in response.text
    assert stored(database) == []


def test_a_stale_form_keeps_the_text_and_does_not_overwrite(city, database):
    mayor = http_sign_in(city, "mayor@city.gov")
    first = post(city, mayor, body(city, STORE, seeing="Mine.")).json()["response"][ids.NARRATIVE_STORE][
        "data"
    ]
    post(city, mayor, body(city, first, seeing="Second save."))
    response = post(city, mayor, body(city, first, seeing="From an old tab."))
    assert "changed while you were writing" in response.text or "while you were writing" in response.text
    assert stored(database) == [(1, "draft", "Second save.")]


def test_empty_parts_and_overlong_text_are_refused_beside_their_fields(city, database):
    mayor = http_sign_in(city, "mayor@city.gov")
    response = post(city, mayor, body(city, STORE, seeing="", doing="   ")).json()["response"]
    assert response[ids.NARRATIVE_SEEING_ERROR]["children"] == "Write what we are seeing."
    assert response[ids.NARRATIVE_DOING_ERROR]["children"] == "Write what we are doing."
    response = post(city, mayor, body(city, STORE, seeing="x" * 2001)).json()["response"]
    assert response[ids.NARRATIVE_SEEING_ERROR]["children"] == "At most 2,000 characters."
    assert stored(database) == []
