"""Who sees what, over HTTP with real sessions: a role x resource matrix, and a probe that sends every
callback honest and forged bodies as the public and as an editor of another department.

The leak city plants an internal measure (Police) and unpublished Police values with distinctive
strings; the Department of Public Works editor, the admin and the public must never get them."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import requests

from api.limiting import limiter
from callbacks._policy import ROUTER_OUTPUT, is_write
from tests.accounts import cheap_hashing, http_sign_in, make_user
from tests.cities import (
    PUBLISHED_NARRATIVE,
    SECRET_DEFINITION,
    SECRET_EXPLANATION,
    SECRET_NAME,
    SECRET_NARRATIVE,
    SECRET_STRINGS,
)
from tests.web import TIMEOUT

ROLES = {
    "anonymous": None,
    "editor_police": ("department_editor", ("MPD",)),
    "editor_public_works": ("department_editor", ("DPW",)),
    "budget_analyst": ("budget_analyst", ()),
    "mayors_office": ("mayors_office", ()),
    "admin": ("admin", ()),
    "data_coordinator": ("data_coordinator", ()),
}
INTERNAL_READERS = {"editor_police", "budget_analyst", "mayors_office"}
REVIEWERS = {"budget_analyst", "mayors_office"}
UNPUBLISHED_VALUE = "39,182,746"  # the latest Police value (approved, unpublished), as the page writes it


@pytest.fixture(scope="module")
def sessions(shared_site, shared_leak_city) -> Iterator[dict[str, requests.Session]]:
    """One signed-in session per role, for every test of the module: the tests only read."""
    with cheap_hashing():
        signed = {"anonymous": requests.Session()}
        for name, spec in ROLES.items():
            if spec:
                email = f"{name.replace('_', '.')}@milwaukee.gov"
                make_user(shared_leak_city, email, spec[0], spec[1])
                signed[name] = http_sign_in(shared_site, email)
        yield signed


def route(
    http: requests.Session,
    shared_site: str,
    pathname: str,
    search: str = "",
    *,
    body: dict | None = None,
    headers: dict[str, str] | None = None,
) -> str:
    body = body or {
        "output": ROUTER_OUTPUT,
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
    response = http.post(f"{shared_site}/_dash-update-component", json=body, headers=headers, timeout=TIMEOUT)
    return f"{response.status_code}\n{response.text}"


def as_the_page_sends(http: requests.Session, shared_site: str) -> dict[str, str]:
    """What dash-renderer adds to a callback request from one of this site's pages: the session's
    CSRF token (from the `_csrf_token` cookie) and the site's origin. Write callbacks need both."""
    return {"X-CSRFToken": http.cookies.get("_csrf_token", ""), "Origin": shared_site}


