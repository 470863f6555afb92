"""Downloads built from the same view models as the pages, to CSV and to Excel (.xlsx), with every
text cell that a spreadsheet would run as a formula neutralised (CSV) or stored as text (xlsx)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from aim.explain import STATUS_WORDS
from aim.schemas import ChangeRow, IndexPoint, LateDepartment, MatrixRow, MeasureStatus

#: What starts a formula in Excel, LibreOffice or Google Sheets (OWASP's CSV injection list: =, +,
#: -, @, tab and carriage return), and the full-width forms that spreadsheets in East Asian locales
#: read as the same signs (U+FF1D =, U+FF0B +, U+FF0D -, U+FF20 @).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading quote, which makes it text; leading
    spaces are looked through, since a spreadsheet may trim them first. Numbers are written from
    floats and ints, so a negative number stays a number."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (RFC 4180 line ends) of `header` and `rows`, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


# -- tables of the pages' lists, to CSV and to Excel --------------------------------------------
# (Named sheet_csv / sheet_xlsx, not csv_bytes / xlsx_bytes: main's exports module, merged from the
# budget and open data issues since this branch started, has an xlsx_bytes of its own.)
@dataclass(frozen=True)
class Sheet:
    """One list as a download: `name` says what it holds and when (it names the file), the header
    carries the units, and cells are numbers where the page shows numbers."""

    name: str
    header: Sequence[str]
    rows: list[Sequence[object]] = field(default_factory=list)


def sheet_csv(sheet: Sheet) -> bytes:
    """UTF-8 with a byte-order mark, so a spreadsheet opened by double-click reads accents right;
    flags as yes/no, like the workbook."""
    rows = ([("yes" if v else "no") if isinstance(v, bool) else v for v in row] for row in sheet.rows)
    return ("\ufeff" + csv_text(sheet.header, rows)).encode("utf-8")


_SHEET_TITLE_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _xlsx_value(value: object) -> str | float | int | date | None:
    """A cell's value as Excel keeps it: yes/no for flags, numbers and dates as they are, any
    other object as its text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, (int, float, date, str)):
        return value
    return str(value)


