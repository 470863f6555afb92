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
from callbacks._policy import ROUTER_OUTPUT
from tests.web import TIMEOUT

# Every route of the app, with who may use it and why. A new route fails the test below until it
# is reviewed and added here with its policy.
REVIEWED_ROUTES = {
    "/": "public: the page shell (no data)",
    "/<path:path>": "public: the page shell for every page path (no data)",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": "public: Dash's JavaScript",
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
    "/api/v1/scorecard": "public open data API",
    "/assets/<path:filename>": "public: our CSS and the upload input's label script",
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


def test_only_declared_callbacks_are_exposed(site):
    declared = {
        c["output"]
        for c in requests.get(f"{site}/_dash-dependencies", timeout=TIMEOUT).json()
        if not c.get("clientside_function")
    }
    assert ROUTER_OUTPUT in declared
    # The review workflow's write callbacks (callbacks/staff/), and nothing else.
    assert {o for o in declared if o != ROUTER_OUTPUT} == {
        o
        for o in declared
        if any(
            f"{name}." in o
            for name in (
                "figure-message",
                "review-message",
                "target-message",
                "values-upload-result",
                "comment-message",
            )
        )
    }
    assert len(declared) == 6


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


def test_a_forced_error_returns_a_generic_500_without_a_traceback(site, dash_app):
    assert dash_app.server.debug is False
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": {"not": "a path"}},
            {"id": "_pages_location", "property": "search", "value": None},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
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
