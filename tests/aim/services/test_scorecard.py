"""The scorecard service against figures computed by hand for a small city (see TINY_CITY)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from aim.periods import FiscalCalendar
from aim.services.scorecard import default_period, scorecard
from tests import builders as b
from tests.cities import (
    AS_OF,
    RESPONSE_2025,
    RESPONSE_SCORE,
    SAFE_INDEX,
    VIOLENT_2025,
    VIOLENT_SCORE,
    YOUTH_2025,
    load_tiny_city,
)


@pytest.fixture
def city(database):
    load_tiny_city(database)
    return database


def _card(database, period=None, calendar=None):
    with database.read() as s:
        return scorecard(s, calendar or FiscalCalendar(1), period, as_of=AS_OF)


def test_each_measure_gets_the_hand_computed_status_and_score(city):
    card = _card(city, "2025")
    got = {m.code: (m.status, m.score, m.actual, m.target, m.stale) for m in card.measures}
    assert got == {
        "violent-crime": ("at_risk", pytest.approx(VIOLENT_SCORE), VIOLENT_2025, 8000, False),
        "response-time": ("off_track", pytest.approx(RESPONSE_SCORE), pytest.approx(RESPONSE_2025), 10, True),
        "clearance-rate": ("on_track", pytest.approx(1.1), 55, 50, False),
        "jobs-placed": ("no_target", None, 130, None, True),
        "youth-employment": ("on_track", 1.0, pytest.approx(YOUTH_2025), None, True),
        "business-licenses": ("no_data", None, None, 1200, True),
    }


def test_priority_and_citywide_indexes_average_the_scores_of_key_measures(city):
    card = _card(city, "2025")
    safe, econ = card.priorities
    assert (safe.slug, econ.slug) == ("safe", "econ")
    assert safe.index == pytest.approx(SAFE_INDEX)
    assert econ.index == pytest.approx(1.0)
    assert card.index == pytest.approx(SAFE_INDEX)  # each key measure counted once


def test_counts_by_status_include_stale_beside_the_status(city):
    card = _card(city, "2025")
    safe, econ = card.priorities
    assert safe.counts.as_dict() == {
        "on_track": 2,
        "at_risk": 1,
        "off_track": 1,
        "no_target": 1,
        "no_data": 1,
        "stale": 4,
    }
    assert econ.counts.as_dict() == {
        "on_track": 1,
        "at_risk": 0,
        "off_track": 0,
        "no_target": 1,
        "no_data": 1,
        "stale": 3,
    }
    assert card.counts.as_dict() == safe.counts.as_dict()  # every measure serves safety
    assert safe.measure_count == 6 and econ.measure_count == 3


def test_internal_measures_and_unpublished_values_are_left_out(city):
    card = _card(city, "2025")
    codes = {m.code for m in card.measures}
    assert "overtime-hours" not in codes and "retired-measure" not in codes
    assert "424242" not in card.model_dump_json()
    youth = card.measure("youth-employment")
    assert (youth.reported, youth.expected) == (6, 12)  # the approved July value is not counted
    assert card.measure("jobs-placed").previous is None  # the 2024 draft does not count


def test_year_on_year_change_and_trend(city):
    card = _card(city, "2025")
    violent = card.measure("violent-crime")
    assert violent.previous == 9000
    assert violent.change == pytest.approx((8466 - 9000) / 9000)
    assert violent.trend == "flat"  # +1 a month on ~708 is under 5% over six months
    clearance = card.measure("clearance-rate")
    assert clearance.change == pytest.approx((55 - 48) / 48)


def test_a_quarter_uses_the_quarters_share_of_a_yearly_target_and_drops_annual_measures(city):
    card = _card(city, "2025-Q2")
    violent = card.measure("violent-crime")
    assert violent.actual == 703 + 704 + 705
    assert violent.target == pytest.approx(2000)
    assert violent.status == "at_risk"
    assert {m.code for m in card.measures} == {
        "violent-crime",
        "response-time",
        "youth-employment",
        "business-licenses",
    }


def test_a_year_to_date_sum_is_compared_with_the_same_share_of_the_target(city):
    card = _card(city, "2026")
    violent = card.measure("violent-crime")
    assert (violent.reported, violent.expected) == (9, 12)
    assert violent.actual == 9 * 600
    assert violent.target == pytest.approx(7800 * 9 / 12)
    assert violent.status == "on_track"
    assert violent.score == pytest.approx(5850 / 5400)
    assert violent.previous == sum(range(700, 710))  # Jan-Oct 2025: the months that have ended
    assert violent.change == pytest.approx(600 / (sum(range(700, 710)) / 10) - 1)  # per month
    assert violent.trend == "flat"


def test_the_default_period_is_the_latest_ended_fiscal_year_with_published_data(city):
    with city.read() as s:
        assert default_period(s, FiscalCalendar(1), AS_OF).key == "2025"
    assert _card(city).period == "2025"


def test_the_default_period_falls_back_to_the_current_year_when_only_it_has_data(database):
    with database.write() as s:
        m = b.measure(s, b.activity(s, b.department(s), "A", [b.priority(s)]), "m", frequency="monthly")
        b.actuals(s, m, {"2026-03": 5})
    assert _card(database).period == "2026"


def test_an_empty_database_gives_an_empty_scorecard(database):
    card = _card(database)
    assert card.measures == [] and card.priorities == [] and card.index is None


def test_a_july_fiscal_year_rolls_up_july_to_june(database):
    with database.write() as s:
        m = b.measure(s, b.activity(s, b.department(s), "A", [b.priority(s)]), "m", frequency="monthly")
        b.actuals(s, m, {"2024-06": 1000, "2024-07": 1, "2025-06": 2, "2025-07": 1000})
        b.target(s, m, "2025", 3)
    card = _card(database, "2025", FiscalCalendar(7))
    assert card.period_label == "FY 2025 (Jul 2024 - Jun 2025)"
    assert card.measure("m").actual == 3
    assert card.measure("m").status == "on_track"


def test_a_last_value_older_than_the_trend_window_is_still_found(database):
    # Staff on payroll, reported monthly as a level: the year's figure is its latest month. Here
    # reporting stopped in March, long before the July-December trend window.
    with database.write() as s:
        m = b.measure(
            s,
            b.activity(s, b.department(s), "A", [b.priority(s)]),
            "staff",
            frequency="monthly",
            aggregation="last",
        )
        b.actuals(
            s,
            m,
            {"2024-01": 90, "2024-03": 95, "2024-09": 99, "2025-01": 100, "2025-02": 101, "2025-03": 104},
        )
        b.target(s, m, "2025", 100)
    staff = _card(database, "2025").measure("staff")
    assert (staff.actual, staff.status) == (104, "on_track")
    assert staff.previous == 99  # 2024 as a whole (2025 has ended): its latest month is September
    assert staff.change == pytest.approx(104 / 99 - 1)


def _monthly_city(database, months: range, target_months: range, target_year: int = 2025) -> None:
    """A CityScore-style measure: a target every month, data for `months` of 2025."""
    with database.write() as s:
        m = b.measure(s, b.activity(s, b.department(s), "A", [b.priority(s)]), "m", frequency="monthly")
        b.actuals(s, m, {f"2025-{n:02d}": 100 for n in months})
        for n in target_months:
            b.target(s, m, f"{target_year}-{n:02d}", 90)


def test_a_year_whose_data_ends_part_way_is_judged_against_the_months_reported(database):
    _monthly_city(database, range(1, 7), range(1, 7))  # January to June, with their targets
    card = _card(database)
    assert card.period == "2025"
    m = card.measure("m")
    assert (m.actual, m.target, m.status) == (600, 540, "on_track")
    assert card.index == pytest.approx(600 / 540)


def test_a_year_with_a_reported_month_that_has_no_target_has_no_target(database):
    _monthly_city(database, range(1, 8), range(1, 7))  # July reported, but no July target
    m = _card(database, "2025").measure("m")
    assert (m.target, m.status) == (None, "no_target")


def test_the_default_period_passes_over_a_year_that_cannot_be_judged(database):
    with database.write() as s:
        m = b.measure(s, b.activity(s, b.department(s), "A", [b.priority(s)]), "m")
        b.actuals(s, m, {"2024": 5, "2025": 6})
        b.target(s, m, "2024", 5)  # no target for 2025
    with database.read() as s:
        assert default_period(s, FiscalCalendar(1), AS_OF).key == "2024"


def test_with_no_targets_anywhere_the_default_period_is_the_latest_ended_year_with_data(database):
    with database.write() as s:
        m = b.measure(s, b.activity(s, b.department(s), "A", [b.priority(s)]), "m")
        b.actuals(s, m, {"2024": 5, "2025": 6})
    with database.read() as s:
        assert default_period(s, FiscalCalendar(1), AS_OF).key == "2025"


# -- evaluated in bulk: the same figures as the scalar rules, the same bytes every time ----------
def _tenths_city(database) -> None:
    """Monthly measures whose values have no exact binary form (0.1, 0.2, ...), so that a sum's
    last digits depend on the order of the additions; CityScore-style targets every month."""
    with database.write() as s:
        act = b.activity(s, b.department(s), "A", [b.priority(s)])
        for n, aggregation in enumerate(("sum", "mean", "last")):
            m = b.measure(s, act, f"m{n}", frequency="monthly", aggregation=aggregation)
            b.actuals(s, m, {f"2025-{k:02d}": k / 10 + n for k in range(1, 13)})
            b.actuals(s, m, {f"2024-{k:02d}": k / 7 for k in range(1, 13)})
            for k in range(1, 13):
                b.target(s, m, f"2025-{k:02d}", k / 10 + 0.05)


def test_cityscore_style_monthly_scores_are_exactly_the_scalar_rules_on_values_added_in_period_order(
    database,
):
    from aim import status as rules

    _tenths_city(database)
    card = _card(database, "2025")
    for n, aggregation in enumerate(("sum", "mean", "last")):
        values = [k / 10 + n for k in range(1, 13)]
        targets = [k / 10 + 0.05 for k in range(1, 13)]
        combine = {"sum": sum, "mean": lambda v: sum(v) / len(v), "last": lambda v: v[-1]}[aggregation]
        m = card.measure(f"m{n}")
        assert (m.actual, m.target) == (combine(values), combine(targets))  # exactly, not approx
        assert m.score == rules.score(combine(values), rules.Target(combine(targets)), "up")
        assert m.previous == combine([k / 7 for k in range(1, 13)])


def _physical_order(database) -> list:
    with database.read() as s:
        return [tuple(r) for r in s.execute(text("SELECT ctid, id FROM actuals ORDER BY ctid"))]


def _store_in_another_order(database) -> None:
    """Rewrite every other row: PostgreSQL writes the new versions at the end of the table, so a
    scan meets the rows in another order (as after ordinary updates)."""
    with database.write() as s:
        s.execute(text("UPDATE actuals SET value = value WHERE id % 2 = 0"))


def test_two_identical_scorecards_give_identical_bytes_when_the_rows_are_stored_in_another_order(
    database, backend
):
    _tenths_city(database)
    first = _card(database, "2025").model_dump_json()
    before = _physical_order(database) if backend == "postgresql" else None
    _store_in_another_order(database)
    if backend == "postgresql":
        assert _physical_order(database) != before  # the test means something: the order moved
    assert _card(database, "2025").model_dump_json() == first


def test_the_scorecard_api_gives_identical_bytes_for_identical_requests_whatever_the_stored_order(
    database, site
):
    import requests

    _tenths_city(database)
    url = f"{site}/api/v1/scorecard?period=2025"
    first = requests.get(url, timeout=60)
    _store_in_another_order(database)
    again = requests.get(url, timeout=60)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content


def test_scorecards_of_several_periods_from_one_scan_equal_each_periods_own_scorecard(city):
    from aim.services.scorecard import scorecards

    calendar = FiscalCalendar(1)
    periods = ["2025", "2024", "2025-Q2", "2024-Q4"]
    with city.read() as s:
        together = scorecards(s, calendar, periods, as_of=AS_OF)
        alone = [scorecard(s, calendar, p, as_of=AS_OF) for p in periods]
    assert together == alone


def test_view_models_built_without_validation_equal_validated_ones_field_for_field(city):
    from aim.schemas import MeasureStatus

    card = _card(city, "2025")
    assert card.measures
    for m in card.measures:
        assert MeasureStatus.model_validate(m.model_dump()) == m
        for name, value in m.model_dump().items():
            # Python's own types: no numpy scalar may leak into a view model.
            assert type(value) in (str, int, float, bool, list, type(None)), (name, type(value))


def test_view_models_built_without_validation_keep_their_fields_set_apart(city):
    """The models of one scorecard share one set of field names (View.trusted): neither a copy with
    changes nor a refused assignment may touch the other models' set."""
    import pydantic

    from aim.schemas import MeasureStatus

    first, second = _card(city, "2025").measures[:2]
    every = set(MeasureStatus.model_fields)
    renamed = first.model_copy(update={"name": "Renamed", "note_only_in_the_copy": 1})
    assert renamed.name == "Renamed" and "note_only_in_the_copy" in renamed.model_fields_set
    with pytest.raises(pydantic.ValidationError):
        second.name = "Changed in place"
    assert first.model_fields_set == second.model_fields_set == every
    assert second.name != "Changed in place"