def sheet_xlsx(sheet: Sheet) -> bytes:
    """An .xlsx workbook of one sheet: header in bold and frozen, numbers as numbers, dates as dates,
    and every text cell stored as text (openpyxl would otherwise store "=..." as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    assert ws is not None  # a new workbook always has its first sheet
    ws.title = sheet.name.translate(_SHEET_TITLE_FORBIDDEN)[:31] or "Sheet"
    bold = Font(bold=True)
    widths = [len(str(h)) for h in sheet.header]
    for col, heading in enumerate(sheet.header, start=1):
        cell = ws.cell(row=1, column=col, value=str(heading))
        cell.data_type = "s"
        cell.font = bold
    for r, row in enumerate(sheet.rows, start=2):
        for col, raw in enumerate(row, start=1):
            value = _xlsx_value(raw)
            cell = ws.cell(row=r, column=col, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            widths[col - 1] = max(widths[col - 1], min(60, len(str(value)) if value is not None else 0))
    from openpyxl.utils import get_column_letter

    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width + 2
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_name(*parts: str, suffix: str) -> str:
    """ "review-room-changes-2026-Q3-vs-2026-Q2.csv": what a file holds and when, in letters,
    digits and dashes only (safe in a Content-Disposition header and on every file system)."""
    words = "-".join(p for p in parts if p)
    cleaned = "".join(c if c.isalnum() and c.isascii() else "-" for c in words)
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    return f"{cleaned.strip('-').lower()}.{suffix}"


def _unit(m: MeasureStatus) -> str:
    return "percent" if m.unit_kind == "percent" and not m.unit_label else (m.unit_label or m.unit_kind)


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 2)


MEASURE_HEADER = (
    "Code",
    "Measure",
    "Department",
    "Activity",
    "Visibility",
    "Period",
    "Unit",
    "Value (in the unit)",
    "Target (in the unit)",
    "Target low (in the unit)",
    "Target high (in the unit)",
    "Status",
    "Late",
    "Score (1.00 = on target)",
    "Trend",
    "Same period a year earlier (in the unit)",
    "Change from a year earlier (%)",
)


def measure_row(m: MeasureStatus) -> list[object]:
    return [
        m.code,
        m.name,
        m.department_name,
        m.activity_name,
        "public" if m.is_public else "internal",
        m.period,
        _unit(m),
        m.actual,
        m.target,
        m.target_low,
        m.target_high,
        STATUS_WORDS[m.status],
        m.stale,
        None if m.score is None else round(m.score, 4),
        m.trend or "",
        m.previous,
        _pct(m.change),
    ]


def measures_sheet(measures: Sequence[MeasureStatus], name: str) -> Sheet:
    return Sheet(name, MEASURE_HEADER, [measure_row(m) for m in measures])


CHANGE_WORDS = {
    "newly_off_track": "Newly off track",
    "newly_at_risk": "Newly at risk",
    "recovered": "Recovered to on track",
    "worsening": "Trend turned worsening",
}


def changes_sheet(rows: Sequence[ChangeRow], name: str) -> Sheet:
    header = (
        "Change",
        "Code",
        "Measure",
        "Department",
        "Visibility",
        "Unit",
        "Value now (in the unit)",
        "Target now (in the unit)",
        "Status now",
        "Score now (1.00 = on target)",
        "Trend now",
        "Value then (in the unit)",
        "Status then",
        "Why",
        "Explanation period",
        "Department's explanation",
    )
    out: list[Sequence[object]] = []
    for r in rows:
        m, b = r.measure, r.before
        out.append(
            [
                CHANGE_WORDS[r.kind],
                m.code,
                m.name,
                m.department_name,
                "public" if m.is_public else "internal",
                _unit(m),
                m.actual,
                m.target,
                STATUS_WORDS[m.status],
                None if m.score is None else round(m.score, 4),
                m.trend or "",
                b.actual if b else None,
                STATUS_WORDS[b.status] if b else "not judged",
                r.reason,
                r.explanation.label if r.explanation else "",
                r.explanation.text if r.explanation else "",
            ]
        )
    return Sheet(name, header, out)


def late_sheet(departments: Sequence[LateDepartment], name: str) -> Sheet:
    header = (
        "Department",
        "Code",
        "Measure",
        "Reports",
        "Visibility",
        "Latest published",
        "Due by now",
        "Periods missing (count)",
        "Overdue since (date)",
        "Days late (days)",
    )
    return Sheet(
        name,
        header,
        [
            [
                d.name,
                m.code,
                m.name,
                m.frequency,
                "public" if m.is_public else "internal",
                m.latest or "",
                m.last_due,
                m.missing,
                m.overdue_since,
                m.days_late,
            ]
            for d in departments
            for m in d.measures
        ],
    )


def matrix_sheet(rows: Sequence[MatrixRow], priorities: Sequence[tuple[str, str]], name: str) -> Sheet:
    titles = dict(priorities)
    header = (
        "Department",
        "Priority",
        *[
            f"{STATUS_WORDS[s]} (measures)"
            for s in ("on_track", "at_risk", "off_track", "no_target", "no_data")
        ],
        "Late (measures, beside their status)",
        "Total (measures)",
    )
    return Sheet(
        name,
        header,
        [
            [
                r.department_name,
                titles.get(c.priority_slug, c.priority_slug),
                *[
                    c.counts.as_dict()[k]
                    for k in ("on_track", "at_risk", "off_track", "no_target", "no_data", "stale")
                ],
                c.total,
            ]
            for r in rows
            for c in r.cells
        ],
    )


def index_sheet(points: Sequence[IndexPoint], priorities: Sequence[tuple[str, str]], name: str) -> Sheet:
    header = (
        "Period",
        "Label",
        "City index (1.00 = on target)",
        *[f"{title} index (1.00 = on target)" for _, title in priorities],
    )

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return Sheet(
        name,
        header,
        [
            [
                p.period,
                p.label,
                rounded(p.index),
                *[rounded(p.priorities.get(slug)) for slug, _ in priorities],
            ]
            for p in points
        ],
    )
