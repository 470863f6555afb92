"""An editor's upload of a department's values (a CSV file or an .xlsx workbook in the import
format's "actuals" table: measure, period, value, explanation): every row is checked with the
importer's readers and validators and the form's own rules first; one bad row means nothing is
written, and every problem is reported with its row and column. Good files become drafts."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from aim.auth import Principal, may_report_for
from aim.importing.loader import validate
from aim.importing.readers import read_source
from aim.importing.report import ImportReport
from aim.importing.tables import ActualRow
from aim.models import Activity, Actual, Department, Measure
from aim.periods import FiscalCalendar
from aim.services import figures
from aim.services.figures import InvalidFigure
from aim.workflow_views import FigureInput

#: The largest file accepted (the request limit, AIM_MAX_REQUEST_BYTES, caps it too).
MAX_BYTES = 700_000


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    value: str
    message: str


@dataclass
class UploadResult:
    saved: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _read(filename: str, content: bytes):
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        return None, [RowProblem(0, "", filename[:100], "Upload a .csv file or an .xlsx workbook.")]
    if len(content) > MAX_BYTES:
        return None, [RowProblem(0, "", "", f"The file is larger than {MAX_BYTES // 1000} kB.")]
    with tempfile.TemporaryDirectory() as folder:
        # The import format names a CSV file, or a workbook's sheet, after its table.
        path = Path(folder) / f"actuals{suffix}"
        path.write_bytes(content)
        source = read_source(path)
    return source, [RowProblem(p.row, p.column, p.value, p.message) for p in source.problems]


def upload_drafts(
    session: Session,
    calendar: FiscalCalendar,
    filename: str,
    content: bytes,
    *,
    user: Principal,
    today: date | None = None,
) -> UploadResult:
    """Check every row, then save all of them as drafts (or nothing, with every problem)."""
    today = today or date.today()
    source, problems = _read(filename, content)
    if source is None or problems:
        return UploadResult(problems=problems)
    if [t.name for t in source.tables] != ["actuals"]:
        return UploadResult(
            problems=[RowProblem(0, "", "", "Only values can be uploaded here: a table named 'actuals'.")]
        )
    report = ImportReport(path=filename)
    valid = validate(source, report)
    result = UploadResult(problems=[RowProblem(p.row, p.column, p.value, p.message) for p in report.problems])
    rows = list(cast(Iterable[tuple[int, ActualRow]], valid["actuals"].rows if "actuals" in valid else []))
    if not rows and not result.problems:
        result.problems.append(RowProblem(0, "", "", "The file holds no values."))
    table = valid.get("actuals")
    if table is not None and "state" in table.columns:
        for number, row in rows:
            if row.state != "draft":
                result.problems.append(
                    RowProblem(number, "state", row.state, "Uploaded values become drafts: leave state out.")
                )
    codes = sorted({row.measure for _, row in rows})
    measures = {
        m.code: (m, d)
        for m, d in session.execute(
            select(Measure, Department)
            .join(Activity, Measure.activity_id == Activity.id)
            .join(Department, Activity.department_id == Department.id)
            .where(Measure.code.in_(codes))
        )
    }
    targets = figures.load_targets(session, [m.id for m, _ in measures.values()])
    checked: list[tuple[int, FigureInput]] = []
    for number, row in rows:
        found = measures.get(row.measure)
        if found is None or not may_report_for(user, found[1].id):
            result.problems.append(
                RowProblem(number, "measure", row.measure, "Not a measure of your departments.")
            )
            continue
        measure, _ = found
        data = FigureInput(
            measure=row.measure, period=row.period, value=row.value, explanation=row.explanation, version=None
        )
        try:
            figures.check_figure(calendar, measure, targets[measure.id], data, today)
        except InvalidFigure as exc:
            for column, message in exc.fields.items():
                shown = {"value": row.value, "period": row.period, "explanation": ""}.get(column, "")
                result.problems.append(
                    RowProblem(number, column, "" if shown is None else str(shown), message)
                )
            continue
        checked.append((number, data))
    if result.problems:
        result.problems.sort(key=lambda p: (p.row, p.column))
        return result
    versions = {
        (m, p): v
        for m, p, v in session.execute(
            select(Measure.code, Actual.period, Actual.version)
            .join(Measure, Actual.measure_id == Measure.id)
            .where(Measure.code.in_(codes))
        )
    }
    for _number, data in checked:
        version = versions.get((data.measure, data.period))
        figures.save_draft(
            session, calendar, data.model_copy(update={"version": version}), user=user, today=today
        )
        result.saved += 1
    return result