def test_the_scan_beside_the_session_reads_what_the_session_would(city):
    """The whole city's scan runs on a connection of its own (aim.db.reader_beside): it gives the
    same scorecard as the scan on the session's own connection, and a transaction that has written
    (even a row set to what it was) keeps the scan on its connection, where its uncommitted changes
    are seen. An in-memory SQLite, whose other connections are other databases, never has one."""
    from aim.db import Database, reader_beside

    with city.read() as s:
        assert reader_beside(s) is city.engine
        apart = scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF)
        s.execute(text("UPDATE actuals SET value = value WHERE id = (SELECT min(id) FROM actuals)"))
        assert reader_beside(s) is None
        together = scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF)
    assert apart.model_dump_json() == together.model_dump_json()
    with city.write() as s:
        assert reader_beside(s) is city.engine  # nothing written yet
        s.execute(text("UPDATE actuals SET value = 1 WHERE period = '2025-03' AND state = 'published'"))
        assert reader_beside(s) is None
        changed = scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF)
        s.rollback()
    assert changed.model_dump_json() != apart.model_dump_json()
    with city.read() as s:  # the write rolled back: beside again, and the figures as before
        assert reader_beside(s) is city.engine
        assert (
            scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF).model_dump_json() == apart.model_dump_json()
        )
    in_memory = Database("sqlite://")
    try:
        with in_memory.read() as s:
            assert reader_beside(s) is None
    finally:
        in_memory.dispose()


