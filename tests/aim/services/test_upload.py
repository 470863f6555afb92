"""Uploading a department's values on both databases: a good CSV or workbook becomes drafts; one bad
row means nothing is written and every problem is listed with its row and column."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

from aim.models import Actual
from aim.services.upload import upload_drafts
from tests.aim.services.test_figures import city, editor  # noqa: F401 - the fixture

TODAY = date(2026, 3, 10)


def _upload(database, calendar, user, name: str, content: bytes):
    with database.write() as s:
        result = upload_drafts(s, calendar, name, content, user=user, today=TODAY)
        if not result.ok:
            s.rollback()
        return result


def _count(database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(Actual)) or 0


def test_a_good_csv_becomes_drafts(database, calendar, city):  # noqa: F811
    csv = b"measure,period,value,explanation\ncrime,2026-01,95,\ncrime,2026-02,150,A heat wave.\n"
    result = _upload(database, calendar, editor(city), "values.csv", csv)
    assert (result.ok, result.saved) == (True, 2)
    with database.read() as s:
        assert {(a.period, a.value, a.state) for a in s.scalars(select(Actual))} == {
            ("2026-01", 95, "draft"),
            ("2026-02", 150, "draft"),
        }


def test_every_bad_row_is_shown_with_its_row_and_column_and_nothing_is_written(database, calendar, city):  # noqa: F811
    csv = (
        b"measure,period,value,explanation\n"
        b"crime,2026-01,95,\n"  # good
        b"crime,2026-02,lots,\n"  # not a number
        b"crime,2026-03,150,\n"  # off track without an explanation
        b"cleared,2026-01,140,\n"  # a percent above 100
        b"crime,2026-Q1,95,\n"  # not a month
        b"nope,2026-01,1,\n"  # unknown measure
    )
    result = _upload(database, calendar, editor(city), "values.csv", csv)
    assert not result.ok and result.saved == 0
    located = {(p.row, p.column) for p in result.problems}
    assert {(3, "value"), (4, "explanation"), (5, "value"), (6, "period"), (7, "measure")} <= located
    assert _count(database) == 0


def test_another_departments_measures_are_refused(database, calendar, city):  # noqa: F811
    csv = b"measure,period,value\ncrime,2026-01,95\n"
    result = _upload(database, calendar, editor(city, "w@city.gov", "DPW"), "values.csv", csv)
    assert [(p.row, p.column) for p in result.problems] == [(2, "measure")]
    assert _count(database) == 0


def test_a_workbook_with_an_actuals_sheet_works_and_other_files_are_refused(database, calendar, city):  # noqa: F811
    book = Workbook()
    sheet = book.active
    sheet.title = "actuals"
    sheet.append(["measure", "period", "value", "explanation"])
    sheet.append(["crime", "2026-01", 96, ""])
    buffer = io.BytesIO()
    book.save(buffer)
    assert _upload(database, calendar, editor(city), "values.xlsx", buffer.getvalue()).saved == 1
    refused = _upload(database, calendar, editor(city), "values.pdf", b"%PDF")
    assert not refused.ok and ".csv" in refused.problems[0].message
