"""The perimeter: every route reviewed, the callback gate (declared, by output, never by inputs),
security headers, debug off, generic errors, size limits, and the app refusing to start with an
undeclared callback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import requests
from sqlalchemy import select

from aim.bench import gunicorn
from aim.config import ROOT
from aim.models import AuditEvent
from callbacks._policy import ROUTER_OUTPUT, is_write, policy_for
from tests.accounts import summaries_by_minute, two_minutes
from tests.web import TIMEOUT

# Every route of the app, with who may use it and why. A new route fails the test below until it
# is reviewed and added here with its policy.
REVIEWED_ROUTES = {
    "/": "public: the page shell (no data) with the page's title",
    "/<path:path>": "public: the page shell; 404 for unknown pages and codes hidden from the reader",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "public: Dash's JavaScript",
    "/_dash-component-suites/plotly/package_data/plotly.min.js": "public: Plotly's basic bundle (vendor/)",
    "/_dash-dependencies": "public: the declared callbacks' wiring (no data)",
    "/_dash-layout": "public frame; the staff bar only for the signed-in user it is served to",
    "/_dash-update-component": "gated: the callback's declared policy and the session's user",
    "/_favicon.ico": "public",
    "/_reload-hash": "404 unless AIM_DEBUG (development only)",
    "/account/password": "signed-in users; CSRF-protected form",
    "/api/v1": "public open data API",
    "/api/v1/<path:rest>": "public: JSON 404 for unknown API paths",
    "/api/v1/measures": "public open data API (public measures, published values)",
    "/api/v1/measures/<code>": "public open data API",
    "/api/v1/measures/<code>/series.csv": "public open data API",
    "/api/v1/measures/<code>/series.json": "public open data API",
    "/api/v1/openapi.json": "public",
    "/api/v1/priorities": "public open data API",
    "/api/v1/departments": "public open data API (budgets are public; public measures only)",
    "/api/v1/departments/<code>": "public open data API (budgets are public; public measures only)",
    "/api/v1/budgets": "public open data API: budgets are public data",
    "/api/v1/budgets.csv": "public open data API: budgets are public data",
    "/api/v1/scorecard": "public open data API",
    "/api/v1/catalog": "public open data API: the published datasets of /data",
    "/api/v1/inventory": "public open data API: the inventory as the public sees it, whoever asks",
    "/api/v1/archive": "public open data API: the archived releases",
    "/assets/<path:filename>": "public: our CSS and the upload input's label script",
    "/downloads/measures.<any(csv, xlsx):fmt>": "public: the /measures list as CSV/xlsx (public, published)",
    "/downloads/review-room/<any(changes, late, matrix, index, measures):what>.<any(csv, xlsx):fmt>": (
        "mayors_office and budget_analyst (aim.auth.may_use_review_room, from the session); "
        "404 for anyone else"
    ),
    "/downloads/follow-ups.<any(csv, xlsx):fmt>": (
        "staff who read follow-ups (aim.auth.may_read_follow_ups: each reader's own departments, "
        "from the session); 404 for the public, admins and data coordinators"
    ),
    "/data.json": "public: DCAT-US catalog of published datasets (open data)",
    "/data/archive/<folder>/<name>": "public: a file of an archived release (dated folder, listed file only)",
    "/data/requests/new": "public: the data request form; CSRF token, honeypot, rate-limited per address",
    "/data/<slug>/<filename>": "public: a performance dataset's files (public measures, published values)",
    "/data/performance-data.zip": "public: every performance dataset in one zip",
    "/login": "public; CSRF-protected, rate-limited per account and per address",
    "/logout": "POST with CSRF token ends the session everywhere",
    "/static/<path:filename>": "public (Flask default; the folder does not exist)",
    "/vendor/bootstrap/5.3.8/<path:filename>": "public: Bootstrap from the XStatic package",
}


def test_every_route_is_reviewed_and_has_a_policy(dash_app):
    routes = {rule.rule for rule in dash_app.server.url_map.iter_rules()}
    assert routes == set(REVIEWED_ROUTES), (
        f"unreviewed: {sorted(routes - set(REVIEWED_ROUTES))}; gone: {sorted(set(REVIEWED_ROUTES) - routes)}"
    )


def _components(output: str) -> set[str]:
    """The component ids a callback's output string names ("a.children" or "..a.x...b.y..")."""
    return {part.split(".")[0] for part in output.strip(".").split("...")}