def test_any_write_of_the_transaction_keeps_the_scan_on_its_connection(city):
    """What a transaction has written stays on its connection, however it was written: an UPDATE
    ... RETURNING whose rows are still unread (SQLite counts the change only once they are), DDL
    (never counted), and ORM changes not yet flushed (sent first, as an ORM query would)."""
    from sqlalchemy import update

    from aim.db import reader_beside
    from aim.models import Actual

    with city.read() as s:
        before = scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF).model_dump_json()
    with city.write() as s:
        s.execute(
            update(Actual)
            .where(Actual.period == "2025-03", Actual.state == "published")
            .values(value=1)
            .returning(Actual.id)
        )  # its rows never read
        assert reader_beside(s) is None
        assert scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF).model_dump_json() != before
        s.rollback()
    with city.write() as s:
        s.execute(text("CREATE TABLE scratch_for_the_test (a INTEGER)"))
        assert reader_beside(s) is None
        s.rollback()
    with city.read() as s:
        for actual in s.scalars(
            select(Actual).where(Actual.period == "2025-03", Actual.state == "published")
        ):
            actual.value = 1
        changed = scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF).model_dump_json()
        assert changed != before
    with city.read() as s:  # the read session rolled the flushed change back
        assert scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF).model_dump_json() == before


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///file:shared?mode=memory&cache=shared&uri=true"])
def test_an_in_memory_sqlite_never_reads_beside_even_with_a_pool(url):
    """Another connection to an in-memory SQLite is another database (or, shared, one the pool's
    threads may not use): never a reader beside, whatever pool it is given."""
    from sqlalchemy.pool import QueuePool, SingletonThreadPool

    from aim.db import Database, reader_beside

    for pool in (SingletonThreadPool, QueuePool):
        in_memory = Database(url, poolclass=pool)
        try:
            with in_memory.read() as s:
                assert reader_beside(s) is None
        finally:
            in_memory.dispose()


