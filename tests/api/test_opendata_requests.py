"""The public's data request form over real HTTP: CSRF, honeypot, length limits, the per-address
rate limit (200 requests in a minute from one address: nearly all refused), and moderation: an
unmoderated request appears nowhere public; payloads are shown as text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import func, select

from aim.models import DataRequest
from callbacks._policy import ROUTER_OUTPUT
from tests.accounts import csrf_token, make_user
from tests.web import TIMEOUT

FORM = "/data/requests/new"


@pytest.fixture
def limit(dash_app) -> Iterator[None]:
    """The production default (5 per hour) unless a test sets another; restored afterwards."""
    config = dash_app.server.config
    before = config["AIM_DATA_REQUEST_LIMIT"]
    yield
    config["AIM_DATA_REQUEST_LIMIT"] = before


def _session(site: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(site + FORM, timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    return http, csrf_token(page.text)


def _send(http, site, token, **fields) -> requests.Response:
    data = {
        "csrf_token": token,
        "kind": "new",
        "asset": "",
        "title": "Bus stop locations",
        "need": "",
        "reason": "",
    }
    data.update(fields)
    return http.post(site + FORM, data=data, allow_redirects=False, timeout=TIMEOUT)


def _count(database, **where) -> int:
    with database.read() as s:
        query = select(func.count()).select_from(DataRequest)
        for name, value in where.items():
            query = query.where(getattr(DataRequest, name) == value)
        return s.scalar(query) or 0


def page_text(site: str, path: str, search: str = "") -> str:
    body = {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
    response = requests.post(f"{site}/_dash-update-component", json=body, timeout=TIMEOUT)
    assert response.status_code == 200
    return response.text


def test_a_request_is_queued_and_the_sender_is_thanked_without_it_being_shown(site, database, limit):
    http, token = _session(site)
    response = _send(http, site, token, title="Zanzibar bus stops", need="Every stop", reason="An app")
    assert response.status_code == 303 and response.headers["Location"].endswith("/data/requests?sent=1")
    assert _count(database, state="pending") == 1
    thanked = page_text(site, "/data/requests", "?sent=1")
    assert "once a coordinator has reviewed it" in thanked and "Zanzibar" not in thanked
    for path in ("/data/inventory", "/data", "/data/manage"):
        assert "Zanzibar" not in page_text(site, path)
    for url in ("/data.json", "/api/v1/measures"):
        assert "Zanzibar" not in requests.get(site + url, timeout=TIMEOUT).text


def test_without_a_valid_csrf_token_nothing_is_stored(site, database, limit):
    http, _token = _session(site)
    assert _send(http, site, "forged-token").status_code == 400
    assert requests.post(site + FORM, data={"title": "No session"}, timeout=TIMEOUT).status_code == 400
    assert _count(database) == 0


def test_a_filled_honeypot_is_thanked_and_forgotten(site, database, limit):
    http, token = _session(site)
    response = _send(http, site, token, website="http://spam.example")
    assert response.status_code == 303
    assert _count(database) == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"title": "x"}, "Title"),
        ({"title": "t" * 201}, "Title"),
        ({"need": "n" * 2001}, "What you need"),
        ({"reason": "r" * 2001}, "Why"),
        ({"kind": "support", "asset": ""}, "say which entry"),
        ({"kind": "support", "asset": "no-such-entry"}, "no entry of the inventory"),
    ],
)
def test_bad_input_is_refused_with_what_to_fix_and_kept_in_the_form(site, database, limit, fields, message):
    http, token = _session(site)
    response = _send(http, site, token, **fields)
    assert response.status_code == 400 and message in response.text
    assert _count(database) == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # a limiter count, not data
def test_two_hundred_requests_from_one_address_in_a_minute_are_mostly_refused(site, database, limit):
    http, token = _session(site)
    statuses = [_send(http, site, token, title=f"Request number {i}").status_code for i in range(200)]
    assert statuses.count(303) == 5 and statuses.count(429) == 195
    assert _count(database) == 5
    refused = _send(http, site, token)
    assert refused.status_code == 429 and "Too many requests" in refused.text
    # The window is an hour, and the requests above may have crossed a second boundary.
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600


PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '=HYPERLINK("http://evil.example","click")',
    "[link](javascript:alert(1)) **bold**",
]


def test_payloads_are_stored_and_shown_as_text_after_moderation(site, database, dash_app, limit):
    from aim.auth import Principal, Role
    from aim.services import data_requests

    dash_app.server.config["AIM_DATA_REQUEST_LIMIT"] = "100 per minute"
    http, token = _session(site)
    for payload in PAYLOADS:
        assert _send(http, site, token, title=payload[:200], need=payload, reason=payload).status_code == 303
    coordinator = make_user(database, "opendata@city.gov", Role.DATA_COORDINATOR)
    who = Principal(coordinator.id, coordinator.email, Role.DATA_COORDINATOR)
    with database.write() as s:
        for view in data_requests.queue(s, who):
            data_requests.moderate(s, who, view.id, True)
    text = page_text(site, "/data/requests")
    import json

    layout = json.loads(text)
    strings: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            assert node.get("type") not in ("Markdown",), "no Markdown rendering of public input"
            assert "dangerously_allow_html" not in node.get("props", {})
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            strings.append(node)

    walk(layout)
    for payload in PAYLOADS:
        assert payload in strings  # a plain text child, exactly as typed