def test_only_declared_callbacks_are_exposed(site):
    declared = {
        c["output"]
        for c in requests.get(f"{site}/_dash-dependencies", timeout=TIMEOUT).json()
        if not c.get("clientside_function")
    }
    assert ROUTER_OUTPUT in declared
    # The review workflow's write callbacks (callbacks/staff/), one for each of these outputs.
    workflow = (
        "figure-message",
        "review-message",
        "target-message",
        "values-upload-result",
        "comment-message",
        "new-follow-up-message",
        "follow-up-message",
    )
    for name in workflow:
        assert sum(name in _components(o) for o in declared) == 1, name
    workflow_writes = {o for o in declared if set(workflow) & _components(o)}
    # The open data desk's write callbacks (coordinators only: tests/callbacks/test_authorization.py).
    assert {
        "..moderate-message.children...manage-reload-moderated.href..",
        "..answer-message.children...manage-reload-answered.href..",
        "..asset-message.children...manage-reload-saved.href..",
        "..inventory-upload-message.children...manage-reload-imported.href..",
    } <= declared
    # Both sides' writes are declared as writes, so the gate asks them for the CSRF token.
    desk_writes = {o for o in declared if "..manage-reload-" in o}
    assert len(desk_writes) == 4
    assert all(is_write(o) for o in workflow_writes | desk_writes)
    assert not is_write(ROUTER_OUTPUT)
    # Every callback the browser is told about has a declared policy (the app refuses to start
    # otherwise); the router is the only public one, the rest name their roles.
    assert all(policy_for(o) is not None for o in declared)
    assert {o for o in declared if policy_for(o).public} == {ROUTER_OUTPUT}


def _events(database, event: str) -> list[tuple[str, str]]:
    with database.read() as s:
        return [
            (e.detail, e.client_address)
            for e in s.scalars(select(AuditEvent).where(AuditEvent.event == event))
        ]


def test_a_call_to_an_undeclared_callback_is_refused_and_recorded(site, database):
    body = {
        "output": "secret-table.children",
        "outputs": {"id": "secret-table", "property": "children"},
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"}],
        "changedPropIds": [],
    }
    response = requests.post(f"{site}/_dash-update-component", json=body, timeout=TIMEOUT)
    assert response.status_code == 403 and response.json() == {"error": "No such callback."}
    [(detail, address)] = _events(database, "denied")
    assert "secret-table.children" in detail and address == "127.0.0.1"


@pytest.mark.parametrize(
    "data, content_type, status",
    [
        ("not json", "text/plain", 400),
        ("[1, 2]", "application/json", 400),
        ('{"inputs": []}', "application/json", 400),
        ('{"output": 5}', "application/json", 400),
    ],
)
def test_a_callback_request_that_is_not_a_json_object_with_an_output_gets_400(
    site, data, content_type, status
):
    response = requests.post(
        f"{site}/_dash-update-component", data=data, headers={"Content-Type": content_type}, timeout=TIMEOUT
    )
    assert response.status_code == status and "error" in response.json()


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"outputs": [{"id": "staff-navbar", "property": "children"}]}, "outputs"),
        ({"inputs": [{"id": {"type": "measure", "index": "x"}, "property": "value", "value": 1}]}, "inputs"),
        ({"state": [{"id": "_pages_store", "property": "data", "value": {"role": "admin"}}]}, "state"),
        ({"inputs": "not a list"}, "inputs"),
    ],
)
def test_a_request_that_does_not_match_the_callbacks_declared_shape_gets_400(site, change, problem):
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
        **change,
    }
    response = requests.post(f"{site}/_dash-update-component", json=body, timeout=TIMEOUT)
    assert response.status_code == 400
    assert response.json() == {"error": f"The request does not match the callback: {problem}."}


