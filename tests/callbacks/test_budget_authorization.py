"""The analyst workbench's callbacks over HTTP with real sessions: only budget analysts and the
Mayor's Office get anything from them; everyone else is refused before any query, and forged
inputs (unknown filters, odd types, rows the grid never had) give no error and no foreign number."""

from __future__ import annotations

import base64
import io

import pytest
import requests
from openpyxl import load_workbook

from layouts import ids
from tests.callbacks.test_authorization import ROLES, sessions  # noqa: F401 - the shared fixture
from tests.cities import SECRET_CODE, SECRET_NAME, SECRET_STRINGS
from tests.web import TIMEOUT

pytestmark = pytest.mark.leak_city
READERS = {"budget_analyst", "mayors_office"}

UPDATE_OUTPUTS = [
    (ids.WORKBENCH_GRID, "columnDefs"),
    (ids.WORKBENCH_GRID, "rowData"),
    (ids.WORKBENCH_COUNT, "children"),
    (ids.WORKBENCH_SCATTER, "figure"),
    (ids.WORKBENCH_SCATTER_TABLE, "children"),
]


def _output(pairs) -> str:
    # Dash names a multi-output callback "..a.children...b.data..", a single one "a.children".
    names = [f"{i}.{p}" for i, p in pairs]
    return f"..{'...'.join(names)}.." if len(names) > 1 else names[0]


def update_body(
    year="2025", priority="all", department="all", group="none", columns=None, pin="measure"
) -> dict:
    values = [
        (ids.WORKBENCH_YEAR, year),
        (ids.WORKBENCH_PRIORITY, priority),
        (ids.WORKBENCH_DEPARTMENT, department),
        (ids.WORKBENCH_GROUP, group),
        (ids.WORKBENCH_COLUMNS, columns if columns is not None else ["measure", "code", "value"]),
        (ids.WORKBENCH_PIN, pin),
    ]
    return {
        "output": _output(UPDATE_OUTPUTS),
        "outputs": [{"id": i, "property": p} for i, p in UPDATE_OUTPUTS],
        "inputs": [{"id": i, "property": "value", "value": v} for i, v in values],
        "changedPropIds": [f"{ids.WORKBENCH_PRIORITY}.value"],
    }


def download_body(
    button=ids.WORKBENCH_XLSX, *, priority="all", group="none", visible=None, columns=None
) -> dict:
    state = [
        (ids.WORKBENCH_YEAR, "value", "2025"),
        (ids.WORKBENCH_PRIORITY, "value", priority),
        (ids.WORKBENCH_DEPARTMENT, "value", "all"),
        (ids.WORKBENCH_GROUP, "value", group),
        (
            ids.WORKBENCH_COLUMNS,
            "value",
            columns if columns is not None else ["measure", "code", "value", "spent"],
        ),
        (ids.WORKBENCH_GRID, "virtualRowData", visible),
    ]
    return {
        "output": f"{ids.WORKBENCH_DOWNLOAD}.data",
        "outputs": {"id": ids.WORKBENCH_DOWNLOAD, "property": "data"},
        "inputs": [
            {
                "id": ids.WORKBENCH_XLSX,
                "property": "n_clicks",
                "value": 1 if button == ids.WORKBENCH_XLSX else None,
            },
            {
                "id": ids.WORKBENCH_CSV,
                "property": "n_clicks",
                "value": 1 if button == ids.WORKBENCH_CSV else None,
            },
        ],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{button}.n_clicks"],
    }


def click_body(point) -> dict:
    return {
        "output": f"{ids.WORKBENCH_LOCATION}.href",
        "outputs": {"id": ids.WORKBENCH_LOCATION, "property": "href"},
        "inputs": [{"id": ids.WORKBENCH_SCATTER, "property": "clickData", "value": point}],
        "changedPropIds": [f"{ids.WORKBENCH_SCATTER}.clickData"],
    }


def post(http: requests.Session, site: str, body: dict) -> requests.Response:
    return http.post(f"{site}/_dash-update-component", json=body, timeout=TIMEOUT)


def xlsx_of(response: requests.Response):
    data = response.json()["response"][ids.WORKBENCH_DOWNLOAD]["data"]
    assert data["base64"] and data["filename"] == "aim-workbench-2025.xlsx"
    return load_workbook(io.BytesIO(base64.b64decode(data["content"])))


@pytest.mark.parametrize("role", list(ROLES))
def test_every_workbench_callback_answers_only_its_roles(sessions, shared_site, role):  # noqa: F811
    http = sessions[role]
    calls = [
        update_body(),
        download_body(),
        download_body(ids.WORKBENCH_CSV),
        click_body({"points": [{"customdata": "DPW-SAN-COLLECT"}]}),
    ]
    for body in calls:
        response = post(http, shared_site, body)
        if role in READERS:
            assert response.status_code == 200, (body["output"], response.text[:300])
        else:
            assert response.status_code == 403, (role, body["output"], response.status_code)
            for secret in SECRET_STRINGS:
                assert secret not in response.text


