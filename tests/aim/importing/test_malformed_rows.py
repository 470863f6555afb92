"""Malformed rows (a cell count that differs from the header's, a broken quote) in every reader:
each one is reported with its file and line, none is repaired by guessing, and nothing is written."""

from __future__ import annotations

import json

import pytest

from aim.importing import run_import, run_recipe_import
from aim.models import Activity, Actual, Department, Measure, Priority
from aim.periods import FiscalCalendar
from tests.aim.importing import othercity
from tests.aim.importing.test_import import CITY, count, write

CAL = FiscalCalendar(1)
MEASURE_HEADER = CITY["measures"].splitlines()[0]
GOOD = "m{n},MPD-PATROL,Measure {n},,count,,down,annual,sum,,output,yes,no"


def _bad(n: int) -> str:
    """Three kinds of malformed line, in turn: an unquoted comma (one cell too many), a cell too
    few, and a quote closed in the middle of a cell (which the CSV reader itself refuses)."""
    kind = n % 3
    if kind == 0:
        return f"m{n},MPD-PATROL,Measure {n}, with a comma,,count,,down,annual,sum,,output,yes,no"
    if kind == 1:
        return f"m{n},MPD-PATROL,Measure {n},,count,,down,annual,sum,,output,yes"
    return f'm{n},MPD-PATROL,"Measure" {n},,count,,down,annual,sum,,output,yes,no'


def _measures_with_bad_lines(total: int, bad: set[int]) -> str:
    lines = [MEASURE_HEADER]
    for n in range(total):
        lines.append(_bad(n) if n in bad else GOOD.format(n=n))
    return "\n".join(lines) + "\n"


# 23 bad lines: the first data line, one in the middle, the last, and 20 more between.
TOTAL = 60
BAD = {0, 30, TOTAL - 1} | set(range(2, 42, 2)) - {30} | {43}


def test_the_bad_set_is_the_one_the_issue_asks_for():
    assert len(BAD) == 23 and {0, 30, TOTAL - 1} <= BAD


def test_every_malformed_csv_line_is_reported_and_nothing_is_written(database, tmp_path):
    folder = write(tmp_path / "city", dict(CITY, measures=_measures_with_bad_lines(TOTAL, BAD)))
    report = run_import(database, CAL, folder)
    assert not report.ok
    malformed = [p for p in report.problems if p.source == "measures.csv"]
    # Row n of the data is spreadsheet row n + 2 (the header is row 1), one line each here.
    assert [p.row for p in malformed] == sorted(n + 2 for n in BAD)
    assert all(f"Line {p.row}" in p.message for p in malformed), malformed[:3]
    assert {count(database, m) for m in (Priority, Department, Activity, Measure, Actual)} == {0}


@pytest.mark.parametrize(
    "line, why",
    [
        ("m1,MPD-PATROL,Measure 1,,count,,down,annual,sum,,output,yes,no,", "14 cells but the header has 13"),
        ("m1,MPD-PATROL,Measure 1,,count,,down,annual,sum,,output,yes", "12 cells but the header has 13"),
        ('m1,MPD-PATROL,"Measure" 1,,count,,down,annual,sum,,output,yes,no', "',' expected after '\"'"),
    ],
)
def test_a_line_of_another_shape_is_refused_never_padded_or_trimmed(database, tmp_path, line, why):
    folder = write(tmp_path / "city", dict(CITY, measures=f"{MEASURE_HEADER}\n{line}\n"))
    report = run_import(database, CAL, folder)
    [problem] = [p for p in report.problems if p.source == "measures.csv"]
    assert problem.row == 2 and why in problem.message


def test_an_unclosed_quote_is_reported_from_the_line_where_it_opens(database, tmp_path):
    text = f'{MEASURE_HEADER}\n{GOOD.format(n=1)}\nm2,MPD-PATROL,"Measure 2,,count\n{GOOD.format(n=3)}\n'
    report = run_import(database, CAL, write(tmp_path / "city", dict(CITY, measures=text)))
    [problem] = [p for p in report.problems if p.source == "measures.csv"]
    assert problem.row == 3 and "never closed" in problem.message


def test_every_row_of_a_workbook_with_values_beyond_the_header_is_reported(database, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "priorities"
    sheet.append(["slug", "title"])
    for n in range(30):
        sheet.append([f"p{n}", f"Priority {n}", "stray"] if n % 10 == 0 else [f"p{n}", f"Priority {n}"])
    path = tmp_path / "city.xlsx"
    workbook.save(path)
    report = run_import(database, CAL, path)
    assert [p.row for p in report.problems] == [2, 12, 22]
    assert count(database, Priority) == 0


# -- through a recipe ----------------------------------------------------------------------------


def _export_with_bad_lines(total: int, bad: set[int]) -> str:
    lines = othercity.export_text([othercity.measure_row(n) for n in range(total)]).splitlines()
    for n in bad:
        cells = othercity.measure_row(n)
        if n % 2:  # the issue's case: an unquoted comma in the data source shifts the cells
            lines[n + 1] = ",".join(cells)
        else:
            lines[n + 1] = othercity.export_text([cells[:-1]]).splitlines()[1]  # a cell too few
    return "\n".join(lines) + "\n"


def test_a_recipe_source_reports_every_malformed_line_and_writes_nothing(database, tmp_path):
    recipe, folder = othercity.write_city(tmp_path / "other", _export_with_bad_lines(TOTAL, BAD))
    report, _ = run_recipe_import(database, CAL, recipe, folder)
    assert not report.ok
    expected = [("measures_export.csv", n + 2) for n in sorted(BAD)]
    assert [(p.source, p.row) for p in report.problems] == expected
    assert all("cells but the header has 12" in p.message for p in report.problems)
    assert {count(database, m) for m in (Department, Activity, Measure, Actual)} == {0}


def test_a_shifted_recipe_row_is_refused_as_malformed_not_mapped_with_shifted_cells(database, tmp_path):
    """The issue's case: the extra cell was dropped, so FREQUENCY_NAME held a piece of the data
    source and the row was refused for a misleading reason (or imported with wrong values)."""
    rows = [othercity.measure_row(n) for n in range(3)]
    text = othercity.export_text(rows).replace('"Workday, the City', "Workday, the City", 1)
    text = text.replace('information system"', "information system", 1)
    recipe, folder = othercity.write_city(tmp_path / "other", text)
    report, outcome = run_recipe_import(database, CAL, recipe, folder)
    [problem] = report.problems
    assert (problem.source, problem.row) == ("measures_export.csv", 2)
    assert "13 cells but the header has 12" in problem.message
    assert not outcome.refused  # not "FREQUENCY_NAME ... has no mapping"
    assert count(database, Measure) == 0


def test_the_report_json_of_a_malformed_recipe_source_lists_every_line(database, db_url, tmp_path):
    from tests.cli import run_aim

    recipe, folder = othercity.write_city(tmp_path / "other", _export_with_bad_lines(TOTAL, BAD))
    out = tmp_path / "report.json"
    env = {"AIM_DATABASE_URL": db_url}
    result = run_aim("import", "--recipe", str(recipe), str(folder), "--report-json", str(out), env=env)
    assert result.returncode == 1
    document = json.loads(out.read_text())
    assert [p["row"] for p in document["problems"]] == [n + 2 for n in sorted(BAD)]
