"""The measures service's one rule for who may see a measure (aim.services.measures.visible_measure)."""

from __future__ import annotations

import pytest

from aim.auth import ANONYMOUS, Principal
from aim.models import Department
from aim.services.measures import visible_measure
from tests.cities import load_tiny_city


def _principal(role: str | None, departments=()) -> Principal:
    return Principal(user_id=7, email="a@city.gov", role=role, department_ids=frozenset(departments))


@pytest.fixture
def city(database):
    load_tiny_city(database)
    with database.read() as s:
        ids = {d.code: d.id for d in s.query(Department)}
    return database, ids


def test_a_public_measure_is_visible_to_everyone(city):
    database, ids = city
    with database.read() as s:
        for user in (ANONYMOUS, _principal("admin"), _principal("department_editor", [ids["DCD"]])):
            found = visible_measure(s, "violent-crime", user)
            assert found is not None and found.code == "violent-crime" and found.name == "Violent crime"


@pytest.mark.parametrize(
    "role, departments, visible",
    [
        (None, (), False),  # the public
        ("admin", (), False),  # manages accounts, reads no internal figures
        ("department_editor", ("DCD",), False),  # another department's editor
        ("department_editor", ("MPD",), True),
        ("budget_analyst", (), True),
        ("mayors_office", (), True),
    ],
)
def test_an_internal_measure_is_visible_only_to_readers_of_its_departments_internal_data(
    city, role, departments, visible
):
    database, ids = city
    user = ANONYMOUS if role is None else _principal(role, [ids[d] for d in departments])
    with database.read() as s:
        assert (visible_measure(s, "overtime-hours", user) is not None) is visible


def test_an_unknown_code_is_not_visible_to_anyone(city):
    database, _ids = city
    with database.read() as s:
        assert visible_measure(s, "no-such-measure", _principal("budget_analyst")) is None