# -- the matrix ------------------------------------------------------------------------------
# (resource, how to fetch it, who may see the marker in it, the marker)
RESOURCES = [
    ("internal measure on the internal page", ("/internal/measures", ""), INTERNAL_READERS, SECRET_NAME),
    (
        "unpublished value on the internal page",
        ("/internal/measures", ""),
        INTERNAL_READERS,
        UNPUBLISHED_VALUE,
    ),
    (
        "internal page, Police filter",
        ("/internal/measures", "?department=MPD"),
        INTERNAL_READERS,
        SECRET_NAME,
    ),
    ("public measure page", ("/measures/homicides", ""), set(ROLES), "Homicides"),
    (
        "unpublished value on the public measure page",
        ("/measures/homicides", "?period=2026"),
        set(),
        "90,817,263",
    ),
    ("unpublished note on the public measure page", ("/measures/homicides", ""), set(), SECRET_EXPLANATION),
    # Its page opens for the staff who may see it; for everyone else it is "not found", like an
    # unknown code.
    (
        "internal measure's own page",
        ("/measures/zz-secret-internal", ""),
        INTERNAL_READERS,
        SECRET_DEFINITION,
    ),
    (
        "internal measure's page, not found",
        ("/measures/zz-secret-internal", ""),
        set(ROLES) - INTERNAL_READERS,
        "Measure not found",
    ),
    ("unknown code, not found", ("/measures/zz-no-such-code", ""), set(ROLES), "Measure not found"),
    ("internal measure in search", ("/measures", "?q=Zebracorn"), set(), SECRET_NAME),
    ("public home page", ("/", ""), set(ROLES), "How is"),
    ("Police figures on My reporting", ("/reporting", ""), {"editor_police"}, "Homicides"),
    (
        "submitted Police value in the review queue",
        ("/review", ""),
        {"budget_analyst", "mayors_office"},
        "56,473,829",
    ),
    (
        "unpublished value on its figure page",
        ("/reporting/homicides/2027-01", ""),
        INTERNAL_READERS,
        UNPUBLISHED_VALUE,
    ),
    (
        "unpublished note on its figure page",
        ("/reporting/homicides/2026-11", ""),
        INTERNAL_READERS,
        SECRET_EXPLANATION,
    ),
    (
        "internal measure's figure page",
        ("/reporting/zz-secret-internal/2025", ""),
        INTERNAL_READERS,
        "98,765,401",
    ),
    (
        "demonstration notice on the internal page",
        ("/internal/measures", ""),
        INTERNAL_READERS | {"editor_public_works"},
        "Demonstration data. ",
    ),
    ("review room", ("/review-room", ""), REVIEWERS, "What changed"),
    (
        "review room, a year earlier",
        ("/review-room", "?period=2025&compare=year"),
        REVIEWERS,
        "Late and overdue",
    ),
    (
        "internal measure in the review list",
        ("/review-room/measures", "?period=2025"),
        REVIEWERS,
        SECRET_NAME,
    ),
    (
        "internal measure in a matrix cell's list",
        ("/review-room/measures", "?period=2025&department=MPD&status=on_track"),
        REVIEWERS,
        SECRET_NAME,
    ),
    ("briefing", ("/briefing", "?period=2025"), REVIEWERS, "Print or save as PDF"),
    ("review room's sign-in prompt", ("/review-room", ""), {"anonymous"}, "Sign in to use it"),
    (
        "review room refused to other roles",
        ("/briefing", ""),
        {"editor_police", "editor_public_works", "admin", "data_coordinator"},
        "your role does not include it",
    ),
    # Priority narratives (issue 12): the public reads published versions only; drafts are for the
    # review room's readers, and only the Mayor's Office may write (the analyst is told so).
    (
        "published narrative, priority page",
        ("/priorities/safe-neighborhoods", ""),
        set(ROLES),
        PUBLISHED_NARRATIVE,
    ),
    ("draft narrative, priority page", ("/priorities/safe-neighborhoods", ""), set(), SECRET_NARRATIVE),
    (
        "published narrative, its history",
        ("/priorities/safe-neighborhoods/narratives", ""),
        set(ROLES),
        PUBLISHED_NARRATIVE,
    ),
    ("draft narrative, history", ("/priorities/safe-neighborhoods/narratives", ""), set(), SECRET_NARRATIVE),
    (
        "draft narrative, history as published on a day",
        ("/priorities/safe-neighborhoods/narratives", "?as_of=2026-12-01"),
        set(),
        SECRET_NARRATIVE,
    ),
    (
        "draft narrative on the narratives page",
        ("/review-room/narratives", "?period=2026-Q2&priority=safe-neighborhoods"),
        REVIEWERS,
        SECRET_NARRATIVE,
    ),
    (
        "narratives page, read-only for the analyst",
        ("/review-room/narratives", "?period=2026-Q2"),
        {"budget_analyst"},
        "you may read them here",
    ),
    (
        "narratives page refused to other roles",
        ("/review-room/narratives", ""),
        {"editor_police", "editor_public_works", "admin", "data_coordinator"},
        "your role does not include it",
    ),
    (
        "published narrative in the briefing",
        ("/briefing", "?period=2026-Q2&priority=safe-neighborhoods"),
        REVIEWERS,
        PUBLISHED_NARRATIVE,
    ),
    (
        "draft narrative in the briefing",
        ("/briefing", "?period=2026-Q2&priority=safe-neighborhoods"),
        set(),
        SECRET_NARRATIVE,
    ),
    ("index over time on the home page", ("/", ""), set(ROLES), "The index over time"),
    ("departments index", ("/departments", "?sort=spent&order=desc"), set(ROLES), "Public Works"),
    ("resource table on a department page", ("/departments/MPD", ""), set(ROLES), "All activities"),
    ("internal measure on a department page", ("/departments/MPD", ""), set(), SECRET_NAME),
    (
        "internal measure in the analyst workbench",
        ("/analysis", ""),
        {"budget_analyst", "mayors_office"},
        SECRET_NAME,
    ),
    (
        "analyst workbench grid",
        ("/analysis", "?year=2024"),
        {"budget_analyst", "mayors_office"},
        "workbench-grid",
    ),
    (
        "Public Works on the internal page",
        ("/internal/measures", "?department=DPW"),
        {"editor_public_works", "budget_analyst", "mayors_office"},
        "Public Works",
    ),
    ("open data desk", ("/data/manage", ""), {"data_coordinator"}, "Waiting for moderation"),
    ("open data catalog", ("/data", ""), set(ROLES), "Performance data"),
    ("data inventory", ("/data/inventory", ""), set(ROLES), "Data inventory"),
    ("internal measure as a dataset", ("/data/zz-secret-internal", ""), set(), SECRET_NAME),
]


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("resource, where, readers, marker", RESOURCES, ids=[r[0] for r in RESOURCES])
def test_role_by_resource_matrix_for_pages(sessions, shared_site, role, resource, where, readers, marker):
    text = route(sessions[role], shared_site, *where)
    assert text.startswith("200")
    if role in readers:
        assert marker in text, f"{role} should see {resource}"
    else:
        assert marker not in text, f"{role} must not see {resource}"


