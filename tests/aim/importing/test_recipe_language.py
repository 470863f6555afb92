"""The recipe language on another city's shape of export: tables sharing one source file, workbooks,
composite keys, relative year columns, defaults, override files, pattern maps and key measures."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from aim.importing import run_recipe_import
from aim.importing.recipes import RecipeError, load_recipe
from aim.models import Activity, Actual, Department, Measure
from aim.periods import FiscalCalendar
from tests.aim.importing import othercity
from tests.aim.importing.test_import import count

CAL = FiscalCalendar(1)


def _rows(n: int = 3) -> list[list[str]]:
    return [othercity.measure_row(i, dept="HR" if i % 2 else "FIN", program=f"P{i % 2}") for i in range(n)]


def _measures(database) -> dict[str, Measure]:
    with database.read() as s:
        measures = {m.code: m for m in s.scalars(select(Measure))}
        s.expunge_all()  # read after the session closes
        return measures


def test_tables_mapped_from_one_file_do_not_overwrite_each_other(database, tmp_path):
    """The regression: departments, activities and measures all read the export and all write
    `code` and `name`; they used to share the row objects, so the last table's values won."""
    recipe, folder = othercity.write_city(tmp_path / "other", _rows(4))
    report, outcome = run_recipe_import(database, CAL, recipe, folder)
    assert report.ok, report.problems
    assert not outcome.refused
    with database.read() as s:
        assert dict(s.execute(select(Department.code, Department.name)).all()) == {
            "FIN": "Finance",
            "HR": "Human Resources",
        }
        assert {a.code: a.name for a in s.scalars(select(Activity))} == {
            "P0": "Program P0",
            "P1": "Program P1",
        }
    assert sorted(_measures(database)) == ["M000", "M001", "M002", "M003"]
    assert count(database, Actual) == 8


def test_a_recipe_reads_a_sheet_of_the_workbook_given_as_path(database, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "Read me"
    sheet = workbook.create_sheet("Measures")
    sheet.append(othercity.HEADER)
    for row in _rows(3):
        sheet.append([int(c) if c.isdigit() else c for c in row])
    path = tmp_path / "export.xlsx"
    workbook.save(path)
    document = othercity.recipe(files={"export": {"sheet": "Measures"}})
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps(document))
    report, outcome = run_recipe_import(database, CAL, recipe, path)
    assert report.ok, report.problems
    assert outcome.read == {"export.xlsx, sheet Measures": 3}
    assert count(database, Measure) == 3 and count(database, Actual) == 6