def test_the_analysts_grid_holds_the_internal_measure_and_the_download_too(sessions, shared_site):  # noqa: F811
    http = sessions["budget_analyst"]
    grid = post(http, shared_site, update_body(pin="department")).json()["response"]
    rows = grid[ids.WORKBENCH_GRID]["rowData"]
    assert SECRET_CODE in {r["code"] for r in rows}
    pinned = [c["field"] for c in grid[ids.WORKBENCH_GRID]["columnDefs"] if c.get("pinned") == "left"]
    assert pinned == ["department"]
    book = xlsx_of(post(http, shared_site, download_body()))
    names = [row[0] for row in book["Data"].iter_rows(min_row=2, values_only=True)]
    assert SECRET_NAME in names
    csv_data = post(http, shared_site, download_body(ids.WORKBENCH_CSV)).json()["response"]
    assert SECRET_NAME in csv_data[ids.WORKBENCH_DOWNLOAD]["data"]["content"]


def test_a_chart_point_opens_the_department_the_server_knows_and_nothing_else(sessions, shared_site):  # noqa: F811
    http = sessions["mayors_office"]
    found = post(http, shared_site, click_body({"points": [{"customdata": "DPW-SAN-COLLECT"}]})).json()
    assert found["response"][ids.WORKBENCH_LOCATION]["href"] == "/departments/DPW#activity-DPW-SAN-COLLECT"
    for forged in (
        {"points": [{"customdata": "javascript:alert(1)"}]},
        {"points": [{"customdata": ["DPW-SAN-COLLECT"]}]},
        {"points": []},
        "not a dict",
        None,
    ):
        response = post(http, shared_site, click_body(forged))
        assert response.status_code == 204, (forged, response.status_code, response.text[:200])


FORGED_UPDATES = [
    dict(priority="<script>alert(1)</script>"),
    dict(priority=["safe-neighborhoods"]),
    dict(year="1999; DROP TABLE budgets"),
    dict(year=2025),
    dict(group="../../etc"),
    dict(columns="measure"),
    dict(pin="value_change"),
]
# Values no input of this kind can send (an object inside a `value`): the gate refuses the whole
# request with 400 before the callback runs (issue 10's shape check).
MALFORMED_UPDATES = [
    dict(department={"$ne": ""}),
    dict(columns=[None, 7, {"x": 1}]),
    dict(pin={"field": "measure"}),
]


@pytest.mark.parametrize("forged", FORGED_UPDATES, ids=[str(f) for f in FORGED_UPDATES])
def test_forged_workbench_inputs_fall_back_to_all_and_never_fail(sessions, shared_site, forged):  # noqa: F811
    response = post(sessions["budget_analyst"], shared_site, update_body(**forged))
    assert response.status_code == 200, response.text[:300]
    assert "Traceback" not in response.text
    rows = response.json()["response"][ids.WORKBENCH_GRID]["rowData"]
    assert rows  # unknown filters are "all"


@pytest.mark.parametrize("forged", MALFORMED_UPDATES, ids=[str(f) for f in MALFORMED_UPDATES])
def test_workbench_inputs_of_an_impossible_shape_are_refused_by_the_gate(sessions, shared_site, forged):  # noqa: F811
    response = post(sessions["budget_analyst"], shared_site, update_body(**forged))
    assert response.status_code == 400, response.text[:300]
    assert "refused" in response.text and "Traceback" not in response.text


def test_a_download_keeps_only_rows_the_server_has_with_the_servers_numbers(sessions, shared_site):  # noqa: F811
    http = sessions["budget_analyst"]
    visible = [
        {"code": "garbage-tons", "value": 1, "spent": 1},  # forged figures: ignored
        {"code": "no-such-measure", "value": 42},
        {"code": SECRET_CODE},
        "not a row",
        {"code": ["homicides"]},
    ]
    book = xlsx_of(post(http, shared_site, download_body(visible=visible)))
    data = list(book["Data"].iter_rows(values_only=True))
    header, rows = data[0], data[1:]
    assert header == ("Measure", "Code", "Value, 2025", "Spent, 2025")
    assert [r[1] for r in rows] == ["garbage-tons", SECRET_CODE]
    tons = post(http, shared_site, update_body(columns=["code"])).json()["response"][ids.WORKBENCH_GRID][
        "rowData"
    ]
    real = next(r for r in tons if r["code"] == "garbage-tons")
    assert rows[0][2] == real["value"] and rows[0][3] == real["spent"]
    grouped = xlsx_of(
        post(
            http,
            shared_site,
            download_body(group="department", visible=[{"group": "Milwaukee Police Department"}]),
        )
    )
    assert [r[0] for r in grouped["Data"].iter_rows(min_row=2, values_only=True)] == [
        "Milwaukee Police Department"
    ]
