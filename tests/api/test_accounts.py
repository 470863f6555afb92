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
    summaries_by_minute,
    two_minutes,
)
from tests.conftest import shared_redis_url
from tests.web import TIMEOUT

EDITOR = "editor.police@milwaukee.gov"

# A Redis database this test may empty; runs side by side on one machine give each its own.
REDIS_URL = os.environ.get("AIM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
#: A busy machine may stall Redis for seconds: the servers wait up to a minute, not 2 s.
REDIS_TIMEOUT = "60"

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

    client = redis.Redis.from_url(shared_redis_url())
    client.flushdb()
    try:
        with gunicorn(db_url, workers=2, redis_url=REDIS_URL, redis_timeout=REDIS_TIMEOUT) as base:
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


def _change_password(http, site, current: str, new: str = OTHER_PASSWORD):
    token = csrf_token(http.get(f"{site}/account/password", timeout=TIMEOUT).text)
    return http.post(
        f"{site}/account/password",
        data={"csrf_token": token, "current_password": current, "new_password": new, "confirm": new},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def test_guessing_the_current_password_is_recorded_and_ends_the_session_after_three_failures(staff, database):
    """A session left open on a shared computer: three wrong current passwords sign the account
    out everywhere, each failure is in the audit log, and no fourth guess is checked."""
    http = http_sign_in(staff, EDITOR)
    other_device = http_sign_in(staff, EDITOR)
    statuses = [_change_password(http, staff, f"wrong guess number {i:02d}").status_code for i in range(3)]
    assert statuses[:2] == [400, 400]
    assert statuses[2] == 303
    assert not signed_in(http, staff) and not signed_in(other_device, staff)
    with database.read() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        failures = [e for e in rows if e.event == "login_failed"]
        assert len(failures) == 3 and all(e.user_id is not None for e in failures)
        assert all("current password" in e.detail for e in failures)
        assert rows[-1].event == "logout" and "wrong current password" in rows[-1].detail
    # The fourth guess comes from a signed-out session: refused before any password is checked.
    fourth = _change_password_without_form(http, staff)
    assert fourth.status_code in (302, 303) and "/login" in fourth.headers["Location"]
    # The owner, who knows the password, signs in again.
    assert signed_in(http_sign_in(staff, EDITOR), staff)


def _change_password_without_form(http, site):
    return http.post(
        f"{site}/account/password",
        data={"current_password": "x" * 20, "new_password": OTHER_PASSWORD, "confirm": OTHER_PASSWORD},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def test_password_changes_are_rate_limited_per_address(staff, database, dash_app):
    """Like sign-in: more POSTs than the per-address limit in a minute get 429."""
    http = http_sign_in(staff, EDITOR)
    token = csrf_token(http.get(f"{staff}/account/password", timeout=TIMEOUT).text)
    responses = [
        http.post(
            f"{staff}/account/password",
            data={"csrf_token": token, "current_password": PASSWORD, "new_password": "a", "confirm": "b"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        for _ in range(35)
    ]
    statuses = [r.status_code for r in responses]
    assert set(statuses) == {400, 429} and statuses.count(400) <= 30, statuses
    assert statuses[-1] == 429 and "Too many attempts to change the password" in responses[-1].text
    assert signed_in(http, staff)  # the limit refuses the attempts; it does not sign the owner out


def _sign_in_from(base: str, address: str, email: str, password: str) -> int:
    """One sign-in attempt through a proxy that says the client is `address` (AIM_PROXY_HOPS=1)."""
    http = requests.Session()
    http.headers["X-Forwarded-For"] = address
    token = csrf_token(http.get(f"{base}/login", timeout=TIMEOUT).text)
    return http.post(
        f"{base}/login",
        data={"csrf_token": token, "email": email, "password": password},
        allow_redirects=False,
        timeout=TIMEOUT,
    ).status_code


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # rate-limit counts, not data
def test_a_limited_account_still_lets_its_owner_in_from_an_address_that_has_not_been_failing(
    database, db_url, fast_hashing
):
    """NIST SP 800-63B: limit failed attempts per account, but knowing someone's email must not be
    enough to lock them out. Failures from one address limit the account; the right password from
    another, clean address still signs in; a wrong one from there is refused and taints it."""
    make_user(database, EDITOR, "department_editor", ("MPD",))
    with gunicorn(db_url, proxy_hops="1") as base:
        attacker, owner, second_attacker = "198.51.100.66", "203.0.113.10", "192.0.2.77"
        statuses = [_sign_in_from(base, attacker, EDITOR, "wrong" * 4) for _ in range(8)]
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
        # The right password from the failing address: refused without being checked.
        assert _sign_in_from(base, attacker, EDITOR, PASSWORD) == 429
        # The owner, from an address with no failures, gets in.
        assert _sign_in_from(base, owner, EDITOR, PASSWORD) == 303
        # Another guesser from a clean address gets one wrong try (429, not 401), then is failing.
        assert _sign_in_from(base, second_attacker, EDITOR, "wrong" * 4) == 429
        assert _sign_in_from(base, second_attacker, EDITOR, PASSWORD) == 429


def test_responses_to_a_signed_in_user_are_never_stored_by_a_cache(staff):
    """The layout carries the user's email and CSRF token, callbacks carry internal figures: no
    browser or proxy cache may keep them (Cache-Control: no-store)."""
    http = http_sign_in(staff, EDITOR)
    layout = http.get(f"{staff}/_dash-layout", timeout=TIMEOUT)
    assert EDITOR in layout.text and layout.headers["Cache-Control"] == "no-store"
    page = http.post(f"{staff}/_dash-update-component", json=_router_body(), timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    for path in ("/", "/measures/homicides"):
        assert http.get(staff + path, timeout=TIMEOUT).headers["Cache-Control"] == "no-store"
    # Static files stay cacheable for everyone.
    css = http.get(f"{staff}/vendor/bootstrap/5.3.8/css/bootstrap.min.css", timeout=TIMEOUT)
    assert "no-store" not in css.headers.get("Cache-Control", "")


def test_callback_responses_are_never_stored_by_a_cache_even_for_the_public(staff):
    page = requests.post(f"{staff}/_dash-update-component", json=_router_body(), timeout=TIMEOUT)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_hammering_the_sign_in_form_cannot_flood_the_audit_log(staff, database):
    """80 wrong sign-ins from one address: a few are checked and recorded, the refusals after them
    are recorded one by one up to the refusal limit, then summarised with a count."""
    http = requests.Session()
    token = csrf_token(http.get(f"{staff}/login", timeout=TIMEOUT).text)
    statuses = [
        http.post(
            f"{staff}/login",
            data={"csrf_token": token, "email": EDITOR, "password": "wrong" * 4},
            allow_redirects=False,
            timeout=TIMEOUT,
        ).status_code
        for _ in range(80)
    ]
    assert statuses.count(401) == 5 and statuses.count(429) == 75
    with database.read() as s:
        details = s.scalars(
            select(AuditEvent.detail).where(AuditEvent.event.in_(("denied", "login_failed")))
        ).all()
    summaries = [int(d.split()[0]) for d in details if "not recorded one by one" in d]
    # Summaries at 1 and 10 in a minute; the run may cross into a second minute, which starts at 1.
    assert summaries_by_minute(summaries) in ([[1, 10]], *two_minutes(55)), summaries
    assert len(details) == 5 + 20 + len(summaries)  # checked, refused one by one, summaries


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # rate-limit counts, not data
def test_after_a_hundred_failures_in_a_day_the_account_takes_no_password_at_all(
    database, db_url, fast_hashing
):
    """NIST SP 800-63B's ceiling: no more than 100 failed attempts on one account, however many
    addresses they come from (each clean address gets one guess while the account is limited)."""
    make_user(database, EDITOR, "department_editor", ("MPD",))
    with gunicorn(db_url, proxy_hops="1") as base:
        statuses = [_sign_in_from(base, f"198.51.100.{i}", EDITOR, "wrong" * 4) for i in range(100)]
        assert statuses.count(401) == 5 and statuses.count(429) == 95
        assert _sign_in_from(base, "203.0.113.10", EDITOR, PASSWORD) == 429


@pytest.mark.parametrize(
    "role, target, landing",
    [
        ("mayors_office", "", "/review-room"),
        ("budget_analyst", "", "/review-room"),
        ("admin", "", "/internal/measures"),
        ("mayors_office", "/briefing?period=2025", "/briefing?period=2025"),
        ("mayors_office", "//evil.example/x", "/review-room"),
    ],
)
def test_the_mayors_office_and_budget_analysts_land_in_the_review_room(
    site, database, fast_hashing, role, target, landing
):
    email = f"{role.replace('_', '.')}@milwaukee.gov"
    make_user(database, email, role)
    http = requests.Session()
    token = csrf_token(http.get(f"{site}/login", timeout=TIMEOUT).text)
    response = http.post(
        f"{site}/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD, "next": target},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 303 and response.headers["Location"] == landing


def test_the_data_request_limit_is_shared_by_two_gunicorn_workers_through_redis(database, db_url):
    """The open data request form (api/opendata.py) counts through the same Limiter: 200 requests
    from one address in a minute, across two workers, and only the first five get through."""
    import redis

    from aim.models import DataRequest

    client = redis.Redis.from_url(shared_redis_url())
    client.flushdb()
    try:
        with gunicorn(db_url, workers=2, redis_url=REDIS_URL, redis_timeout=REDIS_TIMEOUT) as base:
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
