"""The optional `is_output` column of the measures table: an activity names the measures that count
what it produces, the denominator of its cost per unit. Only output measures counting units may."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aim.importing import run_import
from aim.models import Measure
from aim.periods import FiscalCalendar
from tests import builders as b
from tests.aim.importing.test_import import CITY, write

CAL = FiscalCalendar(1)
HEADER = "code,activity,name,unit_kind,direction,frequency,aggregation,measure_type,is_output\n"


def outputs(database) -> dict[str, bool]:
    with database.read() as s:
        return {code: flag for code, flag in s.execute(select(Measure.code, Measure.is_output))}


def test_a_city_without_the_column_has_no_outputs(database, tmp_path):
    assert run_import(database, CAL, write(tmp_path / "city", CITY)).ok
    assert not any(outputs(database).values())


def test_an_output_measure_counting_units_is_named_the_activity_output(database, tmp_path):
    assert run_import(database, CAL, write(tmp_path / "city", CITY)).ok
    named = {
        "measures": HEADER + "jobs-filled,DCD-JOBS,Transitional jobs filled,count,up,annual,sum,output,yes\n"
    }
    report = run_import(database, CAL, write(tmp_path / "outputs", named))
    assert report.ok, report.problems
    assert report.counts["measures"].updated == 1
    assert outputs(database) == {
        "violent-crimes": False,
        "jobs-filled": True,
        "overtime": False,
        "vacancy": False,
    }
    # A later file without the column leaves the choice as it is.
    again = {
        "measures": HEADER.replace(",is_output", "")
        + "jobs-filled,DCD-JOBS,Jobs filled,count,up,annual,sum,output\n"
    }
    assert run_import(database, CAL, write(tmp_path / "again", again)).ok
    assert outputs(database)["jobs-filled"] is True


@pytest.mark.parametrize(
    "row, why",
    [
        ("vacancy,DCD-JOBS,Vacancy rate,percent,range,annual,mean,outcome,true", "outcome, percent"),
        ("jobs-filled,DCD-JOBS,Jobs filled,percent,up,annual,sum,output,true", "output, percent"),
        ("overtime,MPD-PATROL,Overtime hours,count,down,annual,sum,efficiency,true", "efficiency, count"),
    ],
)
def test_only_output_measures_counting_units_may_be_outputs(database, tmp_path, row, why):
    assert run_import(database, CAL, write(tmp_path / "city", CITY)).ok
    report = run_import(database, CAL, write(tmp_path / "bad", {"measures": HEADER + row + "\n"}))
    assert not report.ok
    [problem] = report.problems
    assert problem.source == "measures.csv" and problem.row == 2
    assert (
        "is_output is only for measures whose measure_type is output and unit_kind is count"
        in problem.message
    )
    assert why in problem.message
    assert not any(outputs(database).values())


def test_the_database_refuses_an_output_that_is_not_a_count_of_units(database):
    with pytest.raises(IntegrityError), database.write() as s:
        patrol = b.activity(s, b.department(s), "MPD-PATROL", [])
        b.measure(s, patrol, "response-time", unit_kind="duration", measure_type="output", is_output=True)