def test_callbacks_only_answer_post(site):
    assert requests.get(f"{site}/_dash-update-component", timeout=TIMEOUT).status_code == 405


def test_an_oversized_request_gets_413(site):
    response = requests.post(
        f"{site}/_dash-update-component",
        data=b"{" + b" " * 2_000_000 + b"}",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 413


def test_a_forced_error_returns_a_generic_500_without_a_traceback(site, dash_app, monkeypatch):
    import dash

    assert dash_app.server.debug is False

    def broken_page(**_kwargs):
        raise RuntimeError('Error: a bug in a page loader, File "/srv/site-packages/x.py"')

    # The live server runs in this process: break one page's loader for this test only.
    monkeypatch.setitem(dash.page_registry["methodology"], "layout", broken_page)
    body = _router_call(pathname="/methodology")
    response = requests.post(f"{site}/_dash-update-component", json=body, timeout=TIMEOUT)
    assert response.status_code == 500
    assert response.json() == {"error": "Something went wrong on our side. Please try again later."}
    for leak in ("Traceback", 'File "', "site-packages", "Error:"):
        assert leak not in response.text


def test_the_hot_reload_endpoint_is_closed_without_debug(site):
    assert requests.get(f"{site}/_reload-hash", timeout=TIMEOUT).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/measures/homicides",
        "/api/v1/scorecard",
        "/login",
        "/_dash-layout",
        "/vendor/bootstrap/5.3.8/css/bootstrap.min.css",
    ],
)
def test_every_response_carries_the_security_headers(site, path):
    headers = requests.get(site + path, timeout=TIMEOUT).headers
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert (
        directives["script-src"].startswith("'self' 'sha256-")
        and "unsafe-inline" not in directives["script-src"]
    )
    assert "unsafe-eval" not in csp
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # only when served over HTTPS


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # headers and cookies, not data
def test_over_https_cookies_are_secure_and_hsts_is_sent(database, db_url):
    from tests.accounts import csrf_token

    with gunicorn(db_url, https="true") as base:
        page = requests.get(base + "/login", timeout=TIMEOUT)
        assert page.headers["Strict-Transport-Security"].startswith("max-age=")
        # The sign-in page starts a session for its CSRF token: that cookie is Secure. (A client
        # then sends it back over HTTPS only, so the sign-in itself cannot complete over this
        # test's plain HTTP: exactly what Secure is for.)
        assert csrf_token(page.text)
        cookie = page.headers["Set-Cookie"]
        assert (
            "aim_session=" in cookie
            and "Secure" in cookie
            and "HttpOnly" in cookie
            and "SameSite=Lax" in cookie
        )


def test_the_app_refuses_to_start_with_an_undeclared_callback(tmp_path):
    script = (
        "import dash\n"
        "from dash import Input, Output\n"
        "dash.callback(Output('leaky', 'children'), Input('trigger', 'n_clicks'))"
        "(lambda n: 'internal figures')\n"
        "from aim.config import Settings\n"
        "from app import create_app\n"
        f"create_app(Settings(database_url='sqlite:///{tmp_path / 'x.db'}', secret_key='s' * 64))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIM_")}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "declare no access policy" in result.stderr and "leaky.children" in result.stderr