def test_no_periods_no_scorecards_and_many_keys_take_several_statements(city, monkeypatch):
    """No periods give no scorecards (and send no empty statement); a scan of more period keys than
    one statement takes (SQLite's column limit, or on SQLite its connection's limit of parameters,
    which the binary form of values with long tails uses many of) is read a statement at a time:
    the same figures."""
    import sqlite3

    from aim.db import Database
    from aim.models import Actual
    from aim.services import scorecard as sc

    with city.write() as s:  # values with long tails, which SQLite reads again in binary
        s.execute(
            Actual.__table__.update().where(Actual.period.like("2025-0%")).values(value=Actual.value / 3)
        )
    with city.read() as s:
        assert sc.scorecards(s, FiscalCalendar(1), [], as_of=AS_OF) == []
        whole = sc.scorecards(s, FiscalCalendar(1), ["2025", "2024"], as_of=AS_OF)
    monkeypatch.setattr(sc, "_KEYS_A_STATEMENT", 3)
    narrow = Database(city.url, pool_size=1, max_overflow=5)  # no connection to spare: the scan
    try:  # stays on the session's connection, whose limit is set here
        with narrow.read() as s:
            if city.dialect == "sqlite":  # room for the parameters of two keys' binary reads
                driver = s.connection().connection.driver_connection
                driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 300)
            apart = sc.scorecards(s, FiscalCalendar(1), ["2025", "2024"], as_of=AS_OF)
    finally:
        narrow.dispose()
    assert [c.model_dump_json() for c in whole] == [c.model_dump_json() for c in apart]
    assert any(m.actual is not None and m.actual != round(m.actual, 6) for m in whole[0].measures)


