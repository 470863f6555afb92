"""The data model's rules hold in the database itself, on SQLite and PostgreSQL: uniqueness,
foreign keys, enumerations, append-only revisions and optimistic concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from aim.models import Actual, ActualRevision, Measure, Target
from tests import builders as b


@pytest.fixture
def measure_id(database) -> int:
    with database.write() as s:
        p = b.priority(s)
        a = b.activity(s, b.department(s), "MPD-PATROL", [p])
        m = b.measure(s, a, "response-time", direction="down", unit_kind="duration")
        s.flush()
        return m.id


def _insert(database, sql: str, **params) -> None:
    with database.write() as s:
        s.execute(text(sql), params)


def test_a_second_actual_for_the_same_measure_and_period_is_refused(database, measure_id):
    with database.write() as s:
        s.add(Actual(measure_id=measure_id, period="2024", value=1.0, state="published"))
    with pytest.raises(IntegrityError):
        with database.write() as s:
            s.add(Actual(measure_id=measure_id, period="2024", value=2.0, state="draft"))


def test_a_second_target_for_the_same_measure_and_period_is_refused(database, measure_id):
    with database.write() as s:
        s.add(Target(measure_id=measure_id, period="2024", value=1.0))
    with pytest.raises(IntegrityError):
        with database.write() as s:
            s.add(Target(measure_id=measure_id, period="2024", value=2.0))


def test_foreign_keys_are_enforced_on_every_backend(database):
    with pytest.raises(IntegrityError):
        _insert(
            database,
            "INSERT INTO actuals (measure_id, period, value, explanation, state, version, updated_by,"
            " updated_at, created_at) VALUES (9999, '2024', 1, '', 'draft', 1, '', :now, :now)",
            now="2024-01-01 00:00:00",
        )


@pytest.mark.parametrize(
    "column, bad",
    [
        ("direction", "Increse"),
        ("unit_kind", "furlongs"),
        ("frequency", "weekly"),
        ("aggregation", "median"),
        ("measure_type", "vanity"),
    ],
)
def test_enumerations_are_check_constraints_in_the_database(database, measure_id, column, bad):
    with pytest.raises(IntegrityError):
        _insert(database, f"UPDATE measures SET {column} = :bad WHERE id = :id", bad=bad, id=measure_id)


def test_an_unknown_workflow_state_is_refused(database, measure_id):
    with pytest.raises(IntegrityError):
        with database.write() as s:
            s.add(Actual(measure_id=measure_id, period="2024", value=1.0, state="leaked"))


def test_a_target_needs_a_value_or_both_bounds_in_order(database, measure_id):
    with pytest.raises(IntegrityError):
        with database.write() as s:
            s.add(Target(measure_id=measure_id, period="2024", low=1.0))
    with pytest.raises(IntegrityError):
        with database.write() as s:
            s.add(Target(measure_id=measure_id, period="2025", low=5.0, high=1.0))


def test_tolerance_is_a_fraction(database, measure_id):
    with pytest.raises(IntegrityError):
        _insert(database, "UPDATE measures SET tolerance = 10 WHERE id = :id", id=measure_id)


def test_every_orm_change_to_an_actual_writes_a_revision(database, measure_id):
    with database.write() as s:
        actual = Actual(measure_id=measure_id, period="2024", value=10.0, state="draft", updated_by="ana")
        actual.change_reason = "first entry"
        s.add(actual)
    with database.write() as s:
        actual = s.scalars(select(Actual)).one()
        actual.value, actual.state, actual.updated_by = 12.5, "submitted", "ben"
        actual.change_reason = "corrected count"
    with database.write() as s:
        actual = s.scalars(select(Actual)).one()
        actual.updated_by = "nobody"  # not a tracked change: no revision
    with database.read() as s:
        revisions = s.scalars(select(ActualRevision).order_by(ActualRevision.id)).all()
        assert [
            (r.version, r.old_value, r.new_value, r.old_state, r.state, r.changed_by, r.reason)
            for r in revisions
        ] == [
            (1, None, 10.0, None, "draft", "ana", "first entry"),
            (2, 10.0, 12.5, "draft", "submitted", "ben", "corrected count"),
        ]
        assert s.scalars(select(Actual)).one().version == 3
        assert all(r.changed_at.tzinfo is not None for r in revisions)


def test_revisions_are_append_only_in_the_database(database, measure_id):
    with database.write() as s:
        s.add(Actual(measure_id=measure_id, period="2024", value=10.0, state="draft"))
    with pytest.raises(DBAPIError, match="append-only"):
        _insert(database, "UPDATE actual_revisions SET new_value = 0")
    with pytest.raises(DBAPIError, match="append-only"):
        _insert(database, "DELETE FROM actual_revisions")
    with database.read() as s:
        assert s.scalars(select(ActualRevision.new_value)).all() == [10.0]


def test_a_write_based_on_a_stale_version_is_refused(database, measure_id):
    with database.write() as s:
        s.add(Actual(measure_id=measure_id, period="2024", value=10.0, state="draft"))
    with database.session() as mine:
        actual = mine.scalars(select(Actual)).one()  # version 1
        mine.commit()  # ends the read; the loaded object keeps version 1
        with database.write() as theirs:
            theirs.scalars(select(Actual)).one().value = 11.0  # someone else saves first
        actual.value = 99.0
        with pytest.raises(StaleDataError):
            mine.commit()
    with database.read() as s:
        assert s.scalars(select(Actual.value)).one() == 11.0


def test_measure_codes_are_unique(database, measure_id):
    with pytest.raises(IntegrityError):
        with database.write() as s:
            activity_id = s.get(Measure, measure_id).activity_id
            s.add(
                Measure(
                    code="response-time",
                    activity_id=activity_id,
                    name="Again",
                    unit_kind="count",
                    direction="up",
                    frequency="annual",
                    aggregation="sum",
                    measure_type="output",
                )
            )