def test_a_recipe_names_a_workbook_file_and_sheet_in_a_folder(database, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(othercity.HEADER)
    for row in _rows(2):
        workbook.active.append(row)
    workbook.active.title = "FY24"
    workbook.save(tmp_path / "plan.xlsx")
    document = othercity.recipe(files={"export": {"file": "plan.xlsx", "sheet": "FY24"}})
    (tmp_path / "recipe.json").write_text(json.dumps(document))
    report, _ = run_recipe_import(database, CAL, tmp_path / "recipe.json", tmp_path)
    assert report.ok, report.problems
    assert count(database, Measure) == 2


def test_a_missing_sheet_names_the_sheets_there_are(database, tmp_path):
    from openpyxl import Workbook

    Workbook().save(tmp_path / "plan.xlsx")
    document = othercity.recipe(files={"export": {"sheet": "Measures"}})
    (tmp_path / "recipe.json").write_text(json.dumps(document))
    with pytest.raises(RecipeError, match="no sheet 'Measures' \\(it has: Sheet\\)"):
        run_recipe_import(database, CAL, tmp_path / "recipe.json", tmp_path / "plan.xlsx")


def test_a_misspelt_source_column_is_refused_not_read_as_empty(database, tmp_path):
    document = othercity.recipe()
    document["tables"]["measures"]["columns"]["data_source"] = {"column": "DATA SOURCE"}
    recipe, folder = othercity.write_city(tmp_path / "other", _rows(), document)
    with pytest.raises(RecipeError, match="tables.measures reads column\\(s\\) 'DATA SOURCE'"):
        run_recipe_import(database, CAL, recipe, folder)


def test_composite_keys_join_a_code_unique_only_within_its_department(database, tmp_path):
    rows = [
        othercity.measure_row(0, dept="HR", program="ADMIN"),
        othercity.measure_row(1, dept="FIN", program="ADMIN"),
    ]
    document = othercity.recipe()
    tables = document["tables"]
    tables["activities"]["columns"]["code"] = {"columns": ["DEPT_CODE", "PROGRAM_CODE"]}
    tables["measures"]["columns"]["activity"] = {"columns": ["DEPT_CODE", "PROGRAM_CODE"]}
    recipe, folder = othercity.write_city(tmp_path / "other", rows, document)
    report, _ = run_recipe_import(database, CAL, recipe, folder)
    assert report.ok, report.problems
    with database.read() as s:
        got = s.execute(select(Activity.code, Department.code).join(Department)).all()
        assert sorted(got) == [("FIN-ADMIN", "FIN"), ("HR-ADMIN", "HR")]
        owner = s.execute(select(Measure.code, Activity.code).join(Activity)).all()
        assert sorted(owner) == [("M000", "HR-ADMIN"), ("M001", "FIN-ADMIN")]


def test_relative_year_columns_are_resolved_against_the_base_year(database, tmp_path):
    header = ["MEASURE_ID", "MEASURE_NAME", "Current FY", "Prior Year 1", "Prior Year 2", "Next Year Target"]
    text = ",".join(header) + "\nM1,Permits issued,300,280,250,320\n"
    (tmp_path / "export.csv").write_text(text)
    document = {
        "title": "Relative years",
        "fiscal_year_start_month": 1,
        "base_year": 2025,
        "files": {"export": "export.csv"},
        "tables": {
            "departments": {
                "source": "export",
                "distinct": True,
                "columns": {"code": {"value": "CITY"}, "name": {"value": "City"}},
            },
            "activities": {
                "source": "export",
                "distinct": True,
                "columns": {
                    "code": {"value": "ALL"},
                    "department": {"value": "CITY"},
                    "name": {"value": "All"},
                },
            },
            "measures": {
                "source": "export",
                "defaults": {
                    "direction": "up",
                    "unit_kind": "count",
                    "frequency": "annual",
                    "aggregation": "sum",
                    "measure_type": "output",
                },
                "columns": {
                    "code": {"column": "MEASURE_ID"},
                    "activity": {"value": "ALL"},
                    "name": {"column": "MEASURE_NAME"},
                },
            },
            "actuals": {
                "source": "export",
                "unpivot": {"columns": "^(?:Current FY|Prior Year (?P<back>\\d))$", "period": "{year}"},
                "columns": {
                    "measure": {"column": "MEASURE_ID"},
                    "period": {"column": "period"},
                    "value": {"column": "value"},
                },
            },
            "targets": {
                "source": "export",
                "unpivot": {"columns": "^Next Year (?P<ahead>)Target$", "period": "{year}"},
                "columns": {
                    "measure": {"column": "MEASURE_ID"},
                    "period": {"column": "period"},
                    "value": {"column": "value"},
                },
            },
        },
    }
    (tmp_path / "recipe.json").write_text(json.dumps(document))
    report, _ = run_recipe_import(database, CAL, tmp_path / "recipe.json", tmp_path)
    assert report.ok, report.problems
    with database.read() as s:
        assert dict(s.execute(select(Actual.period, Actual.value)).all()) == {
            "2025": 300,
            "2024": 280,
            "2023": 250,
        }
    measure = _measures(database)["M1"]
    assert (measure.direction, measure.unit_kind, measure.frequency) == ("up", "count", "annual")


def test_relative_year_columns_without_a_base_year_are_refused(tmp_path):
    document = othercity.recipe()
    document["tables"]["actuals"]["unpivot"] = {"columns": "^Prior Year (?P<back>\\d)$", "period": "{year}"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    with pytest.raises(RecipeError, match="declare the recipe's base_year"):
        load_recipe(path)


def test_an_override_file_says_what_the_export_does_not(database, tmp_path):
    rows = _rows(3)
    rows[1][6] = ""  # no direction for M001
    rows[2][6] = "Maintain"  # and one the recipe cannot map
    document = othercity.recipe()
    document["tables"]["measures"]["overrides"] = {"file": "overrides.csv"}
    recipe, folder = othercity.write_city(tmp_path / "other", rows, document)
    (folder / "overrides.csv").write_text(
        "code,direction,unit_kind,is_key\nM001,down,,yes\nM002,range,percent,\n"
    )
    report, outcome = run_recipe_import(database, CAL, recipe, folder)
    assert report.ok, report.problems
    assert not outcome.refused
    got = {c: (m.direction, m.unit_kind, m.is_key) for c, m in _measures(database).items()}
    assert got == {
        "M000": ("up", "count", False),
        "M001": ("down", "count", True),
        "M002": ("range", "percent", False),
    }


def test_an_override_file_with_an_unknown_column_is_refused(database, tmp_path):
    document = othercity.recipe()
    document["tables"]["measures"]["overrides"] = {"file": "overrides.csv"}
    recipe, folder = othercity.write_city(tmp_path / "other", _rows(), document)
    (folder / "overrides.csv").write_text("code,directon\nM001,down\n")
    with pytest.raises(RecipeError, match="unknown: directon"):
        run_recipe_import(database, CAL, recipe, folder)


def test_a_pattern_map_reads_what_an_exact_map_would_miss(database, tmp_path):
    rows = _rows(3)
    rows[0][6], rows[1][6], rows[2][6] = "Increase is better", "LOWER IS BETTER", "increase"
    document = othercity.recipe()
    document["tables"]["measures"]["columns"]["direction"] = {
        "column": "DIRECTION",
        "map": {"increase": "up"},
        "patterns": {"^increase\\b": "up", "\\blower\\b": "down"},
    }
    recipe, folder = othercity.write_city(tmp_path / "other", rows, document)
    report, _ = run_recipe_import(database, CAL, recipe, folder)
    assert report.ok, report.problems
    assert {c: m.direction for c, m in _measures(database).items()} == {
        "M000": "up",
        "M001": "down",
        "M002": "up",
    }


def test_an_unmapped_value_is_refused_with_a_message_of_one_line(database, tmp_path):
    rows = _rows(1)
    rows[0][6] = "Stay the same " * 20
    document = othercity.recipe()
    document["tables"]["measures"]["columns"]["direction"]["map"] = {f"word {n}": "up" for n in range(300)}
    recipe, folder = othercity.write_city(tmp_path / "other", rows, document)
    _, outcome = run_recipe_import(database, CAL, recipe, folder)
    [refused] = [p for p in outcome.refused if p.source.startswith("measures")]
    assert "and 292 more" in refused.message and len(str(refused)) <= 200


@pytest.mark.parametrize("how", ["list", "rule"])
def test_a_recipe_chooses_key_measures_by_a_list_or_a_rule(database, tmp_path, how):
    document = othercity.recipe()
    rows = _rows(3)
    if how == "list":
        document["key_measures"] = ["M000", "M002"]
    else:
        rows[0][5] = rows[2][5] = "Outcome: residents served"
        document["tables"]["measures"]["columns"]["is_key"] = {
            "column": "MEASURE_NAME",
            "patterns": {"^outcome\\b": "true"},
            "default": "false",
        }
    recipe, folder = othercity.write_city(tmp_path / "other", rows, document)
    report, _ = run_recipe_import(database, CAL, recipe, folder)
    assert report.ok, report.problems
    assert {c for c, m in _measures(database).items() if m.is_key} == {"M000", "M002"}


def test_a_key_measure_the_source_does_not_hold_stops_the_import(database, tmp_path):
    document = othercity.recipe(key_measures=["M000", "M999"])
    recipe, folder = othercity.write_city(tmp_path / "other", _rows(), document)
    report, _ = run_recipe_import(database, CAL, recipe, folder)
    [problem] = report.problems
    assert "'M999'" in problem.message and count(database, Measure) == 0


def test_a_workbook_given_to_a_recipe_of_csv_files_says_what_is_missing(database, tmp_path):
    """The issue's case: an .xlsx given as PATH used to fail with "Not a directory"."""
    from openpyxl import Workbook

    Workbook().save(tmp_path / "export.xlsx")
    (tmp_path / "recipe.json").write_text(json.dumps(othercity.recipe()))
    with pytest.raises(RecipeError, match="there is no file 'measures_export.csv' in"):
        run_recipe_import(database, CAL, tmp_path / "recipe.json", tmp_path / "export.xlsx")


def test_a_source_column_named_twice_stops_the_import(database, tmp_path):
    text = othercity.export_text(_rows(2)).replace("FY2024", "FY2023", 1)
    recipe, folder = othercity.write_city(tmp_path / "other", text)
    report, _ = run_recipe_import(database, CAL, recipe, folder)
    [problem] = report.problems
    assert (problem.row, problem.column) == (1, "FY2023") and "appears twice" in problem.message
    assert count(database, Measure) == 0


def test_a_key_overridden_twice_stops_the_import(database, tmp_path):
    document = othercity.recipe()
    document["tables"]["measures"]["overrides"] = {"file": "overrides.csv"}
    recipe, folder = othercity.write_city(tmp_path / "other", _rows(), document)
    (folder / "overrides.csv").write_text("code,direction\nM001,down\nM001,up\n")
    report, _ = run_recipe_import(database, CAL, recipe, folder)
    [problem] = report.problems
    assert (problem.source, problem.row) == ("overrides.csv", 3) and "overridden twice" in problem.message
    assert count(database, Measure) == 0


def test_overrides_are_refused_for_a_table_keyed_by_two_columns(tmp_path):
    document = othercity.recipe()
    document["tables"]["actuals"]["overrides"] = {"file": "overrides.csv"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(document))
    with pytest.raises(RecipeError, match="only tables with a one-column key"):
        load_recipe(path)
