"""The importer end to end, on SQLite and PostgreSQL: all or nothing, every bad row reported with
where and why, idempotent, revisions for changes, CSV folders and xlsx workbooks alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aim.importing import run_import
from aim.models import Activity, Actual, ActualRevision, Budget, CityInfo, Measure, Priority, Target
from aim.periods import FiscalCalendar

CAL = FiscalCalendar(1)

CITY = {
    "city": "name,demonstration,notice\nTest City,yes,Figures made up for tests.\n",
    "priorities": "slug,title,description,sort_order\nsafe,Safety,Safe streets,1\nwork,Jobs,,2\n",
    "departments": "code,name,description\nMPD,Police,\nDCD,City Development,Jobs and housing\n",
    "activities": (
        "code,department,name,description,priorities\n"
        "MPD-PATROL,MPD,Patrol,,safe\n"
        "DCD-JOBS,DCD,Transitional jobs,,work; safe\n"
    ),
    "measures": (
        "code,activity,name,definition,unit_kind,unit_label,direction,frequency,aggregation,tolerance,"
        "measure_type,is_public,is_key\n"
        "violent-crimes,MPD-PATROL,Violent crimes,Part 1 violent crimes,count,crimes,down,monthly,sum,10%,"
        "outcome,yes,yes\n"
        "jobs-filled,DCD-JOBS,Transitional jobs filled,,count,jobs,up,annual,sum,,output,true,false\n"
        "overtime,MPD-PATROL,Overtime hours,,count,hours,down,annual,sum,0.05,efficiency,no,no\n"
        "vacancy,DCD-JOBS,Vacancy rate,,percent,,range,annual,mean,,outcome,yes,no\n"
    ),
    "targets": (
        "measure,period,value,low,high\n"
        'violent-crimes,2018,"8,500",,\n'
        "jobs-filled,2018,130,,\n"
        "vacancy,2018,,4,6\n"
    ),
    "actuals": (
        "measure,period,value,explanation,state\n"
        'violent-crimes,2018-01," 701 ",,\n'
        "violent-crimes,2018-02,N/A,Records system outage,published\n"
        "jobs-filled,2018,130,,Published\n"
        'overtime,2018,"12,345",,draft\n'
        "vacancy,2018,5.5%,,\n"
    ),
    "budgets": (
        'activity,fiscal_year,adopted,expenditure,fte\nDCD-JOBS,2018,"$1,700,000","$1,650,321.50",4.5\n'
    ),
}


def write(folder: Path, tables: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def count(database, model) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_whole_city_is_imported_with_messy_values_read(database, tmp_path):
    report = run_import(database, CAL, write(tmp_path / "city", CITY))
    assert report.ok, report.problems
    assert {t: c.created for t, c in report.counts.items()} == {
        "city": 1,
        "priorities": 2,
        "departments": 2,
        "activities": 2,
        "measures": 4,
        "targets": 3,
        "actuals": 5,
        "budgets": 1,
    }
    with database.read() as s:
        values = dict(
            s.execute(
                select(Actual.period, Actual.value).join(Measure).where(Measure.code == "violent-crimes")
            ).all()
        )
        assert values == {"2018-01": 701.0, "2018-02": None}
        assert (
            s.scalar(select(Actual.state).where(Actual.period == "2018", Actual.value == 130)) == "published"
        )
        assert (
            s.scalar(
                select(Target.value)
                .where(Target.period == "2018", Target.value.is_not(None))
                .join(Measure)
                .where(Measure.code == "violent-crimes")
            )
            == 8500
        )
        jobs = s.scalars(select(Activity).where(Activity.code == "DCD-JOBS")).one()
        assert sorted(p.slug for p in jobs.priorities) == ["safe", "work"]
        measure = s.scalars(select(Measure).where(Measure.code == "violent-crimes")).one()
        assert (measure.tolerance, measure.is_key, measure.unit_label) == (0.10, True, "crimes")
        assert s.scalars(select(Measure.is_public).where(Measure.code == "overtime")).one() is False
        budget = s.scalars(select(Budget)).one()
        assert (float(budget.adopted), float(budget.expenditure), float(budget.fte)) == (
            1700000,
            1650321.5,
            4.5,
        )
        info = s.get(CityInfo, 1)
        assert (info.name, info.demonstration) == ("Test City", True)
        assert info.data_updated_at is not None
        # Every new value has its first revision, recording who and from which file.
        revisions = s.execute(
            select(ActualRevision.version, ActualRevision.changed_by, ActualRevision.reason)
        ).all()
        assert len(revisions) == 5 and set(revisions) == {(1, "import", "city")}


def test_importing_the_same_files_again_changes_nothing(database, tmp_path):
    folder = write(tmp_path / "city", CITY)
    assert run_import(database, CAL, folder).ok
    with database.read() as s:
        stamp = s.get(CityInfo, 1).data_updated_at
    again = run_import(database, CAL, folder)
    assert again.ok and not again.changed
    assert all(c.created == 0 and c.updated == 0 for c in again.counts.values())
    assert count(database, ActualRevision) == 5
    with database.read() as s:
        assert s.get(CityInfo, 1).data_updated_at == stamp  # nothing changed, so not "updated"


def test_a_changed_value_updates_that_row_and_writes_a_revision(database, tmp_path):
    assert run_import(database, CAL, write(tmp_path / "v1", CITY)).ok
    changed = dict(CITY, actuals=CITY["actuals"].replace('" 701 "', "702"))
    report = run_import(database, CAL, write(tmp_path / "v2", changed), who="ana@example.org")
    assert report.ok and report.counts["actuals"].updated == 1 and report.counts["actuals"].unchanged == 4
    with database.read() as s:
        actual = s.scalars(select(Actual).where(Actual.period == "2018-01")).one()
        assert (actual.value, actual.version, actual.updated_by) == (702.0, 2, "ana@example.org")
        last = s.scalars(
            select(ActualRevision)
            .where(ActualRevision.actual_id == actual.id)
            .order_by(ActualRevision.id.desc())
        ).first()
        assert (last.old_value, last.new_value, last.version, last.changed_by, last.reason) == (
            701.0,
            702.0,
            2,
            "ana@example.org",
            "v2",
        )


def test_bad_rows_at_the_start_middle_and_end_write_nothing_and_are_each_reported(database, tmp_path):
    actuals = ["measure,period,value"]
    actuals += [f"violent-crimes,2019-{m:02d},{700 + m}" for m in range(1, 13)]
    actuals[1] = "violent-crimes,2019-01,lots"  # start (spreadsheet row 2)
    actuals[6] = "violent-crimes,2019-6,701"  # middle (row 7)
    actuals[12] = "violnt-crimes,2019-12,700"  # end (row 13): unknown measure
    bad = dict(
        CITY,
        actuals="\n".join(actuals) + "\n",
        measures=CITY["measures"].replace("outcome,yes,yes", "outcome,yes,maybe"),
    )
    report = run_import(database, CAL, write(tmp_path / "bad", bad))
    assert not report.ok
    found = {(p.source, p.row, p.column) for p in report.problems}
    assert found == {
        ("actuals.csv", 2, "value"),
        ("actuals.csv", 7, "period"),
        ("actuals.csv", 13, "measure"),
        ("measures.csv", 2, "is_key"),
    }  # and the rows of violent-crimes, whose own row is refused, are not reported again
    messages = {p.row: p.message for p in report.problems if p.source == "actuals.csv"}
    assert messages[2] == "value must be a number; got 'lots'"
    assert "2019-6" in messages[7]
    for model in (Priority, Measure, Actual, Target, Budget, ActualRevision, CityInfo):
        assert count(database, model) == 0


def test_unknown_references_are_errors_with_their_row_numbers(database, tmp_path):
    bad = dict(CITY)
    bad["activities"] = CITY["activities"] + "MPD-X,MPDD,Unknown department,,safe; nowhere\n"
    bad["actuals"] = CITY["actuals"] + "violnt-crimes,2018-03,700,,\n"
    bad["budgets"] = CITY["budgets"] + "DCD-JOB,2018,100,,\n"
    report = run_import(database, CAL, write(tmp_path / "refs", bad))
    assert sorted((p.source, p.row, p.column, p.message) for p in report.problems) == [
        (
            "activities.csv",
            4,
            "department",
            "department 'MPDD' does not exist in this file or in the database",
        ),
        (
            "activities.csv",
            4,
            "priorities",
            "priority 'nowhere' does not exist in this file or in the database",
        ),
        (
            "actuals.csv",
            7,
            "measure",
            "measure 'violnt-crimes' does not exist in this file or in the database",
        ),
        ("budgets.csv", 3, "activity", "activity 'DCD-JOB' does not exist in this file or in the database"),
    ]
    assert count(database, Measure) == 0


def test_references_may_point_at_rows_already_in_the_database(database, tmp_path):
    assert run_import(database, CAL, write(tmp_path / "city", CITY)).ok
    later = {"actuals": "measure,period,value\nviolent-crimes,2018-03,650\n"}
    report = run_import(database, CAL, write(tmp_path / "later", later))
    assert report.ok and report.counts["actuals"].created == 1


@pytest.mark.parametrize(
    "text, line_hint",
    [
        (
            'measure,period,value\nviolent-crimes,2018-01,"701\nviolent-crimes,2018-02,702\n',
            "Line 2 opens a quoted value",
        ),
        (
            "measure,period,value\nviolent-crimes,2018-01,701\nviolent-crimes,2018-02,702,extra,cells\n",
            "Line 3 has 5 cells but the header has 3",
        ),
    ],
)
def test_malformed_csv_is_reported_with_its_line_number_not_a_traceback(database, tmp_path, text, line_hint):
    folder = write(tmp_path / "malformed", {"actuals": text})
    report = run_import(database, CAL, folder)
    assert not report.ok
    assert any(line_hint in p.message for p in report.problems), report.problems


def test_unknown_and_missing_columns_are_refused(database, tmp_path):
    folder = write(tmp_path / "cols", {"measures": "code,activity,name,directon\nx,A,X,up\n"})
    messages = [p.message for p in run_import(database, CAL, folder).problems]
    assert any("Unknown column 'directon'" in m for m in messages)
    assert any("Required column 'direction' is missing" in m for m in messages)


def test_a_value_for_the_wrong_kind_of_period_is_refused(database, tmp_path):
    bad = dict(CITY, actuals=CITY["actuals"] + "jobs-filled,2018-Q1,30,,\n")
    report = run_import(database, CAL, write(tmp_path / "kind", bad))
    assert [p.message for p in report.problems] == [
        "period must be a year for the annual measure 'jobs-filled'; got a quarter"
    ]


def test_targets_must_fit_the_measure_direction(database, tmp_path):
    bad = dict(CITY, targets=CITY["targets"] + "vacancy,2019,5,,\njobs-filled,2019,,1,2\n")
    report = run_import(database, CAL, write(tmp_path / "t", bad))
    assert sorted(p.message for p in report.problems) == [
        "measure 'jobs-filled' goes up: its target needs a value",
        "measure 'vacancy' is a range measure: its target needs low and high",
    ]


def test_duplicate_keys_in_a_file_are_refused(database, tmp_path):
    bad = dict(CITY, actuals=CITY["actuals"] + "violent-crimes,2018-01,9,,\n")
    report = run_import(database, CAL, write(tmp_path / "dup", bad))
    assert [(p.row, p.message) for p in report.problems] == [
        (7, "Duplicate actual violent-crimes 2018-01: the same as row 2.")
    ]


def test_a_dry_run_reports_what_would_change_and_writes_nothing(database, tmp_path):
    report = run_import(database, CAL, write(tmp_path / "city", CITY), dry_run=True)
    assert report.ok and report.counts["actuals"].created == 5
    assert count(database, Measure) == 0 and count(database, Actual) == 0


def test_columns_absent_from_a_file_keep_their_values(database, tmp_path):
    assert run_import(database, CAL, write(tmp_path / "city", CITY)).ok
    renamed = {
        "measures": "code,activity,name,unit_kind,direction,frequency,aggregation,measure_type\n"
        "overtime,MPD-PATROL,Overtime hours worked,count,down,annual,sum,efficiency\n"
    }
    report = run_import(database, CAL, write(tmp_path / "rename", renamed))
    assert report.ok and report.counts["measures"].updated == 1
    with database.read() as s:
        overtime = s.scalars(select(Measure).where(Measure.code == "overtime")).one()
        assert overtime.name == "Overtime hours worked"
        assert overtime.is_public is False and overtime.tolerance == 0.05  # not reset to defaults


def test_a_measure_cannot_change_frequency_once_it_has_values(database, tmp_path):
    assert run_import(database, CAL, write(tmp_path / "city", CITY)).ok
    bad = {"measures": CITY["measures"].replace("down,monthly,sum", "down,annual,sum")}
    report = run_import(database, CAL, write(tmp_path / "freq", bad))
    assert [p.message for p in report.problems] == [
        "frequency cannot change from monthly to annual: the measure already has values in the database"
    ]


def test_a_workbook_with_one_sheet_per_table_imports_like_csv(database, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, text in CITY.items():
        sheet = workbook.create_sheet(name)
        for line in text.strip().split("\n"):
            import csv

            sheet.append(next(csv.reader([line])))
    notes = workbook.create_sheet("Notes")
    notes.append(["not a table"])
    sheet = workbook["actuals"]
    sheet.append(["violent-crimes", "2018-03", 650.0])  # a real number cell
    sheet.append(["vacancy", "2019", 0.047])  # a cell formatted as a percentage
    sheet.cell(row=sheet.max_row, column=3).number_format = "0.0%"
    path = tmp_path / "city.xlsx"
    workbook.save(path)
    report = run_import(database, CAL, path)
    assert report.ok, report.problems
    assert report.ignored == ["sheet Notes"]
    with database.read() as s:
        values = dict(s.execute(select(Actual.period, Actual.value)).all())
    assert values["2018-03"] == 650.0
    assert values["2019"] == pytest.approx(4.7)  # what the user sees: 4.7%


def test_a_workbook_reports_its_sheet_and_row(database, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "priorities"
    sheet.append(["slug", "title"])
    sheet.append(["Safe Streets", "Safety"])
    path = tmp_path / "bad.xlsx"
    workbook.save(path)
    [problem] = run_import(database, CAL, path).problems
    assert (problem.source, problem.row, problem.column) == ("bad.xlsx, sheet priorities", 2, "slug")
    assert "lower-case letters, digits and hyphens" in problem.message


def test_report_json_lists_every_problem(database, tmp_path):
    from tests.cli import run_aim

    folder = write(tmp_path / "bad", {"priorities": "slug,title\nBad Slug,X\nok,\n"})
    out = tmp_path / "report.json"
    db_url = str(database.engine.url.render_as_string(hide_password=False))
    result = run_aim("import", str(folder), "--report-json", str(out), env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 1
    assert "2 problem(s) found" in result.stderr and "nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(out.read_text())
    assert report["ok"] is False and report["written"] is False
    assert [(p["row"], p["column"]) for p in report["problems"]] == [(2, "slug"), (3, "title")]
    assert report["problems"][1]["message"] == "title is required"


def test_the_cli_import_succeeds_quietly_without_a_terminal(database, tmp_path):
    from tests.cli import run_aim

    db_url = str(database.engine.url.render_as_string(hide_password=False))
    result = run_aim("import", str(write(tmp_path / "city", CITY)), env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 0, result.stderr
    assert "Imported" in result.stdout and result.stderr == ""  # no progress bar when not a TTY
    dry = run_aim("import", str(tmp_path / "city"), "--dry-run", env={"AIM_DATABASE_URL": db_url})
    assert dry.returncode == 0 and "dry run, nothing written" in dry.stdout