API_ROUTES = [
    "/api/v1",
    "/api/v1/priorities",
    "/api/v1/measures",
    "/api/v1/measures?department=MPD",
    "/api/v1/measures/homicides",
    "/api/v1/measures/homicides/series.json",
    "/api/v1/measures/homicides/series.csv",
    "/api/v1/scorecard?period=2026",
    "/api/v1/openapi.json",
    "/data.json",
    "/data/measures/measures.csv",
    "/data/actuals/actuals.json",
    "/data/targets/datapackage.json",
    "/api/v1/departments",
    "/api/v1/departments/MPD",
    "/api/v1/departments/MPD?period=2026",
    "/api/v1/budgets?department=MPD",
    "/api/v1/budgets.csv",
    "/api/v1/catalog",
    "/api/v1/inventory",
    "/api/v1/archive",
]


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_api_route_matrix_the_api_is_public_for_everyone(sessions, shared_site, role):
    for path in API_ROUTES:
        response = sessions[role].get(shared_site + path, timeout=TIMEOUT)
        assert response.status_code == 200, path
        for secret in SECRET_STRINGS:
            assert secret not in response.text, (role, path, secret)
    assert (
        sessions[role].get(f"{shared_site}/api/v1/measures/zz-secret-internal", timeout=TIMEOUT).status_code
        == 404
    )


def xlsx_text(content: bytes) -> str:
    """Every cell of a workbook as text (an .xlsx is a zip: its bytes hide the text)."""
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(content)).active
    return "\n".join(
        ",".join("" if v is None else str(v) for v in row) for row in sheet.iter_rows(values_only=True)
    )


DOWNLOADS = [
    "/downloads/review-room/measures.csv?period=2025",
    "/downloads/review-room/measures.xlsx?period=2025&department=MPD",
    "/downloads/review-room/changes.csv?period=2025&compare=year",
    "/downloads/review-room/late.xlsx",
    "/downloads/review-room/matrix.csv?period=2025",
    "/downloads/review-room/index.csv?span=years",
]


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_download_matrix_review_room_lists_are_for_reviewers_only(sessions, shared_site, role):
    for path in DOWNLOADS:
        response = sessions[role].get(shared_site + path, timeout=TIMEOUT)
        if role in REVIEWERS:
            assert response.status_code == 200, path
            assert response.headers["Cache-Control"] == "no-store"
        else:
            assert response.status_code == 404, (role, path)
            assert "Zebracorn" not in response.text
    listed = sessions[role].get(f"{shared_site}{DOWNLOADS[0]}", timeout=TIMEOUT)
    assert (SECRET_NAME in listed.text) is (role in REVIEWERS)


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_download_matrix_the_public_list_download_holds_nothing_internal(sessions, shared_site, role):
    for fmt in ("csv", "xlsx"):
        response = sessions[role].get(f"{shared_site}/downloads/measures.{fmt}?period=2025", timeout=TIMEOUT)
        assert response.status_code == 200
        text = response.text if fmt == "csv" else xlsx_text(response.content)
        assert "homicides" in text  # the check below reads the cells, not compressed bytes
        for secret in SECRET_STRINGS:
            assert secret not in text, (role, fmt, secret)


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_callback_matrix_undeclared_callbacks_are_refused_to_everyone(sessions, shared_site, role):
    body = {
        "output": "internal-table.children",
        "outputs": {"id": "internal-table", "property": "children"},
        "inputs": [],
        "changedPropIds": [],
    }
    assert route(sessions[role], shared_site, "", body=body).startswith("403")


