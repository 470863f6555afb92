"""The permission rules of aim/auth.py, table by table: every rule against every kind of principal."""

from __future__ import annotations

import pytest

from aim.auth import (
    ANONYMOUS,
    PUBLIC,
    SIGNED_IN,
    Principal,
    Role,
    allows,
    is_signed_in,
    may_manage_open_data,
    may_manage_users,
    may_see_internal,
    may_see_unpublished,
    roles,
    sees_all_departments,
    visible_department_ids,
)

A, B, C = 1, 2, 3
WHO = {
    "anonymous": ANONYMOUS,
    "editor of A": Principal(11, "ed.a@city.gov", Role.DEPARTMENT_EDITOR, frozenset({A})),
    "editor of B": Principal(12, "ed.b@city.gov", Role.DEPARTMENT_EDITOR, frozenset({B})),
    "editor of A and B": Principal(13, "ed.ab@city.gov", Role.DEPARTMENT_EDITOR, frozenset({A, B})),
    "editor of nothing": Principal(14, "ed.none@city.gov", Role.DEPARTMENT_EDITOR, frozenset()),
    "analyst": Principal(21, "analyst@city.gov", Role.BUDGET_ANALYST),
    "mayor's office": Principal(31, "mayor@city.gov", Role.MAYORS_OFFICE),
    "admin": Principal(41, "admin@city.gov", Role.ADMIN),
    "data coordinator": Principal(61, "opendata@city.gov", Role.DATA_COORDINATOR),
    # Half-built principals must never be trusted as signed in.
    "role without user id": Principal(None, "ghost@city.gov", Role.BUDGET_ANALYST),
    "user id without role": Principal(51, "norole@city.gov", None),
}


def _table(expected: dict[str, object]) -> list:
    assert set(expected) == set(WHO), "every table covers every principal"
    return [pytest.param(WHO[name], value, id=name) for name, value in expected.items()]


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": False,
            "editor of A": True,
            "editor of B": True,
            "editor of A and B": True,
            "editor of nothing": True,
            "analyst": True,
            "mayor's office": True,
            "admin": True,
            "data coordinator": True,
            "role without user id": False,
            "user id without role": False,
        }
    ),
)
def test_is_signed_in_needs_both_a_user_id_and_a_role(principal, expected):
    assert is_signed_in(principal) is expected


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": False,
            "editor of A": False,
            "editor of B": False,
            "editor of A and B": False,
            "editor of nothing": False,
            "analyst": True,
            "mayor's office": True,
            "admin": False,
            "data coordinator": False,
            "role without user id": False,
            "user id without role": False,
        }
    ),
)
def test_only_analysts_and_the_mayors_office_see_all_departments(principal, expected):
    assert sees_all_departments(principal) is expected


INTERNAL_OF_A = {
    "anonymous": False,
    "editor of A": True,
    "editor of B": False,
    "editor of A and B": True,
    "editor of nothing": False,
    "analyst": True,
    "mayor's office": True,
    "admin": False,
    "data coordinator": False,
    "role without user id": False,
    "user id without role": False,
}


@pytest.mark.parametrize("principal, expected", _table(INTERNAL_OF_A))
def test_internal_data_of_department_a_is_for_its_editors_and_citywide_readers(principal, expected):
    assert may_see_internal(principal, A) is expected


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": False,
            "editor of A": False,
            "editor of B": False,
            "editor of A and B": False,
            "editor of nothing": False,
            "analyst": True,
            "mayor's office": True,
            "admin": False,
            "data coordinator": False,
            "role without user id": False,
            "user id without role": False,
        }
    ),
)
def test_internal_data_of_a_department_nobody_edits_is_for_citywide_readers_only(principal, expected):
    assert may_see_internal(principal, C) is expected


