"""Signing in and out over real HTTP: CSRF-protected forms, cookies, a new session per sign-in,
sessions ended on the server (a copied cookie is refused after logout, password change or
disabling), safe redirects, rate limits, and the audit log."""

from __future__ import annotations

import os

import pytest
import requests
from sqlalchemy import func, select

from aim.bench import gunicorn
from aim.models import AuditEvent
from aim.services import users
from tests.accounts import (
    OTHER_PASSWORD,
    PASSWORD,
    csrf_token,
    http_sign_in,
    http_sign_out,
    make_user,
)
from tests.web import TIMEOUT

EDITOR = "editor.police@milwaukee.gov"

# A Redis database this test may empty; runs side by side on one machine give each its own.
REDIS_URL = os.environ.get("AIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

pytestmark = pytest.mark.leak_city


@pytest.fixture
def staff(site, database, fast_hashing):
    make_user(database, EDITOR, "department_editor", ("MPD",))
    return site


def signed_in(http, site) -> bool:
    """Whether the session is signed in, as the server sees it: the internal page's own answer."""
    text = http.post(f"{site}/_dash-update-component", json=_router_body(), timeout=TIMEOUT).text
    return "Sign in to see the measures" not in text and "Internal measures" in text


def _router_body() -> dict:
    from callbacks._policy import ROUTER_OUTPUT

    return {
        "output": ROUTER_OUTPUT,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": "/internal/measures"},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }


def events(database) -> list[tuple[str, str]]:
    with database.read() as s:
        return [(e.event, e.email) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_the_sign_in_page_carries_a_csrf_token_and_refuses_a_post_without_it(staff, database):
    http = requests.Session()
    assert csrf_token(http.get(f"{staff}/login", timeout=TIMEOUT).text)
    response = http.post(
        f"{staff}/login", data={"email": EDITOR, "password": PASSWORD}, timeout=TIMEOUT, allow_redirects=False
    )
    assert response.status_code == 400 and "not sent from this site" in response.text
    assert not signed_in(http, staff)
    forged = http.post(
        f"{staff}/login",
        data={"email": EDITOR, "password": PASSWORD, "csrf_token": "x" * 40},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert forged.status_code == 400


def test_signing_in_sets_a_hardened_cookie_and_lands_on_the_internal_page(staff, database):
    http = requests.Session()
    token = csrf_token(http.get(f"{staff}/login", timeout=TIMEOUT).text)
    response = http.post(
        f"{staff}/login",
        data={"csrf_token": token, "email": EDITOR.upper(), "password": PASSWORD},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 303 and response.headers["Location"] == "/internal/measures"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert signed_in(http, staff)
    assert ("login", EDITOR) in events(database)


def test_each_sign_in_issues_a_new_session(staff):
    first = http_sign_in(staff, EDITOR)
    cookie_before = first.cookies.get("aim_session")
    second = http_sign_in(staff, EDITOR)
    assert second.cookies.get("aim_session") != cookie_before
    # Signing in again elsewhere does not end the first session (logout does).
    assert signed_in(first, staff) and signed_in(second, staff)


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(staff, database):
    wrong = http_sign_in(staff, EDITOR, OTHER_PASSWORD, expect=401)
    unknown = http_sign_in(staff, "nobody@milwaukee.gov", PASSWORD, expect=401)
    assert not signed_in(wrong, staff) and not signed_in(unknown, staff)
    assert [e for e in events(database) if e[0] == "login_failed"] == [
        ("login_failed", EDITOR),
        ("login_failed", "nobody@milwaukee.gov"),
    ]


def test_a_cookie_copied_before_logout_is_refused_after_it(staff, database):
    http = http_sign_in(staff, EDITOR)
    copied = requests.Session()
    copied.cookies.update(http.cookies)
    assert signed_in(copied, staff)
    http_sign_out(staff, http)
    assert not signed_in(http, staff)
    assert not signed_in(copied, staff)  # replayed after logout: refused on the server
    assert ("logout", EDITOR) in events(database)


def test_changing_the_password_ends_every_session(staff, database):
    http = http_sign_in(staff, EDITOR)
    other_device = http_sign_in(staff, EDITOR)
    token = csrf_token(http.get(f"{staff}/account/password", timeout=TIMEOUT).text)
    response = http.post(
        f"{staff}/account/password",
        data={
            "csrf_token": token,
            "current_password": PASSWORD,
            "new_password": OTHER_PASSWORD,
            "confirm": OTHER_PASSWORD,
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 303 and "changed=1" in response.headers["Location"]
    assert not signed_in(http, staff) and not signed_in(other_device, staff)
    http_sign_in(staff, EDITOR, PASSWORD, expect=401)
    assert signed_in(http_sign_in(staff, EDITOR, OTHER_PASSWORD), staff)


def test_a_weak_new_password_is_refused_with_what_to_fix(staff):
    http = http_sign_in(staff, EDITOR)
    token = csrf_token(http.get(f"{staff}/account/password", timeout=TIMEOUT).text)
    response = http.post(
        f"{staff}/account/password",
        data={"csrf_token": token, "current_password": PASSWORD, "new_password": "short", "confirm": "short"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400 and "15 characters" in response.text
    assert signed_in(http, staff)


def test_disabling_an_account_ends_its_sessions(staff, database):
    http = http_sign_in(staff, EDITOR)
    with database.write() as s:
        users.disable_user(s, EDITOR, actor=None, client_address="test")
    assert not signed_in(http, staff)
    http_sign_in(staff, EDITOR, expect=401)


@pytest.mark.parametrize(
    "target, landing",
    [
        ("/measures/homicides", "/measures/homicides"),
        ("//evil.example/x", "/internal/measures"),
        ("https://evil.example/", "/internal/measures"),
        ("/\\evil.example", "/internal/measures"),
        ("javascript:alert(1)", "/internal/measures"),
    ],
)
def test_sign_in_only_redirects_within_the_site(staff, target, landing):
    http = requests.Session()
    token = csrf_token(http.get(f"{staff}/login?next={requests.utils.quote(target)}", timeout=TIMEOUT).text)
    response = http.post(
        f"{staff}/login",
        data={"csrf_token": token, "email": EDITOR, "password": PASSWORD, "next": target},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.headers["Location"] == landing


def test_twenty_failed_attempts_on_one_account_within_a_minute_are_mostly_refused(staff, database):
    http = requests.Session()
    token = csrf_token(http.get(f"{staff}/login", timeout=TIMEOUT).text)
    statuses = [
        http.post(
            f"{staff}/login",
            data={"csrf_token": token, "email": EDITOR, "password": "wrong" * 4},
            allow_redirects=False,
            timeout=TIMEOUT,
        ).status_code
        for _ in range(20)
    ]
    assert statuses.count(429) >= 15 and set(statuses) <= {401, 429}
    refused = http.post(
        f"{staff}/login",
        data={"csrf_token": token, "email": EDITOR, "password": PASSWORD},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    # The window is a minute, and the attempts above may have crossed a second boundary: 1 to 60.
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert any(e == "denied" for e, _ in events(database))


def test_the_login_limit_is_shared_by_two_gunicorn_workers_through_redis(database, db_url, fast_hashing):
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        from tests.conftest import IN_CI

        if IN_CI:
            pytest.fail("Redis must run under CI for the shared rate-limit test")
        pytest.skip("Redis is not running")
    client.flushdb()
    try:
        with gunicorn(db_url, workers=2, redis_url=REDIS_URL) as base:
            statuses = []
            for _ in range(20):
                # A new connection each time, so both workers take turns answering.
                http = requests.Session()
                token = csrf_token(http.get(f"{base}/login", timeout=TIMEOUT).text)
                response = http.post(
                    f"{base}/login",
                    data={"csrf_token": token, "email": "nobody@example.org", "password": "wrong" * 4},
                    timeout=TIMEOUT,
                )
                statuses.append(response.status_code)
            assert statuses.count(429) >= 15, statuses
            assert client.keys("*aim-login*"), "the counts are kept in Redis"
    finally:
        client.flushdb()


def test_the_data_request_limit_is_shared_by_two_gunicorn_workers_through_redis(database, db_url):
    """The open data request form (api/opendata.py) counts through the same Limiter: 200 requests
    from one address in a minute, across two workers, and only the first five get through."""
    import redis

    from aim.models import DataRequest

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        from tests.conftest import IN_CI

        if IN_CI:
            pytest.fail("Redis must run under CI for the shared rate-limit test")
        pytest.skip("Redis is not running")
    client.flushdb()
    try:
        with gunicorn(db_url, workers=2, redis_url=REDIS_URL) as base:
            statuses = []
            for i in range(200):
                http = requests.Session()  # a new connection each time: both workers answer
                token = csrf_token(http.get(f"{base}/data/requests/new", timeout=TIMEOUT).text)
                response = http.post(
                    f"{base}/data/requests/new",
                    data={"csrf_token": token, "kind": "new", "title": f"Flood number {i}"},
                    allow_redirects=False,
                    timeout=TIMEOUT,
                )
                statuses.append(response.status_code)
            assert statuses.count(303) == 5 and statuses.count(429) == 195, statuses
            assert client.keys("*aim-login*"), "the counts are kept in Redis"
    finally:
        client.flushdb()
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(DataRequest)) == 5