def test_the_staff_bar_is_only_in_the_signed_in_users_own_layout(sessions, shared_site):
    for role, http in sessions.items():
        layout = http.get(f"{shared_site}/_dash-layout", timeout=TIMEOUT).text
        assert ("Signed in as" in layout) is (role != "anonymous")
        others = [f"{r.replace('_', '.')}@milwaukee.gov" for r in ROLES if r not in (role, "anonymous")]
        assert not any(email in layout for email in others)


# -- the probe -------------------------------------------------------------------------------
def _bodies(output: str) -> list[tuple[str, dict]]:
    """Honest and forged bodies for one callback output."""
    router_outputs = [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ]

    def body(inputs, outputs=router_outputs, state=None, out=output):
        payload = {
            "output": out,
            "outputs": outputs,
            "inputs": inputs,
            "changedPropIds": ["_pages_location.pathname"],
        }
        if state is not None:
            payload["state"] = state
        return payload

    def location(pathname, search=""):
        return [
            {"id": "_pages_location", "property": "pathname", "value": pathname},
            {"id": "_pages_location", "property": "search", "value": search},
        ]

    return [
        ("honest home", body(location("/"))),
        ("honest internal page", body(location("/internal/measures"))),
        ("spoofed pathname: internal measure", body(location("/measures/zz-secret-internal"))),
        ("spoofed pathname: internal page, Police", body(location("/internal/measures", "?department=MPD"))),
        ("spoofed pathname: traversal", body(location("/measures/../internal/measures", "?department=MPD"))),
        ("spoofed search: future period", body(location("/measures/homicides", "?period=2027-01"))),
        ("spoofed pathname: review list", body(location("/review-room/measures", "?period=2025"))),
        ("spoofed pathname: review room", body(location("/review-room", "?period=2025&compare=year"))),
        (
            "spoofed pathname: briefing",
            body(location("/briefing", "?period=2025&priority=safe-neighborhoods")),
        ),
        (
            "spoofed pathname: narratives page",
            body(location("/review-room/narratives", "?period=2026-Q2&priority=safe-neighborhoods")),
        ),
        ("spoofed pathname: narrative history", body(location("/priorities/safe-neighborhoods/narratives"))),
        (
            "spoofed pathname: traversal to the narratives page",
            body(location("/priorities/../review-room/narratives", "?priority=safe-neighborhoods")),
        ),
        (
            "spoofed search: review list, every filter",
            body(
                location(
                    "/review-room/measures", "?period=2025&department=MPD&status=on_track&change=recovered"
                )
            ),
        ),
        (
            "spoofed search: list values",
            body(location("/internal/measures", "?department=MPD&department=DPW")),
        ),
        (
            "forged pattern-matching ids",
            body(
                [
                    {
                        "id": {"type": "measure", "index": "zz-secret-internal"},
                        "property": "value",
                        "value": "MPD",
                    },
                    *location("/internal/measures"),
                ],
                outputs=[{"id": {"type": "internal-table", "index": "MPD"}, "property": "children"}],
            ),
        ),
        (
            "swapped state values",
            body(
                location("/internal/measures"),
                state=[
                    {
                        "id": "_pages_store",
                        "property": "data",
                        "value": {"user": "budget.analyst@milwaukee.gov", "role": "admin"},
                    }
                ],
            ),
        ),
        (
            "mismatched outputs",
            body(location("/internal/measures"), outputs=[{"id": "staff-navbar", "property": "children"}]),
        ),
        (
            "output naming the router, inputs for another page",
            body([{"id": "internal-department", "property": "value", "value": "MPD"}]),
        ),
        ("forged output string", body(location("/internal/measures"), out="_pages_content.children")),
        (
            "forged multi-output string",
            body(location("/internal/measures"), out="..staff-navbar.children..._pages_content.children.."),
        ),
    ]


