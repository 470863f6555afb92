"""Test helpers for user accounts: a cheap password hasher, accounts created through the service,
signing in over HTTP, and reading the audit log's summaries of refused requests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from argon2 import PasswordHasher

from aim import passwords
from aim.auth import Principal, Role
from aim.db import Database
from aim.schemas import UserView
from aim.services import users as accounts
from tests.web import TIMEOUT

#: Long, not common, and free of every test email's name.
PASSWORD = "purple lighthouse on the river"
OTHER_PASSWORD = "seven quiet owls over the harbor"
#: Cheapest argon2id the library accepts: the tests check behaviour, not cost.
CHEAP = dict(time_cost=1, memory_cost=8, parallelism=1)


@contextmanager
def cheap_hashing() -> Iterator[PasswordHasher]:
    """Replace the production hasher (19 MiB per hash) with a cheap one while the block runs."""
    cheap = PasswordHasher(**CHEAP)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "hasher", cheap)
        yield cheap


@pytest.fixture
def fast_hashing() -> Iterator[PasswordHasher]:
    """The cheap hasher for this test."""
    with cheap_hashing() as cheap:
        yield cheap


def make_user(
    database: Database,
    email: str,
    role: Role | str,
    departments: tuple[str, ...] = (),
    password: str = PASSWORD,
) -> UserView:
    with database.write() as s:
        return accounts.create_user(s, email, password, role, departments, actor=None, client_address="test")


def sign_in(database: Database, email: str, password: str = PASSWORD) -> Principal | None:
    with database.write() as s:
        return accounts.authenticate(s, email, password, client_address="203.0.113.9")


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def http_sign_in(site: str, email: str, password: str = PASSWORD, *, expect: int = 303):
    """A requests.Session signed in through the real sign-in form (CSRF token and all)."""
    import requests

    http = requests.Session()
    token = csrf_token(http.get(f"{site}/login", timeout=TIMEOUT).text)
    response = http.post(
        f"{site}/login",
        data={"csrf_token": token, "email": email, "password": password, "next": ""},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == expect, (response.status_code, response.text[:300])
    return http


def http_sign_out(site: str, http) -> None:
    token = csrf_token(http.get(f"{site}/logout", timeout=TIMEOUT).text)
    response = http.post(f"{site}/logout", data={"csrf_token": token}, allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303


def summaries_by_minute(counts: list[int]) -> list[list[int]]:
    """The summary counts split into minutes: each minute's count starts again at 1."""
    minutes: list[list[int]] = []
    for count in counts:
        if count == 1 or not minutes:
            minutes.append([])
        minutes[-1].append(count)
    return minutes


def two_minutes(over: int) -> list[list[list[int]]]:
    """Every way `over` refusals beyond the limit can be summarised across a minute boundary."""
    marks = [1, 10, 100]
    return [
        [[m for m in marks if m <= first], [m for m in marks if m <= over - first]]
        for first in range(1, over)
    ]
