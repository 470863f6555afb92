"""User accounts and the audit log hold their rules in the database itself, on SQLite and
PostgreSQL: normalized unique emails, known roles and events, and an append-only audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from aim.auth import Role
from aim.models import AuditEvent, Department, User, user_departments
from aim.services import users as accounts
from tests import builders as b
from tests.accounts import make_user

pytestmark = pytest.mark.usefixtures("fast_hashing")

NOW = "2026-01-01 00:00:00"


def _execute(database, sql: str, **params) -> None:
    with database.write() as s:
        s.execute(text(sql), params)


def _insert_user(database, email: str, role: str = "admin") -> None:
    _execute(
        database,
        "INSERT INTO users (email, display_name, password_hash, role, is_active,"
        " session_version, created_at, updated_at) VALUES (:email, '', 'x', :role, :true, 1,"
        " :now, :now)",
        email=email,
        role=role,
        now=NOW,
        true=True,
    )


@pytest.fixture
def audited(database) -> None:
    """One audit event in the log."""
    with database.write() as s:
        accounts.record(s, "login_failed", email="who@city.gov", client_address="198.51.100.7")


def test_the_orm_stores_emails_trimmed_and_lower_cased(database):
    with database.write() as s:
        s.add(User(email="  Ana@City.GOV ", password_hash="x", role="admin"))
    with database.read() as s:
        assert s.scalars(select(User.email)).one() == "ana@city.gov"


def test_an_email_that_is_not_lower_cased_is_refused_by_the_database(database):
    with pytest.raises(IntegrityError):
        _insert_user(database, "Ana@city.gov")


def test_an_email_with_surrounding_spaces_is_refused_by_the_database(database):
    with pytest.raises(IntegrityError):
        _insert_user(database, " ana@city.gov")


def test_emails_are_unique_in_the_database(database):
    _insert_user(database, "ana@city.gov")
    with pytest.raises(IntegrityError):
        _insert_user(database, "ana@city.gov")


@pytest.mark.parametrize("role", list(Role))
def test_every_role_of_aim_auth_is_allowed_by_the_database(database, role):
    _insert_user(database, f"{role}@city.gov", role=role.value)


def test_an_unknown_role_is_refused_by_the_database(database):
    with pytest.raises(IntegrityError):
        _insert_user(database, "ana@city.gov", role="superuser")


def test_a_session_version_below_one_is_refused_by_the_database(database):
    _insert_user(database, "ana@city.gov")
    with pytest.raises(IntegrityError):
        _execute(database, "UPDATE users SET session_version = 0")


def test_an_unknown_audit_event_is_refused_by_the_database(database):
    with pytest.raises(IntegrityError):
        _execute(
            database,
            "INSERT INTO audit_log (at, event, email, client_address, detail)"
            " VALUES (:now, 'coffee_break', '', '', '')",
            now=NOW,
        )


def test_deleting_a_user_removes_their_department_links(database):
    with database.write() as s:  # through the ORM, not the service: no audit row refers to it
        s.add(
            User(
                email="ed@city.gov",
                password_hash="x",
                role="department_editor",
                departments=[b.department(s, "MPD")],
            )
        )
    _execute(database, "DELETE FROM users")
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(user_departments)) == 0


def test_a_department_that_still_has_editors_cannot_be_deleted(database):
    with database.write() as s:
        b.department(s, "MPD")
    make_user(database, "ed@city.gov", Role.DEPARTMENT_EDITOR, ("MPD",))
    with pytest.raises(IntegrityError):
        _execute(database, "DELETE FROM departments")
    with database.read() as s:
        assert s.scalars(select(Department.code)).all() == ["MPD"]


def test_a_user_the_audit_log_refers_to_cannot_be_deleted(database):
    user = make_user(database, "ana@city.gov", Role.ADMIN)
    with database.write() as s:
        accounts.record(s, "login", user_id=user.id, email=user.email)
    with pytest.raises(IntegrityError):
        _execute(database, "DELETE FROM users")


def test_the_audit_log_refuses_update_in_the_database(database, audited):
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(database, "UPDATE audit_log SET detail = 'nothing happened'")
    with database.read() as s:
        assert s.scalars(select(AuditEvent.detail)).all() == [""]


def test_the_audit_log_refuses_delete_in_the_database(database, audited):
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(database, "DELETE FROM audit_log")
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 1


# SQLite has no TRUNCATE (DELETE is refused above), so this runs on PostgreSQL only.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_the_audit_log_refuses_truncate_on_postgresql(database, audited):
    with pytest.raises(DBAPIError, match="append-only"):
        _execute(database, "TRUNCATE audit_log")
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 1


def test_audit_times_come_back_in_utc(database, audited):
    with database.read() as s:
        assert s.scalars(select(AuditEvent.at)).one().utcoffset().total_seconds() == 0