@pytest.mark.parametrize("principal, expected", _table(INTERNAL_OF_A))
def test_unpublished_values_of_department_a_follow_the_internal_data_rule(principal, expected):
    assert may_see_unpublished(principal, A) is expected


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": frozenset(),
            "editor of A": frozenset({A}),
            "editor of B": frozenset({B}),
            "editor of A and B": frozenset({A, B}),
            "editor of nothing": frozenset(),
            "analyst": None,
            "mayor's office": None,
            "admin": frozenset(),
            "data coordinator": frozenset(),
            "role without user id": frozenset(),
            "user id without role": frozenset(),
        }
    ),
)
def test_visible_department_ids_is_none_for_all_and_a_set_otherwise(principal, expected):
    assert visible_department_ids(principal) == expected


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": False,
            "editor of A": False,
            "editor of B": False,
            "editor of A and B": False,
            "editor of nothing": False,
            "analyst": False,
            "mayor's office": False,
            "admin": True,
            "data coordinator": False,
            "role without user id": False,
            "user id without role": False,
        }
    ),
)
def test_only_admins_manage_users(principal, expected):
    assert may_manage_users(principal) is expected


@pytest.mark.parametrize("principal", list(WHO.values()), ids=list(WHO))
def test_a_public_policy_allows_everyone(principal):
    assert allows(PUBLIC, principal)


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": False,
            "editor of A": False,
            "editor of B": False,
            "editor of A and B": False,
            "editor of nothing": False,
            "analyst": True,
            "mayor's office": True,
            "admin": False,
            "data coordinator": False,
            "role without user id": False,
            "user id without role": False,
        }
    ),
)
def test_a_roles_policy_allows_signed_in_holders_of_those_roles_only(principal, expected):
    assert allows(roles(Role.BUDGET_ANALYST, Role.MAYORS_OFFICE), principal) is expected


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": False,
            "editor of A": True,
            "editor of B": True,
            "editor of A and B": True,
            "editor of nothing": True,
            "analyst": True,
            "mayor's office": True,
            "admin": True,
            "data coordinator": True,
            "role without user id": False,
            "user id without role": False,
        }
    ),
)
def test_the_signed_in_policy_allows_every_role_but_not_anonymous(principal, expected):
    assert allows(SIGNED_IN, principal) is expected


@pytest.mark.parametrize("not_a_policy", [None, "public", "PUBLIC", True, {"public": True}, roles])
def test_anything_that_is_not_a_policy_allows_nobody(not_a_policy):
    assert not allows(not_a_policy, WHO["analyst"])
    assert not allows(not_a_policy, ANONYMOUS)


def test_roles_accepts_role_names_as_strings():
    assert roles("budget_analyst", "admin") == roles(Role.BUDGET_ANALYST, Role.ADMIN)


def test_roles_without_any_role_is_refused_pointing_to_public():
    with pytest.raises(ValueError, match="PUBLIC"):
        roles()


def test_roles_with_an_unknown_role_is_refused_listing_the_roles():
    with pytest.raises(
        ValueError, match="department_editor, budget_analyst, mayors_office, admin, data_coordinator"
    ):
        roles("superuser")


def test_policies_describe_themselves_for_error_messages_and_reviews():
    assert str(PUBLIC) == "public"
    assert str(roles(Role.MAYORS_OFFICE, Role.BUDGET_ANALYST)) == "roles(budget_analyst, mayors_office)"


def test_a_principal_built_from_plain_values_equals_one_built_from_typed_values():
    plain = Principal(7, "ana@city.gov", "department_editor", [2, 1, 2])
    typed = Principal(7, "ana@city.gov", Role.DEPARTMENT_EDITOR, frozenset({1, 2}))
    assert plain == typed and hash(plain) == hash(typed)
    assert plain.role is Role.DEPARTMENT_EDITOR


def test_a_principal_with_an_unknown_role_cannot_be_built():
    with pytest.raises(ValueError):
        Principal(7, "ana@city.gov", "superuser")


def test_principals_are_immutable():
    with pytest.raises(AttributeError):
        WHO["editor of A"].department_ids = frozenset({A, B})  # type: ignore[misc]


@pytest.mark.parametrize(
    "principal, expected",
    _table(
        {
            "anonymous": False,
            "editor of A": False,
            "editor of B": False,
            "editor of A and B": False,
            "editor of nothing": False,
            "analyst": False,
            "mayor's office": False,
            "admin": False,
            "data coordinator": True,
            "role without user id": False,
            "user id without role": False,
        }
    ),
)
def test_only_data_coordinators_keep_the_inventory_and_answer_requests(principal, expected):
    assert may_manage_open_data(principal) is expected
