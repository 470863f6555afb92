"""Revision 0007_workflow on a database holding figures: nothing is lost, revisions stay append-only
(SQLite rebuilds the tables to change their CHECK constraints), and the new states are allowed."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, IntegrityError

from aim import migrate
from aim.db import make_engine

NOW = "2026-01-02 03:04:05+00:00"
PREVIOUS = "0006_activity_outputs"  # the revision 0007_workflow follows


def _seed(conn) -> None:
    conn.execute(text("INSERT INTO departments (id, code, name, description) VALUES (1, 'D', 'D', '')"))
    conn.execute(
        text(
            "INSERT INTO activities (id, code, department_id, name, description) VALUES (1, 'A', 1, 'A', '')"
        )
    )
    conn.execute(
        text(
            "INSERT INTO measures (id, code, activity_id, name, definition, calculation, data_source,"
            " unit_kind, unit_label, direction, frequency, aggregation, tolerance, measure_type,"
            " is_public, is_key, created_at, updated_at) VALUES (1, 'm', 1, 'M', '', '', '', 'count',"
            " '', 'up', 'annual', 'sum', 0.1, 'outcome', true, true, :now, :now)"
        ),
        {"now": NOW},
    )
    conn.execute(
        text(
            "INSERT INTO actuals (id, measure_id, period, value, explanation, state, version,"
            " updated_by, updated_at, created_at) VALUES (1, 1, '2024', 5, 'why', 'published', 1,"
            " 'x', :now, :now)"
        ),
        {"now": NOW},
    )
    conn.execute(
        text(
            "INSERT INTO actual_revisions (id, actual_id, version, old_value, new_value, old_state,"
            " state, changed_by, changed_at, reason) VALUES (1, 1, 1, NULL, 5, NULL, 'published',"
            " 'x', :now, '')"
        ),
        {"now": NOW},
    )


def test_upgrading_a_database_with_figures_keeps_them_and_the_append_only_revisions(empty_url):
    migrate.upgrade(empty_url, PREVIOUS)
    engine = make_engine(empty_url)
    with engine.begin() as conn:
        _seed(conn)
    migrate.upgrade(empty_url)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT value, state, published_at, review_comment FROM actuals")).one()
        assert row[0] == 5 and row[1] == "published" and row[2] is not None and row[3] == ""
        assert conn.execute(text("SELECT count(*) FROM actual_revisions")).scalar() == 1
    with pytest.raises(DatabaseError), engine.begin() as conn:
        conn.execute(text("UPDATE actual_revisions SET new_value = 6"))
    with pytest.raises(DatabaseError), engine.begin() as conn:
        conn.execute(text("DELETE FROM actual_revisions"))
    with engine.begin() as conn:  # the new state is allowed now
        conn.execute(text("UPDATE actuals SET pending_state = 'returned', pending_value = 7"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE actuals SET state = 'rejected'"))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # a correction only of a published figure
        conn.execute(text("UPDATE actuals SET state = 'draft'"))
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the foreign keys are back on
        conn.execute(
            text(
                "INSERT INTO actuals (measure_id, period, explanation, state, version, updated_by,"
                " updated_at, created_at, review_comment) VALUES (99, '2025', '', 'draft', 1, '',"
                " :now, :now, '')"
            ),
            {"now": NOW},
        )
    # A database holding returned figures cannot go back: the old schema cannot store them.
    with pytest.raises(RuntimeError, match="returned"):
        migrate.downgrade(empty_url, PREVIOUS)
    with engine.begin() as conn:
        conn.execute(text("UPDATE actuals SET pending_state = NULL, pending_value = NULL"))
    migrate.downgrade(empty_url, PREVIOUS)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value, state FROM actuals")).one() == (5, "published")
    engine.dispose()