def test_no_scan_beside_the_session_when_the_pool_has_no_connection_to_spare(city):
    """With every connection of the pool lent (here the one the session holds), the scan stays on
    the session's connection rather than wait for another: the same scorecard, at once."""
    from aim.db import Database, reader_beside

    narrow = Database(city.url, pool_size=1, max_overflow=5, pool_timeout=60)
    roomy = Database(city.url, pool_size=2)
    try:
        with narrow.read() as s:
            assert reader_beside(s) is None
            alone = scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF)
        with roomy.read() as s:
            assert reader_beside(s) is roomy.engine
            beside = scorecard(s, FiscalCalendar(1), "2025", as_of=AS_OF)
    finally:
        narrow.dispose()
        roomy.dispose()
    assert alone.model_dump_json() == beside.model_dump_json()


def test_the_driver_errors_of_binary_reads_come_out_as_sqlalchemy_errors(city):
    """_binary_rows talks to psycopg itself on PostgreSQL; a failing query still raises SQLAlchemy's
    error (here sqlalchemy.exc.DataError for a division by zero), as the same query does elsewhere."""
    from sqlalchemy import literal, select
    from sqlalchemy.exc import DataError

    from aim.services.scorecard import _binary_rows

    with city.read() as s:
        assert _binary_rows(s, select(literal(6) / literal(3))) == [(2,)]
        if city.dialect != "postgresql":  # SQLite answers NULL where PostgreSQL refuses
            assert _binary_rows(s, select(literal(1) / literal(0))) == [(None,)]
            return
        with pytest.raises(DataError, match="division by zero"):
            _binary_rows(s, select(literal(1) / literal(0)))