@pytest.mark.leak_city
def test_the_validation_layout_sent_to_everyone_is_never_personal(site, database, fast_hashing):
    """Dash puts a validation layout in every page; it is built once, during whatever request comes
    first. A signed-in first visitor must not have their email or CSRF token frozen into it."""
    from tests.accounts import http_sign_in, make_user

    make_user(database, "first.visitor@milwaukee.gov", "mayors_office")
    http = http_sign_in(site, "first.visitor@milwaukee.gov")
    own_layout = http.get(f"{site}/_dash-layout", timeout=TIMEOUT).text
    assert "first.visitor@milwaukee.gov" in own_layout
    token = csrf_token_in_layout(own_layout)
    for path in ("/", "/internal/measures"):
        index = http.get(site + path, timeout=TIMEOUT).text
        assert "first.visitor@milwaukee.gov" not in index and token not in index
    anonymous = requests.get(f"{site}/_dash-layout", timeout=TIMEOUT).text
    assert "first.visitor" not in anonymous and "Staff sign in" in json.dumps(json.loads(anonymous))


def csrf_token_in_layout(layout: str) -> str:
    """The sign-out form's CSRF token in a /_dash-layout response."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props", {})
            if props.get("name") == "csrf_token":
                found.append(props["value"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(layout))
    assert found and len(found[0]) > 20
    return found[0]


def test_a_flood_of_refused_callbacks_is_rate_limited_and_summarised_in_the_audit_log(site, database):
    """150 anonymous calls naming an unknown 600-character output: the first few are refused and
    recorded one by one, the rest get 429 and are only counted; no row carries the whole id."""
    body = {
        "output": "x" * 600 + ".children",
        "outputs": {"id": "x" * 600, "property": "children"},
        "inputs": [],
        "changedPropIds": [],
    }
    with requests.Session() as http:
        responses = [
            http.post(f"{site}/_dash-update-component", json=body, timeout=TIMEOUT) for _ in range(150)
        ]
    statuses = [r.status_code for r in responses]
    assert set(statuses) == {403, 429}
    assert statuses.count(403) == 20 and statuses[:20] == [403] * 20
    assert 1 <= int(responses[-1].headers["Retry-After"]) <= 60
    rows = _events(database, "denied")
    assert all(len(detail) <= 300 for detail, _ in rows)
    counts = [int(d.split()[0]) for d, _ in rows if "not recorded one by one" in d]
    # 130 over the limit: a summary row when the count in a minute reaches 1, 10 and 100. The run
    # may cross into the next minute, whose count starts again at 1.
    assert summaries_by_minute(counts) in ([[1, 10, 100]], *two_minutes(130)), counts
    assert len(rows) == 20 + len(counts)  # twenty one by one, then only summaries


def test_refusals_are_counted_per_ipv4_address_and_per_ipv6_network(dash_app):
    """The limit is per client: a flood from one address leaves the others' refusals recorded."""
    from api.limiting import client_key as refusal_key

    with dash_app.server.test_request_context("/", environ_base={"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}):
        first = refusal_key()
    with dash_app.server.test_request_context("/", environ_base={"REMOTE_ADDR": "2001:db8:1:2:ffff:4:5:6"}):
        same_network = refusal_key()
    with dash_app.server.test_request_context("/", environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        other = refusal_key()
    # An IPv6 client owns a whole /64: counting each of its addresses apart would be no limit.
    assert first == same_network != other


def _router_call(pathname: object = "/", search: object = "") -> dict:
    return {
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


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    "body, problem",
    [
        (json.dumps(_router_call(pathname=5)), "_pages_location.pathname must be a path starting with /"),
        (json.dumps(_router_call(pathname="")), "_pages_location.pathname must be a path starting with /"),
        (json.dumps(_router_call(pathname="measures")), "_pages_location.pathname must be a path"),
        (json.dumps(_router_call(pathname={"not": "a path"})), "_pages_location.pathname must be a path"),
        (json.dumps(_router_call(search=5)), "_pages_location.search must be empty or a query string"),
        (json.dumps(_router_call(search=["?q=a"])), "_pages_location.search must be empty or a query"),
        (json.dumps(_router_call()).replace('"search", "value": ""', '"search", "value": NaN'), "not JSON"),
        (json.dumps(_router_call(search="?q=x")).replace('"?q=x"', _deep(100_000)), "not JSON"),
        (json.dumps(_router_call(search="?q=x")).replace('"?q=x"', _deep(100)), "nest deeper"),
        (json.dumps(_router_call(pathname="/measures/homicides\x00")), "NUL"),
        (json.dumps(_router_call(search="?q=\x00")), "NUL"),
    ],
    ids=[
        "pathname-number",
        "pathname-empty",
        "pathname-no-slash",
        "pathname-object",
        "search-number",
        "search-list",
        "nan",
        "nested-100000",
        "nested-100",
        "pathname-nul",
        "search-nul",
    ],
)
def test_malformed_callback_values_get_400_saying_what_is_wrong_before_dash_runs(site, body, problem, caplog):
    response = requests.post(
        f"{site}/_dash-update-component",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400, response.text[:300]
    assert problem in response.json()["error"]
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/measures?q=%00",
        "/api/v1/measures?q%00=x",
        "/api/v1/measures/homicides%00",
        "/api/v1/measures/homicides%00/series.json",
        "/api/v1/measures/homicides%00/series.csv",
        "/api/v1/scorecard?period=2024%00",
        "/measures/homicides%00",
    ],
)
def test_a_nul_byte_anywhere_in_the_address_gets_400_on_both_databases(site, path):
    response = requests.get(site + path, timeout=TIMEOUT)
    assert response.status_code == 400
    assert "NUL" in response.text


def test_a_nul_byte_in_the_sign_in_email_gets_400_on_both_databases(site):
    from tests.accounts import csrf_token

    http = requests.Session()
    token = csrf_token(http.get(f"{site}/login", timeout=TIMEOUT).text)
    response = http.post(
        f"{site}/login",
        data={"csrf_token": token, "email": "someone\x00@milwaukee.gov", "password": "x" * 20},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 400 and "NUL" in response.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # static files, no data
@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/dash/nothing-here.js",
        "/_dash-component-suites/no_such_package/x.js",
        "/_dash-component-suites/dash/..%2F..%2F..%2Fetc%2Fpasswd",
        "/_dash-component-suites/dash/deps/%2e%2e/%2e%2e/%2e%2e/app.py",
        "/_dash-component-suites/os/__init__.py",
    ],
)
def test_an_unknown_file_under_the_component_suites_gets_404_without_a_traceback(site, path, caplog):
    response = requests.get(site + path, timeout=TIMEOUT)
    assert response.status_code == 404
    assert "Traceback" not in caplog.text and "Unhandled error" not in caplog.text


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # headers and page shell, no data
def test_the_page_does_not_tell_the_python_version(site):
    import sys

    page = requests.get(site + "/", timeout=TIMEOUT).text
    assert "python_version" not in page and sys.version.split()[0] not in page


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # headers and page shell, no data
def test_a_forged_host_header_is_not_echoed_into_the_page(site):
    # The home page, and a 404 page (this test's database holds no measures), both built by Dash.
    for path, status in (("/", 200), ("/measures/homicides", 404)):
        page = requests.get(site + path, headers={"Host": "evil.example"}, timeout=TIMEOUT)
        assert page.status_code == status and "evil.example" not in page.text, path


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # headers and page shell, no data
def test_server_timing_is_sent_only_when_the_setting_asks_for_it(site):
    assert "Server-Timing" not in requests.get(site + "/api/v1", timeout=TIMEOUT).headers


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a header, no data
def test_server_timing_is_sent_with_aim_server_timing_for_benchmarks(db_url):
    with gunicorn(db_url, server_timing="true") as base:
        assert requests.get(base + "/api/v1", timeout=TIMEOUT).headers["Server-Timing"].startswith("app;dur=")
