"""Test helpers for user accounts: a cheap password hasher and accounts created through the service."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from aim import passwords
from aim.auth import Principal, Role
from aim.db import Database
from aim.schemas import UserView
from aim.services import users as accounts

#: Long, not common, and free of every test email's name.
PASSWORD = "purple lighthouse on the river"
OTHER_PASSWORD = "seven quiet owls over the harbor"
#: Cheapest argon2id the library accepts: the tests check behaviour, not cost.
CHEAP = dict(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def fast_hashing(monkeypatch) -> PasswordHasher:
    """Replace the production hasher (64 MiB per hash) with a cheap one for this test."""
    cheap = PasswordHasher(**CHEAP)
    monkeypatch.setattr(passwords, "hasher", cheap)
    return cheap


def make_user(database: Database, email: str, role: Role | str, departments: tuple[str, ...] = (),
              password: str = PASSWORD) -> UserView:
    with database.write() as s:
        return accounts.create_user(s, email, password, role, departments, actor=None,
                                    client_address="test")


def sign_in(database: Database, email: str, password: str = PASSWORD) -> Principal | None:
    with database.write() as s:
        return accounts.authenticate(s, email, password, client_address="203.0.113.9")