PROBE_ROLES = ["anonymous", "editor_public_works"]


def test_probe_every_callback_with_honest_and_forged_bodies(sessions, shared_site):
    callbacks = [
        c["output"]
        for c in requests.get(f"{shared_site}/_dash-dependencies", timeout=TIMEOUT).json()
        if not c.get("clientside_function")
    ]
    # The workbench's own callbacks are also probed in test_budget_authorization.py.
    assert {ROUTER_OUTPUT, *WRITE_CALLBACKS} <= set(callbacks)
    # The review workflow's writes (callbacks/staff/; tests/callbacks/test_workflow_callbacks.py).
    workflow = (
        "figure-message",
        "review-message",
        "target-message",
        "values-upload-result",
        "comment-message",
        "narrative-message",
    )
    outputs = {part.split(".")[0] for o in callbacks for part in o.strip(".").split("...")}
    assert set(workflow) <= outputs
    tried, statuses = 0, {}
    for output, role in itertools.product(callbacks, PROBE_ROLES):
        for name, body in _bodies(output):
            # Each forged body must reach the gate's checks, not the refusal limit (issue 10's
            # 429 after 20 refusals a minute), which this probe would pass after its 21st body.
            limiter.reset()
            text = route(sessions[role], shared_site, "", body=body)
            tried += 1
            statuses[text.split("\n", 1)[0]] = statuses.get(text.split("\n", 1)[0], 0) + 1
            for secret in (
                SECRET_NAME,
                SECRET_DEFINITION,
                SECRET_EXPLANATION,
                "90817263",
                "90,817,263",
                "56473829",
                "39182746",
                "98765401",
                "98,765,401",
                SECRET_NARRATIVE,
            ):
                assert secret not in text, (role, name, secret)
            assert "Traceback" not in text, (role, name)
    assert tried == len(callbacks) * len(PROBE_ROLES) * len(_bodies(ROUTER_OUTPUT))
    # Every body aimed at a write callback was refused before it ran: neither role may call one.
    # What they got back: pages without secrets (200), or refusals saying why (400 for a body that
    # does not match the callback's declared shape, 403 for an undeclared callback). Never a 500.
    assert set(statuses) == {"200", "400", "403"}, statuses


# -- the open data desk's write callbacks -----------------------------------------------------
WRITE_CALLBACKS = {
    "..moderate-message.children...manage-reload-moderated.href..",
    "..answer-message.children...manage-reload-answered.href..",
    "..asset-message.children...manage-reload-saved.href..",
    "..inventory-upload-message.children...manage-reload-imported.href..",
}


def _write_body(output: str, inputs: list[dict], state: list[dict]) -> dict:
    outputs = [
        {"id": part.split(".")[0], "property": part.split(".")[1]} for part in output.strip(".").split("...")
    ]
    return {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }


def _moderation(request_id: int) -> dict:
    return _write_body(
        "..moderate-message.children...manage-reload-moderated.href..",
        [{"id": "moderate-submit", "property": "n_clicks", "value": 1}],
        [
            {"id": "moderate-request", "property": "value", "value": str(request_id)},
            {"id": "moderate-action", "property": "value", "value": "approve"},
        ],
    )


def test_the_desks_callbacks_are_declared_writes_for_data_coordinators_only(dash_app):
    from aim.auth import Role
    from callbacks._policy import policy_for

    for output in WRITE_CALLBACKS:
        assert is_write(output)
        assert policy_for(output).allowed == frozenset({Role.DATA_COORDINATOR})
    assert not is_write(ROUTER_OUTPUT)