@pytest.mark.parametrize("period", ["2025", "2025-Q3", "2025-11"])
def test_the_scan_gives_the_same_matrix_a_key_at_a_time_as_grouped(city, period):
    """On PostgreSQL the live table is scanned a period key at a time (a lateral aggregate a key)
    and a day's rebuilt source, a subquery, by one GROUP BY over all keys: the same rows as a
    subquery must give the same matrix, with months, quarters and years sharing columns."""
    import numpy as np

    from aim.models import Actual
    from aim.services import scorecard as sc

    calendar = FiscalCalendar(1)
    p = calendar.parse(period)
    plans = [sc._Plan(p, {k: sc._keys_for(calendar, p, k, AS_OF) for k in sc._kinds_within(p)})]
    live = Actual.__table__
    with city.read() as s:
        ids = sorted(s.scalars(text("SELECT DISTINCT measure_id FROM actuals")).all())
        for wanted in (None, ids[:3]):
            by_key = sc._aggregate_actuals(s, plans, wanted, live)
            grouped = sc._aggregate_actuals(s, plans, wanted, live.select().subquery())
            assert by_key.slot == grouped.slot
            # Each id's values in its row (the whole city's scan may lay rows out by id, one
            # measure's numbers them): the same either way, all NaN for an id without values,
            # one not wanted, or unknown.
            probe = [*ids, 10**6]
            mine = by_key.values[by_key.rows(probe)]
            np.testing.assert_array_equal(mine, grouped.values[grouped.rows(probe)])  # NaN where NaN
            assert (~np.isnan(mine)).sum() > 0
            with_values = {i for i, row in zip(probe, mine, strict=True) if not np.isnan(row).all()}
            assert with_values <= set(wanted or ids)
            assert np.isnan(mine[-1]).all()
            assert np.isnan(by_key.values[-1]).all()


def test_the_whole_city_scan_gives_every_stored_double_bit_for_bit(city):
    """The whole city's scan gives each value exactly as stored, whatever its digits: on SQLite the
    values come as text in millionths where those are exact, the rest (long tails, tiny, huge) in
    binary, and what is left (infinities, the tiniest and the largest) read as they are, all in
    one transaction; the same values as one measure's scan and as the rows themselves."""
    import numpy as np

    from aim.models import Actual
    from aim.services import scorecard as sc

    awkward = [81.41166666666668, 1 / 3, -2.5e-7, 123456789012.5, 1e300, -1e-300, 0.30000000000000004]
    awkward += [2.0**53 + 2, -(2.0**62), 12.345678, -0.1, 0.0, 7.0, float("inf"), 5e-324, -1.5e-310]
    awkward += [2.0**70, 2.0**70 - 2.0**18, -(2.0**-50), 2.0**-50 * 0.75, 1023.9999999999999, -(2.0**-10)]
    calendar = FiscalCalendar(1)
    p = calendar.parse("2025")
    plans = [sc._Plan(p, {k: sc._keys_for(calendar, p, k, AS_OF) for k in sc._kinds_within(p)})]
    with city.write() as s:
        rows = (
            s.execute(
                select(Actual.id)
                .where(Actual.state == "published", Actual.period.in_(sc._slots(plans)))
                .order_by(Actual.id)
            )
            .scalars()
            .all()
        )
        assert len(rows) >= len(awkward)
        for row_id, value in zip(rows, awkward, strict=False):
            s.execute(Actual.__table__.update().where(Actual.id == row_id).values(value=value))
    with city.read() as s:
        stored = s.execute(
            select(Actual.measure_id, Actual.period, Actual.value).where(
                Actual.state == "published", Actual.value.is_not(None), Actual.period.in_(sc._slots(plans))
            )
        ).all()
        ids = sorted({m for m, _, _ in stored})
        whole = sc._aggregate_actuals(s, plans)
        apart = sc._aggregate_actuals(s, plans, ids)
        for measure_id, period, value in stored:
            for scan in (whole, apart):
                got = scan.values[scan.rows([measure_id])[0], scan.slot[period]]
                assert got == value and np.signbit(got) == np.signbit(value), (measure_id, period, value)
        assert set(awkward) <= {v for _, _, v in stored}


