"""Revision 0011_follow_ups on a database with an audit log: its events are kept, the log stays
append-only (SQLite rebuilds it to change the CHECK of event names), follow-up events are accepted,
and going back down is refused while the log holds them (an append-only log is not rewritten)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from aim import migrate
from aim.db import make_engine

NOW = "2026-01-02 03:04:05+00:00"
PREVIOUS = "0010_priority_narrative"


def _audit(conn, event: str) -> None:
    conn.execute(
        text(
            "INSERT INTO audit_log (at, event, user_id, email, client_address, detail)"
            " VALUES (:now, :event, NULL, 'a@city.gov', '', '')"
        ),
        {"now": NOW, "event": event},
    )


def test_the_audit_log_keeps_its_events_stays_append_only_and_takes_follow_up_events(empty_url):
    migrate.upgrade(empty_url, PREVIOUS)
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        _audit(conn, "login")
    migrate.upgrade(empty_url)
    with engine.begin() as conn:
        assert conn.execute(text("SELECT event FROM audit_log")).scalars().all() == ["login"]
        _audit(conn, "follow_up_created")
    for statement in ("UPDATE audit_log SET detail = 'changed'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError), engine.begin() as conn:
            conn.execute(text(statement))
    with pytest.raises(DatabaseError), engine.begin() as conn:
        _audit(conn, "no_such_event")
    # Down: refused while the log holds follow-up events, and nothing is lost by trying.
    with pytest.raises(RuntimeError, match="append-only log is not rewritten"):
        migrate.downgrade(empty_url, PREVIOUS)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 2
    engine.dispose()


def test_down_and_up_again_without_follow_up_events(empty_url):
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, PREVIOUS)
    engine = make_engine(empty_url)
    with pytest.raises(DatabaseError), engine.begin() as conn:
        _audit(conn, "follow_up_created")  # the old CHECK is back
    with pytest.raises(DatabaseError), engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
        _audit(conn, "login")
        conn.execute(text("DELETE FROM audit_log"))  # still append-only
    engine.dispose()
    migrate.upgrade(empty_url)