def test_a_forged_moderation_is_refused_to_every_role_but_the_coordinator(
    sessions, shared_site, shared_leak_city
):
    from aim.models import DataRequest
    from aim.services import data_requests

    with shared_leak_city.write() as s:
        request_id = data_requests.submit(s, data_requests.parse_request({"title": "Forged approval target"}))
    # Every other role is refused even with its own session's token, sent as the page would.
    for role in ROLES:
        if role == "data_coordinator":
            continue
        headers = as_the_page_sends(sessions[role], shared_site)
        text = route(sessions[role], shared_site, "", body=_moderation(request_id), headers=headers)
        assert text.startswith("403"), role
        with shared_leak_city.read() as s:
            assert s.get(DataRequest, request_id).state == "pending", role
    coordinator = sessions["data_coordinator"]
    # The coordinator too, without the token and origin a page of this site sends (issue 9's check).
    assert route(coordinator, shared_site, "", body=_moderation(request_id)).startswith("403")
    with shared_leak_city.read() as s:
        assert s.get(DataRequest, request_id).state == "pending"
    headers = as_the_page_sends(coordinator, shared_site)
    text = route(coordinator, shared_site, "", body=_moderation(request_id), headers=headers)
    assert text.startswith("200") and "done=moderated" in text
    with shared_leak_city.read() as s:
        found = s.get(DataRequest, request_id)
        assert found.state == "approved" and found.moderated_by == "data.coordinator@milwaukee.gov"


def test_a_forged_inventory_import_by_a_non_coordinator_writes_nothing(
    sessions, shared_site, shared_leak_city
):
    import base64

    from sqlalchemy import func, select

    from aim.models import DataAsset

    csv_text = "slug,name,classification,release_status\nforged-entry,Forged,public,planned\n"
    contents = "data:text/csv;base64," + base64.b64encode(csv_text.encode()).decode()
    body = _write_body(
        "..inventory-upload-message.children...manage-reload-imported.href..",
        [{"id": "inventory-upload", "property": "contents", "value": contents}],
        [],
    )
    for role in ("anonymous", "admin", "budget_analyst", "editor_police"):
        headers = as_the_page_sends(sessions[role], shared_site)
        assert route(sessions[role], shared_site, "", body=body, headers=headers).startswith("403"), role
    coordinator = sessions["data_coordinator"]
    assert route(coordinator, shared_site, "", body=body).startswith("403")  # no token, no origin
    with shared_leak_city.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(DataAsset).where(DataAsset.slug == "forged-entry")) == 0
        )
    headers = as_the_page_sends(coordinator, shared_site)
    assert "done=imported" in route(coordinator, shared_site, "", body=body, headers=headers)
    with shared_leak_city.read() as s:
        assert (
            s.scalar(select(func.count()).select_from(DataAsset).where(DataAsset.slug == "forged-entry")) == 1
        )


def test_a_write_callback_cannot_be_declared_public():
    from aim.auth import PUBLIC
    from callbacks._policy import callback

    with pytest.raises(TypeError, match="must name the roles"):
        callback(PUBLIC, write=True)


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_status_matrix_an_internal_measure_is_404_for_whoever_may_not_see_internal_data(
    sessions, shared_site, role
):
    # 404, never 403: a reader who may not see it cannot tell it from a code that does not exist.
    response = sessions[role].get(f"{shared_site}/measures/zz-secret-internal", timeout=TIMEOUT)
    assert response.status_code == (200 if role in INTERNAL_READERS else 404)
    assert (SECRET_NAME in response.text) is (role in INTERNAL_READERS)  # in the tab title
    unknown = sessions[role].get(f"{shared_site}/measures/zz-no-such-measure", timeout=TIMEOUT)
    assert unknown.status_code == 404


@pytest.mark.parametrize("role", list(ROLES))
def test_role_by_status_matrix_a_narrative_history_is_public_and_an_unknown_priority_is_404(
    sessions, shared_site, role
):
    found = sessions[role].get(f"{shared_site}/priorities/safe-neighborhoods/narratives", timeout=TIMEOUT)
    assert found.status_code == 200
    assert "narratives" in found.text.split("<title>", 1)[1].split("</title>", 1)[0]
    assert SECRET_NARRATIVE not in found.text
    unknown = sessions[role].get(f"{shared_site}/priorities/no-such-priority/narratives", timeout=TIMEOUT)
    assert unknown.status_code == 404
    staff = sessions[role].get(f"{shared_site}/review-room/narratives", timeout=TIMEOUT)
    assert staff.status_code == 200 and SECRET_NARRATIVE not in staff.text  # the page comes by callback
