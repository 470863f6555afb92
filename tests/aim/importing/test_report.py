"""The refusal report: on the terminal a summary by reason, the first 50 rows and where the rest are,
one bounded line each; in --report-json every refused row, in the documented shape."""

from __future__ import annotations

import json

from aim.importing.report import LINE, Problem, by_reason, reason_of
from tests.aim.importing import othercity
from tests.aim.importing.test_import import CITY, write
from tests.cli import run_aim


def _lines(result) -> list[str]:
    return (result.stdout + result.stderr).splitlines()


def test_reasons_group_rows_whatever_their_values():
    problems = [
        Problem(
            "actuals.csv", 2, "measure", "a", "measure 'a' does not exist in this file or in the database"
        ),
        Problem(
            "actuals.csv", 3, "measure", "b", "measure 'b' does not exist in this file or in the database"
        ),
        Problem("actuals.csv", 4, "value", "x", "value is not a number"),
    ]
    assert reason_of(problems[0].message) == "measure '…' does not exist in this file or in the database"
    assert by_reason(problems) == [
        ("actuals.csv", "measure '…' does not exist in this file or in the database", 2),
        ("actuals.csv", "value is not a number", 1),
    ]


def test_a_problem_prints_on_one_line_however_long_its_value_and_message():
    problem = Problem("measures.csv", 2, "name", "x" * 5000, "name is too long: " + "y" * 5000)
    text = str(problem)
    assert "\n" not in text and len(text) <= LINE + 60


def test_the_terminal_report_of_2000_refused_rows_is_under_60_lines(database, db_url, tmp_path):
    actuals = "measure,period,value\n" + "".join(f"missing-{n},2018,{n}\n" for n in range(2000))
    folder = write(tmp_path / "bad", dict(CITY, actuals=actuals))
    out = tmp_path / "report.json"
    result = run_aim("import", str(folder), "--report-json", str(out), env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 1
    lines = _lines(result)
    assert len(lines) < 60, lines
    assert all(len(line) <= LINE + 60 for line in lines)
    assert f"and 1,950 more: see {out}" in result.stderr
    assert "refused   2,000 actuals.csv: measure '…' does not exist" in result.stderr
    document = json.loads(out.read_text())
    assert len(document["problems"]) == 2000
    assert document["problems"][0] == {
        "source": "actuals.csv",
        "row": 2,
        "column": "measure",
        "value": "missing-0",
        "message": "measure 'missing-0' does not exist in this file or in the database",
    }
    assert document["problems_by_reason"] == [
        {
            "source": "actuals.csv",
            "reason": "measure '…' does not exist in this file or in the database",
            "rows": 2000,
        }
    ]


def test_without_report_json_the_terminal_says_how_to_see_the_rest(database, db_url, tmp_path):
    actuals = "measure,period,value\n" + "".join(f"missing-{n},2018,{n}\n" for n in range(60))
    folder = write(tmp_path / "bad", dict(CITY, actuals=actuals))
    result = run_aim("import", str(folder), env={"AIM_DATABASE_URL": db_url})
    assert "and 10 more: see them all with --report-json FILE" in result.stderr


def test_a_recipe_lists_its_refused_rows_with_file_row_column_and_value(database, db_url, tmp_path):
    rows = [othercity.measure_row(n) for n in range(2000)]
    for row in rows:
        row[6] = "Maintain"
    recipe, folder = othercity.write_city(tmp_path / "other", rows)
    out = tmp_path / "report.json"
    env = {"AIM_DATABASE_URL": db_url}
    result = run_aim("import", "--recipe", str(recipe), str(folder), "--report-json", str(out), env=env)
    assert result.returncode == 0, result.stderr
    lines = _lines(result)
    assert len(lines) < 60, lines
    assert (
        "    measures from measures_export.csv, row 2, column DIRECTION: DIRECTION 'Maintain' has no "
        "mapping in the recipe (known: decrease, increase)" in lines
    )
    document = json.loads(out.read_text())
    refused = document["recipe"]["refused"]
    assert len([r for r in refused if r["source"].startswith("measures")]) == 2000
    assert refused[0] == {
        "source": "measures from measures_export.csv",
        "row": 2,
        "column": "DIRECTION",
        "value": "Maintain",
        "message": "DIRECTION 'Maintain' has no mapping in the recipe (known: decrease, increase)",
    }
    by_reason = {(r["source"], r["reason"]): r["rows"] for r in document["recipe"]["refused_by_reason"]}
    assert (
        by_reason[
            (
                "measures from measures_export.csv",
                "DIRECTION '…' has no mapping in the recipe (known: decrease, increase)",
            )
        ]
        == 2000
    )