def test_measures_whose_names_tie_come_in_code_order_and_sum_in_it(database):
    """Measures with the same department, activity and measure names (departments and activities of
    the same name, different codes) are listed by code, whatever order the database returns them in:
    the order the indexes add the scores in, so the last digits do not depend on a query plan."""
    from aim import status as rules

    with database.write() as s:
        safe = b.priority(s, "safe", "Safety", 1)
        made = []
        for code, value in (("tie-c", 4), ("tie-a", 1), ("tie-b", 1)):  # made out of code order
            dept = b.department(s, f"D-{code}", "Same department")
            act = b.activity(s, dept, f"A-{code}", [safe], name="Same activity")
            made.append(b.measure(s, act, code, name="Same name"))
            b.actuals(s, made[-1], {"2025": value})
            b.target(s, made[-1], "2025", 10)
    card = _card(database, "2025")
    assert [m.code for m in card.measures] == ["tie-a", "tie-b", "tie-c"]
    scores = [m.score for m in card.measures]
    assert scores == [0.1, 0.1, 0.4]
    # Added in that order: (0.1 + 0.1) + 0.4, whose last digit differs from 0.1 + (0.4 + 0.1)'s.
    assert card.index == rules.index(scores) == sum(scores) / 3
    assert card.priorities[0].index == card.index
    assert card.priorities[0].key_measures == ["tie-a", "tie-b", "tie-c"]


def test_a_measure_whose_activity_went_between_the_two_reads_is_left_out_not_an_error(city, monkeypatch):
    """The measures and the activities are read by two statements, on PostgreSQL each seeing the
    latest commit: a measure moved to a new activity, its old one deleted, by another connection in
    between, is left out of that one scorecard (it is gone in the form read), not a KeyError; the
    next one has it in its new activity."""
    from aim.models import Activity, Department, Measure
    from aim.services import scorecard as sc

    reads = sc._reused_rows

    def moved_in_between(session, build, params):
        if build is sc._activities_query:
            with city.write() as other:
                old = other.scalar(select(Activity).where(Activity.code == "MPD-PATROL"))
                police = other.scalar(select(Department).where(Department.code == "MPD"))
                new = b.activity(other, police, "MPD-NEW", list(old.priorities), name="New patrol")
                for measure in other.scalars(select(Measure).where(Measure.activity_id == old.id)):
                    measure.activity = new
                other.flush()
                other.delete(old)
        return reads(session, build, params)

    with monkeypatch.context() as patched:
        patched.setattr(sc, "_reused_rows", moved_in_between)
        card = _card(city, "2025")
    codes = {m.code for m in card.measures}
    others = {"jobs-placed", "youth-employment", "business-licenses"}
    if city.dialect == "postgresql":
        assert codes == others  # patrol's three gone from this one
    else:  # SQLite's read transaction is one snapshot: the city as it was before the move
        assert {m.code: m.activity_code for m in card.measures if m.code not in others} == {
            "violent-crime": "MPD-PATROL",
            "response-time": "MPD-PATROL",
            "clearance-rate": "MPD-PATROL",
        }
    after = _card(city, "2025")
    moved = {m.code: m.activity_code for m in after.measures if m.activity_code == "MPD-NEW"}
    assert moved == {"violent-crime": "MPD-NEW", "response-time": "MPD-NEW", "clearance-rate": "MPD-NEW"}
