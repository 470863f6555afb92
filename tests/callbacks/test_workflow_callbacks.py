"""The review workflow's write callbacks over real HTTP with real sessions: the gate's CSRF and
origin checks (refused and audited), and forged requests: anonymous, another department's editor,
self-approval, a stale version, a forged `state` field. Nothing is written by a refused request."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import select

from aim.models import Actual, AuditEvent
from aim.services import users as accounts
from layouts import ids
from tests.accounts import http_sign_in, make_user
from tests.cities import load_tiny_city
from tests.web import TIMEOUT

PATH = "/_dash-update-component"


@pytest.fixture
def city(site, database, fast_hashing):
    load_tiny_city(database)
    make_user(database, "ed@city.gov", "department_editor", ("MPD",))
    make_user(database, "works@city.gov", "department_editor", ("DCD",))
    make_user(database, "an@city.gov", "budget_analyst")
    make_user(database, "mayor@city.gov", "mayors_office")
    return site


def _output(site: str, fragment: str) -> str:
    deps = requests.get(f"{site}/_dash-dependencies", timeout=TIMEOUT).json()
    return next(c["output"] for c in deps if fragment in c["output"])


def _headers(site: str, http: requests.Session) -> dict[str, str]:
    return {"X-CSRFToken": http.cookies.get("_csrf_token", ""), "Origin": site}


def save_body(site: str, store: dict, value="640", explanation="", *, submit=False) -> dict:
    output = _output(site, f"{ids.FIGURE_MESSAGE}.children")
    outs = [
        (ids.FIGURE_MESSAGE, "children"),
        (ids.FIGURE_VALUE_ERROR, "children"),
        (ids.FIGURE_EXPLANATION_ERROR, "children"),
        (ids.FIGURE_STORE, "data"),
        (ids.FIGURE_STATE, "children"),
        (ids.FIGURE_SUBMIT, "disabled"),
    ]
    trigger = ids.FIGURE_SUBMIT if submit else ids.FIGURE_SAVE
    return {
        "output": output,
        "outputs": [{"id": i, "property": p} for i, p in outs],
        "inputs": [
            {"id": ids.FIGURE_SAVE, "property": "n_clicks", "value": None if submit else 1},
            {"id": ids.FIGURE_SUBMIT, "property": "n_clicks", "value": 1 if submit else None},
        ],
        "state": [
            {"id": ids.FIGURE_VALUE, "property": "value", "value": value},
            {"id": ids.FIGURE_EXPLANATION, "property": "value", "value": explanation},
            {"id": ids.FIGURE_STORE, "property": "data", "value": store},
        ],
        "changedPropIds": [f"{trigger}.n_clicks"],
    }


def review_body(site: str, refs: list[str], action=ids.REVIEW_APPROVE, comment="") -> dict:
    output = _output(site, f"{ids.REVIEW_MESSAGE}.children")
    return {
        "output": output,
        "outputs": [
            {"id": ids.REVIEW_MESSAGE, "property": "children"},
            {"id": ids.REVIEW_COMMENT_ERROR, "property": "children"},
            {"id": ids.REVIEW_QUEUE, "property": "children"},
        ],
        "inputs": [
            *[
                {"id": b, "property": "n_clicks", "value": 1 if b == action else None}
                for b in (ids.REVIEW_APPROVE, ids.REVIEW_RETURN, ids.REVIEW_PUBLISH)
            ],
            [{"id": {"type": ids.REVIEW_GROUP_APPROVE, "index": 0}, "property": "n_clicks", "value": None}],
        ],
        "state": [
            [{"id": {"type": ids.REVIEW_SELECT, "index": 0}, "property": "value", "value": refs}],
            [{"id": {"type": ids.REVIEW_SELECT, "index": 0}, "property": "options", "value": []}],
            {"id": ids.REVIEW_COMMENT, "property": "value", "value": comment},
        ],
        "changedPropIds": [f"{action}.n_clicks"],
    }


def post(site: str, http: requests.Session, body: dict, headers: dict | None = None) -> requests.Response:
    return http.post(
        f"{site}{PATH}",
        json=body,
        headers=_headers(site, http) if headers is None else headers,
        timeout=TIMEOUT,
    )


def figures_in(database) -> list[tuple]:
    with database.read() as s:
        return [
            (a.period, a.value, a.working_state, a.version)
            for a in s.scalars(select(Actual).where(Actual.period == "2026-10"))
        ]


def denied(database) -> list[str]:
    with database.read() as s:
        return [e.detail for e in s.scalars(select(AuditEvent).where(AuditEvent.event == "denied"))]


STORE = {"measure": "violent-crime", "period": "2026-10", "version": None}


def test_an_editor_saves_a_draft_with_the_csrf_header_from_this_site(city, database):
    editor = http_sign_in(city, "ed@city.gov")
    assert editor.cookies.get("_csrf_token")
    response = post(city, editor, save_body(city, STORE))
    assert response.status_code == 200, response.text
    assert "Draft saved" in response.text
    assert figures_in(database) == [("2026-10", 640, "draft", 1)]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": "CITY"},  # the right origin, no token
        {"X-CSRFToken": "TOKEN"},  # the token, no origin
        {"X-CSRFToken": "TOKEN", "Origin": "https://evil.example"},
        {"X-CSRFToken": "forged-token-value", "Origin": "CITY"},
    ],
    ids=["nothing", "no token", "no origin", "other origin", "forged token"],
)
def test_a_write_without_the_token_or_from_another_origin_is_refused_and_audited(city, database, headers):
    editor = http_sign_in(city, "ed@city.gov")
    token = editor.cookies.get("_csrf_token")
    sent = {k: v.replace("CITY", city).replace("TOKEN", token) for k, v in headers.items()}
    response = post(city, editor, save_body(city, STORE), sent)
    assert response.status_code == 403
    assert figures_in(database) == []
    assert any("write callback" in d for d in denied(database))


def test_a_token_from_another_session_does_not_work(city, database):
    editor = http_sign_in(city, "ed@city.gov")
    other = http_sign_in(city, "works@city.gov")
    planted = other.cookies.get("_csrf_token")
    editor.cookies.clear(domain=editor.cookies.list_domains()[0], path="/", name="_csrf_token")
    editor.cookies.set("_csrf_token", planted)  # a cookie planted by another site or session
    response = post(city, editor, save_body(city, STORE))
    assert response.status_code == 403 and figures_in(database) == []


def test_anonymous_and_the_wrong_role_are_refused_by_the_policy(city, database):
    anonymous = requests.Session()
    assert post(city, anonymous, save_body(city, STORE), {"Origin": city}).status_code == 403
    analyst = http_sign_in(city, "an@city.gov")
    assert post(city, analyst, save_body(city, STORE)).status_code == 403  # analysts do not enter
    editor = http_sign_in(city, "ed@city.gov")
    assert post(city, editor, review_body(city, ["violent-crime|2026-10|1"])).status_code == 403
    assert figures_in(database) == []


def test_another_departments_editor_gets_told_nothing_and_nothing_is_written(city, database):
    works = http_sign_in(city, "works@city.gov")
    response = post(city, works, save_body(city, STORE))
    assert response.status_code == 200
    assert "no measure" in response.text and "Draft saved" not in response.text
    assert figures_in(database) == []


def test_a_forged_state_field_changes_nothing_but_the_draft(city, database):
    editor = http_sign_in(city, "ed@city.gov")
    forged = {**STORE, "state": "published", "updated_by": "mayor@city.gov"}
    assert post(city, editor, save_body(city, forged)).status_code == 200
    assert figures_in(database) == [("2026-10", 640, "draft", 1)]
    body = save_body(city, STORE)
    body["state"].append({"id": "figure-state-field", "property": "value", "value": "published"})
    assert post(city, editor, body).status_code == 400  # not the callback's declared shape
    assert figures_in(database) == [("2026-10", 640, "draft", 1)]


def test_a_stale_version_is_refused_with_the_current_value(city, database):
    editor = http_sign_in(city, "ed@city.gov")
    post(city, editor, save_body(city, STORE))
    post(city, editor, save_body(city, {**STORE, "version": 1}, value="641"))
    response = post(city, editor, save_body(city, {**STORE, "version": 1}, value="642"))
    assert "while you were working" in response.text and "641" in response.text
    assert figures_in(database) == [("2026-10", 641, "draft", 2)]


def test_the_analyst_approves_but_never_a_figure_they_entered(city, database):
    editor = http_sign_in(city, "ed@city.gov")
    post(city, editor, save_body(city, STORE))
    post(city, editor, save_body(city, {**STORE, "version": 1}, submit=True))
    assert figures_in(database) == [("2026-10", 640, "submitted", 2)]
    # The editor becomes an analyst and tries to approve their own figure through the callback.
    with database.write() as s:
        accounts.set_role(s, "ed@city.gov", "budget_analyst", actor=None, client_address="test")
    promoted = http_sign_in(city, "ed@city.gov")
    response = post(city, promoted, review_body(city, ["violent-crime|2026-10|2"]))
    assert response.status_code == 200 and "someone else must approve" in response.text
    assert figures_in(database) == [("2026-10", 640, "submitted", 2)]
    analyst = http_sign_in(city, "an@city.gov")
    response = post(city, analyst, review_body(city, ["violent-crime|2026-10|2"]))
    assert "Approved 1 figure" in response.text
    assert figures_in(database) == [("2026-10", 640, "approved", 3)]


def target_body(site: str, store: dict, action=ids.TARGET_SAVE, value="7400") -> dict:
    output = _output(site, f"{ids.TARGET_MESSAGE}.children")
    buttons = (ids.TARGET_SAVE, ids.TARGET_SUBMIT, ids.TARGET_APPROVE, ids.TARGET_RETURN)
    fields = {
        ids.TARGET_PERIOD: "2027",
        ids.TARGET_VALUE: value,
        ids.TARGET_LOW: "",
        ids.TARGET_HIGH: "",
        ids.TARGET_EXPLANATION: "",
        ids.TARGET_COMMENT: "",
    }
    return {
        "output": output,
        "outputs": [
            {"id": ids.TARGET_MESSAGE, "property": "children"},
            {"id": ids.TARGET_STORE, "property": "data"},
            {"id": ids.TARGET_HISTORY, "property": "children"},
        ],
        "inputs": [{"id": b, "property": "n_clicks", "value": 1 if b == action else None} for b in buttons],
        "state": [{"id": i, "property": "value", "value": v} for i, v in fields.items()]
        + [{"id": ids.TARGET_STORE, "property": "data", "value": store}],
        "changedPropIds": [f"{action}.n_clicks"],
    }


def test_target_proposals_go_through_the_same_gate(city, database):
    from aim.models import TargetProposal

    store = {"measure": "violent-crime", "proposal": None, "version": None}
    assert post(city, requests.Session(), target_body(city, store), {"Origin": city}).status_code == 403
    editor = http_sign_in(city, "ed@city.gov")
    assert post(city, editor, target_body(city, store), {"Origin": city}).status_code == 403  # no token
    works = http_sign_in(city, "works@city.gov")
    assert "no measure" in post(city, works, target_body(city, store)).text
    with database.read() as s:
        assert s.scalars(select(TargetProposal)).all() == []
    assert "Proposal saved" in post(city, editor, target_body(city, store)).text
    analyst = http_sign_in(city, "an@city.gov")
    saved = {**store, "proposal": 1, "version": 1}
    assert "cannot be approved" in post(city, analyst, target_body(city, saved, ids.TARGET_APPROVE)).text


def test_public_pages_take_as_of_with_a_visible_label_and_a_notice_for_a_bad_day(city):
    from tests.callbacks.test_authorization import route

    # The tiny city's figures were published on 2 January 2026 (tests/builders.py).
    http = requests.Session()
    home = route(http, city, "/", "?as_of=2026-01-03&period=2025")
    assert "As published on 2026-01-03" in home
    before = route(http, city, "/priorities/safe", "?as_of=2026-01-01&period=2025")
    after = route(http, city, "/priorities/safe", "?as_of=2026-01-03&period=2025")
    assert "As published on 2026-01-01" in before and "8,466" not in before
    assert "As published on 2026-01-03" in after and "8,466" in after
    bad = route(http, city, "/departments/MPD", "?as_of=someday")
    assert "is not a day (YYYY-MM-DD)" in bad and "As published on" not in bad


def test_the_mayors_office_comments_through_the_gate_and_the_public_cannot(city, database):
    from aim.models import FigureComment

    editor = http_sign_in(city, "ed@city.gov")
    post(city, editor, save_body(city, STORE))
    output = _output(city, f"{ids.COMMENT_MESSAGE}.children")
    body = {
        "output": output,
        "outputs": [
            {"id": ids.COMMENT_MESSAGE, "property": "children"},
            {"id": ids.COMMENT_LIST, "property": "children"},
            {"id": ids.COMMENT_TEXT, "property": "value"},
        ],
        "inputs": [{"id": ids.COMMENT_ADD, "property": "n_clicks", "value": 1}],
        "state": [
            {"id": ids.COMMENT_TEXT, "property": "value", "value": "Why is October so high?"},
            {"id": ids.FIGURE_STORE, "property": "data", "value": {**STORE, "version": 1}},
        ],
        "changedPropIds": [f"{ids.COMMENT_ADD}.n_clicks"],
    }
    assert post(city, requests.Session(), body, {"Origin": city}).status_code == 403
    mayor = http_sign_in(city, "mayor@city.gov")
    assert post(city, mayor, body, {"Origin": city}).status_code == 403  # no token
    response = post(city, mayor, body)
    assert response.status_code == 200 and "Comment added" in response.text
    with database.read() as s:
        assert [c.text for c in s.scalars(select(FigureComment))] == ["Why is October so high?"]
    assert figures_in(database) == [("2026-10", 640, "draft", 1)]  # the figure itself is untouched


def upload_body(site: str, contents: object, filename: object = "values.csv") -> dict:
    return {
        "output": _output(site, ids.UPLOAD_RESULT),
        "outputs": {"id": ids.UPLOAD_RESULT, "property": "children"},
        "inputs": [{"id": ids.UPLOAD, "property": "contents", "value": contents}],
        "state": [{"id": ids.UPLOAD, "property": "filename", "value": filename}],
        "changedPropIds": [f"{ids.UPLOAD}.contents"],
    }


def _in_group(body: dict, position: int, value: object) -> dict:
    """The review body with the value of the ALL group at `position` of its state replaced."""
    group = body["state"][position]
    return {
        **body,
        "state": [*body["state"][:position], [{**group[0], "value": value}], *body["state"][position + 1 :]],
    }


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda b: _in_group(b, 0, [{"nested": ["list"]}]), id="ticked value holds an object"),
        pytest.param(
            lambda b: _in_group(b, 1, [{"label": "x", "value": {"a": 1}}]), id="option value an object"
        ),
        pytest.param(lambda b: _in_group(b, 1, "not a list"), id="options not a list"),
        pytest.param(
            lambda b: {**b, "inputs": [*b["inputs"][:3], [{**b["inputs"][3][0], "value": -4}]]},
            id="group button count negative",
        ),
    ],
)
def test_impossible_values_inside_pattern_matching_groups_are_a_400_and_nothing_changes(
    city, database, forge
):
    """Issue 10's value shapes also reach the members of an ALL group (the review queue's
    checklists and buttons), which are lists of items, not items: a 400 saying what, never a 500."""
    editor = http_sign_in(city, "ed@city.gov")
    post(city, editor, save_body(city, STORE))
    post(city, editor, save_body(city, {**STORE, "version": 1}, submit=True))
    analyst = http_sign_in(city, "an@city.gov")
    response = post(city, analyst, forge(review_body(city, ["violent-crime|2026-10|2"])))
    assert response.status_code == 400, response.text
    assert "must be" in response.json()["error"]
    assert figures_in(database) == [("2026-10", 640, "submitted", 2)]


@pytest.mark.parametrize(
    ("contents", "filename"),
    [
        ("values.csv", "values.csv"),  # a file name where the file should be
        ({"file": "x"}, "values.csv"),
        ("data:text/csv;base64,bWVhc3VyZQ==", ["a.csv", "b.csv"]),
        ("data:text/csv;base64,bWVhc3VyZQ==", "x" * 1_001),
    ],
)
def test_an_upload_that_is_not_a_file_is_a_400_and_nothing_is_written(city, database, contents, filename):
    editor = http_sign_in(city, "ed@city.gov")
    response = post(city, editor, upload_body(city, contents, filename))
    assert response.status_code == 400, response.text
    assert figures_in(database) == []


def test_a_real_upload_passes_the_shape_checks_and_becomes_a_draft(city, database):
    import base64

    text = "measure,period,value,explanation\nviolent-crime,2026-10,640,\n"
    contents = "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
    editor = http_sign_in(city, "ed@city.gov")
    response = post(city, editor, upload_body(city, contents))
    assert response.status_code == 200, response.text
    assert figures_in(database) == [("2026-10", 640, "draft", 1)]
