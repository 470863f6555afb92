"""Two app servers (two gunicorn masters on two ports) on one PostgreSQL and one Redis behave as one
site (issue 16): a publication shows on both, sign-out on one holds on the other, and sign-in
limits are counted once for both. Real processes, real HTTP; waits poll, nothing is timed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import text

from aim.auth import Role
from aim.bench import gunicorn
from aim.services.site import advance_data_version
from tests.accounts import PASSWORD, csrf_token, make_user
from tests.conftest import shared_redis_url
from tests.web import TIMEOUT

# PostgreSQL only: a SQLite file is one machine's database, never shared by two servers.
pytestmark = [pytest.mark.leak_city, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]
#: How long a change may take to show before the test gives up: generous for a loaded machine;
#: the design's bound is AIM_DATA_VERSION_TTL (0.5 s) plus one request.
PATIENCE_S = 60


@pytest.fixture
def servers(database) -> Iterator[tuple[str, str]]:
    settings = {
        "redis_url": shared_redis_url(),
        "redis_timeout": "60",  # a busy machine may stall Redis for seconds
        "login_limit_per_account": "2 per minute",
    }
    with gunicorn(database.url, **settings) as one, gunicorn(database.url, **settings) as other:
        yield one, other


def eventually(check, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {PATIENCE_S} s")
        time.sleep(0.1)


def measure_name(base: str) -> str:
    return requests.get(f"{base}/api/v1/measures/homicides", timeout=TIMEOUT).json()["measure"]["name"]


def test_a_publication_shows_on_both_servers_though_each_kept_the_old_answer(servers, database):
    one, other = servers
    assert measure_name(one) == measure_name(other) == "Homicides"
    with database.write() as s:  # a change no cache can see: both go on answering from theirs
        s.execute(text("UPDATE measures SET name = 'Homicides, corrected' WHERE code = 'homicides'"))
    assert measure_name(one) == measure_name(other) == "Homicides"
    with database.write() as s:
        advance_data_version(s)  # what every publication and import does in its transaction
    for base in servers:
        eventually(lambda base=base: measure_name(base) == "Homicides, corrected", f"the change on {base}")


def sign_in(http: requests.Session, base: str, email: str, password: str) -> int:
    token = csrf_token(http.get(f"{base}/login", timeout=TIMEOUT).text)
    form = {"csrf_token": token, "email": email, "password": password, "next": ""}
    return http.post(f"{base}/login", data=form, allow_redirects=False, timeout=TIMEOUT).status_code


def signed_in(http: requests.Session, base: str) -> bool:
    page = http.get(f"{base}/account/password", allow_redirects=False, timeout=TIMEOUT)
    return page.status_code == 200


def test_a_session_from_one_server_works_on_the_other_until_signed_out_on_either(servers, database):
    one, other = servers
    email = f"analyst-{uuid.uuid4().hex[:8]}@milwaukee.gov"
    make_user(database, email, Role.BUDGET_ANALYST)
    http = requests.Session()
    assert sign_in(http, one, email, PASSWORD) == 303
    assert signed_in(http, one) and signed_in(http, other)
    kept = http.cookies.copy()
    token = csrf_token(http.get(f"{one}/logout", timeout=TIMEOUT).text)
    assert http.post(f"{one}/logout", data={"csrf_token": token}, allow_redirects=False).status_code == 303
    replayed = requests.Session()
    replayed.cookies.update(kept)  # the cookie from before the sign-out, shown to the other server
    assert not signed_in(replayed, other)


def test_failed_sign_ins_are_counted_once_for_both_servers(servers, database):
    one, other = servers
    email = f"analyst-{uuid.uuid4().hex[:8]}@milwaukee.gov"  # a fresh account: counts start at 0
    make_user(database, email, Role.BUDGET_ANALYST)
    http = requests.Session()
    assert sign_in(http, one, email, "not the password") == 401
    assert sign_in(http, other, email, "not the password") == 401
    # The limit is 2 per minute: counted apart, the other server would have seen only 1.
    assert sign_in(http, other, email, "not the password") == 429
