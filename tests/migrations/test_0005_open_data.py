"""Revision 0005 (open data) rebuilds the users table on SQLite to widen its role constraint: the
accounts, their departments and the audit log must come through it unchanged, on both databases."""

from __future__ import annotations

from sqlalchemy import text

from aim import migrate
from aim.db import make_engine


def test_upgrading_to_0005_keeps_users_their_departments_and_the_audit_log(empty_url):
    migrate.upgrade(empty_url, "0004")
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO departments (id, code, name, description) VALUES (7, 'MPD', 'Police', '')")
        )
        conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, password_hash, role, is_active, session_version,"
                " created_at, updated_at) VALUES (3, 'ana@city.gov', '', 'x', 'department_editor', true, 1,"
                " '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
            )
        )
        conn.execute(text("INSERT INTO user_departments (user_id, department_id) VALUES (3, 7)"))
        conn.execute(
            text(
                "INSERT INTO audit_log (at, event, user_id, email, client_address, detail)"
                " VALUES ('2026-01-01 00:00:00+00', 'login', 3, 'ana@city.gov', '', '')"
            )
        )
    engine.dispose()
    migrate.upgrade(empty_url)
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT id, email, role FROM users")).all() == [
            (3, "ana@city.gov", "department_editor")
        ]
        assert conn.execute(text("SELECT user_id, department_id FROM user_departments")).all() == [(3, 7)]
        assert conn.execute(text("SELECT user_id, event FROM audit_log")).all() == [(3, "login")]
        conn.execute(text("UPDATE users SET role = 'data_coordinator' WHERE id = 3"))
    engine.dispose()
