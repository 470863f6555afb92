"""User accounts through aim/services/users.py on SQLite and PostgreSQL: validation, roles and
departments, signing in, sessions ended server-side, and the audit event of every change."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from argon2.profiles import RFC_9106_LOW_MEMORY
from sqlalchemy import func, select

from aim import passwords
from aim.auth import Principal, Role
from aim.models import User
from aim.schemas import AuditEventView, UserView
from aim.services import users as accounts
from tests import builders as b
from tests.accounts import CHEAP, OTHER_PASSWORD, PASSWORD, make_user, sign_in

pytestmark = pytest.mark.usefixtures("fast_hashing")

ADMIN_ACTOR = Principal(900, "boss@city.gov", Role.ADMIN)


@pytest.fixture
def departments(database) -> dict[str, int]:
    """Two departments, MPD and DPW, by code."""
    with database.write() as s:
        found = [b.department(s, "MPD", "Police"), b.department(s, "DPW", "Public Works")]
        s.flush()
        return {d.code: d.id for d in found}


@pytest.fixture
def ana(database) -> UserView:
    """An active budget analyst."""
    return make_user(database, "ana@city.gov", Role.BUDGET_ANALYST)


@pytest.fixture
def admin(database) -> Principal:
    """A signed-in admin, as the web app would know them."""
    make_user(database, "root@city.gov", Role.ADMIN)
    return sign_in(database, "root@city.gov")


def _events(database, event: str | None = None) -> list[AuditEventView]:
    """The audit log, oldest first; only events of one kind when `event` is given."""
    with database.read() as s:
        events = accounts.recent_events(s, limit=1000)[::-1]
    return [e for e in events if event is None or e.event == event]


def _count_users(database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(User))


def _session_of(database, email: str) -> tuple[int, int]:
    """The (user id, session version) a session cookie would hold after signing in now."""
    principal = sign_in(database, email)
    with database.read() as s:
        return principal.user_id, accounts.current_session_version(s, principal.user_id)


def _principal_for(database, cookie: tuple[int, int]) -> Principal | None:
    with database.read() as s:
        return accounts.principal_for_session(s, *cookie)


# -- creating accounts ---------------------------------------------------------------------------
def test_create_user_stores_the_email_trimmed_and_lower_cased(database):
    assert make_user(database, "  Ana.Lopez@City.GOV ", Role.ADMIN).email == "ana.lopez@city.gov"


def test_create_user_returns_an_active_account_view(database, departments):
    user = make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR, ("MPD", "DPW"))
    assert (user.role, user.department_codes, user.is_active, user.last_login_at) == (
        "department_editor",
        ["DPW", "MPD"],
        True,
        None,
    )
    assert "password_hash" not in UserView.model_fields


def test_create_user_stores_an_argon2id_hash_and_never_the_password(database, ana):
    with database.read() as s:
        stored = s.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_create_user_starts_the_session_version_at_one(database, ana):
    with database.read() as s:
        assert accounts.current_session_version(s, ana.id) == 1


def test_create_user_writes_a_user_created_event_naming_role_departments_and_actor(database, departments):
    with database.write() as s:
        user = accounts.create_user(
            s,
            "ed@city.gov",
            PASSWORD,
            "department_editor",
            ["MPD"],
            actor=ADMIN_ACTOR,
            client_address="192.0.2.1",
        )
    [event] = _events(database)
    assert (event.event, event.user_id, event.email, event.client_address) == (
        "user_created",
        user.id,
        "ed@city.gov",
        "192.0.2.1",
    )
    assert event.detail == "role department_editor; departments MPD; by boss@city.gov (user 900)"


def test_an_editor_without_departments_is_refused_naming_the_known_codes(database, departments):
    with pytest.raises(accounts.InvalidDepartments, match="at least one department.*known codes: DPW, MPD"):
        make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR)


def test_an_unknown_department_code_is_refused_and_named(database, departments):
    with pytest.raises(accounts.InvalidDepartments, match="Unknown department code\\(s\\): FIRE"):
        make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR, ("MPD", "FIRE"))


@pytest.mark.parametrize("role", [Role.BUDGET_ANALYST, Role.MAYORS_OFFICE, Role.ADMIN])
def test_a_role_other_than_editor_with_departments_is_refused(database, departments, role):
    with pytest.raises(accounts.InvalidDepartments, match="Leave out the department codes"):
        make_user(database, "ana@city.gov", role, ("MPD",))


def test_an_unknown_role_is_refused_listing_the_roles(database):
    with pytest.raises(accounts.InvalidRole, match="use one of: department_editor, budget_analyst"):
        make_user(database, "ana@city.gov", "superuser")


@pytest.mark.parametrize(
    "email",
    [
        "",
        "ana",
        "ana@city",
        "ana lopez@city.gov",
        "@city.gov",
        "ana@@city.gov",
        "ana@city..gov",
        "a" * 65 + "@city.gov",
    ],
)
def test_a_malformed_email_is_refused_with_an_example_of_a_good_one(database, email):
    with pytest.raises(accounts.InvalidEmail, match="name@city.gov"):
        make_user(database, email, Role.ADMIN)


def test_a_weak_password_is_refused_listing_every_problem(database):
    with pytest.raises(accounts.WeakPassword) as refused:
        make_user(database, "ana@city.gov", Role.ADMIN, password="ana")
    assert len(refused.value.problems) == 2
    assert "at least 15 characters" in str(refused.value)


def test_a_second_account_for_the_same_email_in_other_letters_is_refused(database, ana):
    with pytest.raises(accounts.DuplicateEmail, match="ana@city.gov already exists"):
        make_user(database, "ANA@city.gov", Role.ADMIN)


def test_a_refused_account_writes_neither_a_user_nor_an_audit_event(database):
    with pytest.raises(accounts.WeakPassword):
        make_user(database, "ana@city.gov", Role.ADMIN, password="short")
    assert _count_users(database) == 0 and _events(database) == []


def test_a_user_who_is_not_an_admin_may_not_create_accounts(database):
    analyst = Principal(5, "ana@city.gov", Role.BUDGET_ANALYST)
    with pytest.raises(accounts.NotPermitted), database.write() as s:
        accounts.create_user(s, "bob@city.gov", PASSWORD, "admin", [], actor=analyst, client_address="x")
    assert _count_users(database) == 0


def test_check_new_user_refuses_what_create_user_would_refuse_without_a_password(database, ana):
    with pytest.raises(accounts.DuplicateEmail), database.read() as s:
        accounts.check_new_user(s, "ana@city.gov", "admin")


def test_list_users_returns_every_account_by_email_with_its_departments(database, departments):
    make_user(database, "zoe@city.gov", Role.MAYORS_OFFICE)
    make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR, ("MPD",))
    with database.read() as s:
        listed = accounts.list_users(s)
    assert [(u.email, u.role, u.department_codes) for u in listed] == [
        ("ed@city.gov", "department_editor", ["MPD"]),
        ("zoe@city.gov", "mayors_office", []),
    ]


# -- disabling -----------------------------------------------------------------------------------
def _disable(database, email: str, actor: Principal | None = None) -> UserView:
    with database.write() as s:
        return accounts.disable_user(s, email, actor=actor, client_address="cli")


def test_a_disabled_account_cannot_sign_in_with_its_right_password(database, ana):
    _disable(database, "ana@city.gov")
    assert sign_in(database, "ana@city.gov") is None


def test_disabling_an_account_ends_its_existing_sessions(database, ana):
    cookie = _session_of(database, "ana@city.gov")
    _disable(database, "ana@city.gov")
    assert _principal_for(database, cookie) is None


def test_disabling_an_account_writes_a_user_disabled_event(database, ana):
    _disable(database, "ana@city.gov")
    [event] = _events(database, "user_disabled")
    assert (event.user_id, event.detail) == (ana.id, "by the command line")


def test_disabling_a_disabled_account_writes_no_second_event(database, ana):
    _disable(database, "ana@city.gov")
    assert _disable(database, "ana@city.gov").is_active is False
    assert len(_events(database, "user_disabled")) == 1


def test_an_admin_cannot_disable_their_own_account(database, admin):
    with pytest.raises(accounts.SelfChange, match="ask another admin"):
        _disable(database, "root@city.gov", actor=admin)


def test_disabling_an_unknown_email_says_there_is_no_such_account(database):
    with pytest.raises(accounts.UnknownUser, match="No account has the email 'who@city.gov'"):
        _disable(database, "who@city.gov")


# -- roles and departments -----------------------------------------------------------------------
def _set_role(database, email: str, role: str, codes=(), actor: Principal | None = None) -> UserView:
    with database.write() as s:
        return accounts.set_role(s, email, role, codes, actor=actor, client_address="cli")


def test_set_role_gives_the_account_its_new_role_and_departments(database, departments, ana):
    user = _set_role(database, "ana@city.gov", "department_editor", ["DPW"])
    assert (user.role, user.department_codes) == ("department_editor", ["DPW"])


def test_a_new_role_ends_the_accounts_existing_sessions(database, ana):
    cookie = _session_of(database, "ana@city.gov")
    _set_role(database, "ana@city.gov", "mayors_office")
    assert _principal_for(database, cookie) is None


def test_a_new_role_writes_a_role_changed_event_from_old_to_new(database, ana):
    _set_role(database, "ana@city.gov", "mayors_office")
    [event] = _events(database, "role_changed")
    assert event.detail == "budget_analyst -> mayors_office; by the command line"


def test_new_departments_write_a_departments_changed_event(database, departments):
    make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR, ("MPD",))
    _set_role(database, "ed@city.gov", "department_editor", ["MPD", "DPW"])
    [event] = _events(database, "departments_changed")
    assert event.detail == "MPD -> DPW, MPD; by the command line"


def test_new_departments_apply_to_existing_sessions_at_once(database, departments):
    make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR, ("MPD",))
    cookie = _session_of(database, "ed@city.gov")
    _set_role(database, "ed@city.gov", "department_editor", ["DPW"])
    assert _principal_for(database, cookie).department_ids == {departments["DPW"]}


def test_setting_the_same_role_and_departments_writes_no_event(database, ana):
    _set_role(database, "ana@city.gov", "budget_analyst")
    assert [e.event for e in _events(database)] == ["user_created"]


def test_set_role_to_editor_without_departments_is_refused(database, departments, ana):
    with pytest.raises(accounts.InvalidDepartments):
        _set_role(database, "ana@city.gov", "department_editor")


def test_an_admin_cannot_change_their_own_role(database, admin):
    with pytest.raises(accounts.SelfChange, match="ask another admin"):
        _set_role(database, "root@city.gov", "budget_analyst", actor=admin)


def test_a_user_who_is_not_an_admin_may_not_change_roles(database, ana):
    analyst = sign_in(database, "ana@city.gov")
    with pytest.raises(accounts.NotPermitted):
        _set_role(database, "ana@city.gov", "admin", actor=analyst)


# -- passwords -----------------------------------------------------------------------------------
def _change_password(
    database, email: str, new: str, actor: Principal | None = None, current: str | None = None
) -> UserView:
    with database.write() as s:
        return accounts.change_password(
            s, email, new, actor=actor, client_address="cli", current_password=current
        )


def test_after_a_password_change_the_new_password_signs_in(database, ana):
    _change_password(database, "ana@city.gov", OTHER_PASSWORD)
    assert sign_in(database, "ana@city.gov", OTHER_PASSWORD) is not None


def test_after_a_password_change_the_old_password_does_not_sign_in(database, ana):
    _change_password(database, "ana@city.gov", OTHER_PASSWORD)
    assert sign_in(database, "ana@city.gov", PASSWORD) is None


def test_a_password_change_ends_existing_sessions(database, ana):
    cookie = _session_of(database, "ana@city.gov")
    _change_password(database, "ana@city.gov", OTHER_PASSWORD)
    assert _principal_for(database, cookie) is None


def test_a_password_change_writes_a_password_changed_event(database, ana):
    _change_password(database, "ana@city.gov", OTHER_PASSWORD)
    assert [e.user_id for e in _events(database, "password_changed")] == [ana.id]


def test_users_changing_their_own_password_must_give_the_current_one(database, ana):
    myself = sign_in(database, "ana@city.gov")
    with pytest.raises(accounts.WrongPassword, match="current password"):
        _change_password(database, "ana@city.gov", OTHER_PASSWORD, actor=myself, current="guess")


def test_users_may_change_their_own_password_with_the_current_one(database, ana):
    myself = sign_in(database, "ana@city.gov")
    _change_password(database, "ana@city.gov", OTHER_PASSWORD, actor=myself, current=PASSWORD)
    assert sign_in(database, "ana@city.gov", OTHER_PASSWORD) is not None


def test_a_user_who_is_not_an_admin_may_not_change_someone_elses_password(database, ana):
    make_user(database, "zoe@city.gov", Role.MAYORS_OFFICE)
    zoe = sign_in(database, "zoe@city.gov")
    with pytest.raises(accounts.NotPermitted):
        _change_password(database, "ana@city.gov", OTHER_PASSWORD, actor=zoe)


def test_a_weak_new_password_is_refused(database, ana):
    with pytest.raises(accounts.WeakPassword, match="at least 15 characters"):
        _change_password(database, "ana@city.gov", "hunter2")


# -- signing in ----------------------------------------------------------------------------------
def test_the_right_password_gives_a_principal_with_role_and_department_ids(database, departments):
    user = make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR, ("MPD", "DPW"))
    assert sign_in(database, "ed@city.gov") == Principal(
        user.id, "ed@city.gov", Role.DEPARTMENT_EDITOR, frozenset(departments.values())
    )


def test_signing_in_ignores_the_case_and_spaces_of_the_email(database, ana):
    assert sign_in(database, "  ANA@City.gov ").user_id == ana.id


def test_a_wrong_password_gives_no_principal(database, ana):
    assert sign_in(database, "ana@city.gov", OTHER_PASSWORD) is None


def test_a_wrong_password_records_login_failed_for_the_account(database, ana):
    sign_in(database, "ana@city.gov", OTHER_PASSWORD)
    [event] = _events(database, "login_failed")
    assert (event.user_id, event.client_address, event.detail) == (ana.id, "203.0.113.9", "wrong password")


def test_an_unknown_email_records_login_failed_with_the_email_as_typed(database):
    assert sign_in(database, "Nobody@City.gov") is None
    [event] = _events(database, "login_failed")
    assert (event.user_id, event.email, event.detail) == (
        None,
        "Nobody@City.gov",
        "no account has this email",
    )


def test_a_disabled_account_records_login_failed_saying_so(database, ana):
    _disable(database, "ana@city.gov")
    sign_in(database, "ana@city.gov")
    assert [e.detail for e in _events(database, "login_failed")] == ["account disabled"]


class CountingHasher(PasswordHasher):
    """A real, cheap hasher that counts how many hashes it verifies."""

    verified = 0

    def verify(self, hash, password):  # noqa: A002 (argon2's own parameter name)
        CountingHasher.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("email", ["nobody@city.gov", "ana@city.gov"], ids=["unknown", "known"])
def test_every_sign_in_attempt_verifies_exactly_one_hash_so_timing_does_not_reveal_accounts(
    database, ana, monkeypatch, email
):
    monkeypatch.setattr(passwords, "hasher", CountingHasher(**CHEAP))
    monkeypatch.setattr(CountingHasher, "verified", 0)
    sign_in(database, email, OTHER_PASSWORD)
    assert CountingHasher.verified == 1


def test_a_successful_sign_in_records_login_and_the_time(database, ana):
    sign_in(database, "ana@city.gov")
    assert [e.user_id for e in _events(database, "login")] == [ana.id]
    with database.read() as s:
        assert accounts.list_users(s)[0].last_login_at is not None


def test_signing_in_upgrades_a_hash_made_with_older_parameters(database, ana, monkeypatch):
    monkeypatch.setattr(passwords, "hasher", PasswordHasher(**{**CHEAP, "time_cost": 2}))
    sign_in(database, "ana@city.gov")
    with database.read() as s:
        assert "t=2" in s.scalars(select(User.password_hash)).one()


def test_signing_in_replaces_a_hash_of_the_former_rfc_9106_defaults_with_owasps_parameters(
    database, ana, monkeypatch
):
    # The real hashers, not the cheap one: the account was created under argon2-cffi's defaults
    # (t=3, m=64 MiB, p=4), and the first sign-in under today's parameters upgrades its hash.
    monkeypatch.setattr(passwords, "hasher", PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY))
    with database.write() as s:
        s.scalars(select(User)).one().password_hash = passwords.hash_password(PASSWORD)
    monkeypatch.setattr(passwords, "hasher", passwords.owasp_hasher())
    assert sign_in(database, "ana@city.gov", PASSWORD) is not None
    with database.read() as s:
        stored = s.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(PASSWORD, stored)


def test_signing_in_keeps_a_hash_made_with_the_current_parameters(database, ana):
    with database.read() as s:
        before = s.scalars(select(User.password_hash)).one()
    sign_in(database, "ana@city.gov")
    with database.read() as s:
        assert s.scalars(select(User.password_hash)).one() == before


# -- sessions ------------------------------------------------------------------------------------
def test_a_session_with_the_current_version_gives_the_principal(database, ana):
    cookie = _session_of(database, "ana@city.gov")
    assert _principal_for(database, cookie) == Principal(ana.id, "ana@city.gov", Role.BUDGET_ANALYST)


def test_a_session_copied_before_logout_is_refused_after_it(database, ana):
    cookie = _session_of(database, "ana@city.gov")
    with database.write() as s:
        assert accounts.end_sessions(s, ana.id, client_address="203.0.113.9") is True
    assert _principal_for(database, cookie) is None


def test_signing_in_again_after_logout_gives_a_working_session(database, ana):
    with database.write() as s:
        accounts.end_sessions(s, ana.id)
    assert _principal_for(database, _session_of(database, "ana@city.gov")) is not None


def test_logout_records_a_logout_event(database, ana):
    with database.write() as s:
        accounts.end_sessions(s, ana.id, client_address="203.0.113.9")
    [event] = _events(database, "logout")
    assert (event.user_id, event.client_address) == (ana.id, "203.0.113.9")


def test_ending_the_sessions_of_an_unknown_user_says_so(database):
    with database.write() as s:
        assert accounts.end_sessions(s, 4242) is False


def test_a_session_of_a_user_that_does_not_exist_gives_no_principal(database):
    assert _principal_for(database, (4242, 1)) is None


@pytest.mark.parametrize("cookie", [("1", 1), (1, "1"), (True, 1), (1, True), (None, None)])
def test_a_session_with_values_that_are_not_integers_gives_no_principal(database, ana, cookie):
    assert _principal_for(database, cookie) is None


# -- the audit log -------------------------------------------------------------------------------
def test_record_refuses_an_unknown_event_naming_the_known_ones(database):
    with pytest.raises(ValueError, match="use one of: login, login_failed"), database.write() as s:
        accounts.record(s, "coffee_break")


def test_record_cuts_an_overlong_email_and_address_instead_of_failing(database):
    with database.write() as s:
        accounts.record(s, "denied", email="x" * 1000, client_address="y" * 1000)
    [event] = _events(database)
    assert (len(event.email), len(event.client_address)) == (254, 100)


def test_recent_events_are_newest_first_and_can_be_narrowed_to_one_account(database, ana):
    sign_in(database, "ana@city.gov")
    sign_in(database, "nobody@city.gov")
    with database.read() as s:
        assert [e.event for e in accounts.recent_events(s)] == ["login_failed", "login", "user_created"]
        assert [e.event for e in accounts.recent_events(s, user_id=ana.id)] == ["login", "user_created"]
