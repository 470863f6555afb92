"""Downloads built from the same rows and view models as the pages, so a file never disagrees
with the screen: CSV, JSON and Excel (xlsx: real numbers, a frozen header row, a sheet saying what
each column means), and the pages' lists as `Sheet`s (sheet_csv / sheet_xlsx). Text a spreadsheet
would run as a formula is neutralised here, once, for every download (including the full-width forms
＝＋－＠ that spreadsheets also accept); sheet_xlsx stores every text cell as text instead."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from aim.explain import STATUS_WORDS
from aim.follow_up_schemas import FollowUpView
from aim.schemas import ChangeRow, IndexPoint, LateDepartment, MatrixRow, MeasureStatus

#: What starts a formula in Excel, LibreOffice or Google Sheets (OWASP's CSV injection list: =, +,
#: -, @, tab and carriage return), and the full-width forms that spreadsheets in East Asian locales
#: read as the same signs (U+FF1D =, U+FF0B +, U+FF0D -, U+FF20 @).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

#: Number formats by column kind (openpyxl writes the numbers; Excel shows them this way).
NUMBER_FORMATS = {
    "money": '"$"#,##0.00;-"$"#,##0.00',
    "number": "#,##0.##",
    "percent": "0.0%",
    "score": "0.00",
}


def safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading quote, which makes it text; leading
    spaces are looked through, since a spreadsheet may trim them first. Numbers are written from
    floats and ints, so a negative number stays a number."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def plain(value: object) -> object:
    """A cell as JSON and CSV write it: dates as ISO text, decimals as numbers, whole floats
    without their trailing '.0'."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return value


def _text(value: object) -> object:
    """A list in one cell: its items separated by "; " (the workbench's priorities)."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def _csv_text(value: object) -> str:
    value = plain(_text(value))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(safe_cell(value))


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """RFC 4180 CSV (CRLF line ends) with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return buffer.getvalue()


def xlsx_bytes(columns: Sequence[str], rows: Iterable[Sequence[object]], *, sheet: str = "data") -> bytes:
    """An .xlsx workbook of one sheet: a bold header row, then the rows (write-only, so memory
    stays flat however many rows there are)."""
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(title=sheet[:31])
    header = []
    for name in columns:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([safe_cell(plain(v)) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def json_records(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> list[dict[str, object]]:
    """Rows as JSON objects keyed by column (JSON is not a spreadsheet: text is left as it is)."""
    return [dict(zip(columns, (plain(v) for v in row), strict=True)) for row in rows]


def json_text(document: object) -> str:
    """Stable, readable JSON: the same document always gives the same bytes (archives rely on it)."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def table_csv(columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, object]]) -> str:
    """`rows` (mappings) as csv_text, one column per (field, heading) of `columns`: the same writer,
    so the same numbers, as every other CSV download (a whole dollar amount is 43146283, never
    43146283.0)."""
    return csv_text(
        [header for _field, header in columns],
        ([row.get(field) for field, _header in columns] for row in rows),
    )


def table_xlsx(
    columns: Sequence[tuple[str, str, str, str]],
    rows: Iterable[Mapping[str, object]],
    *,
    title: str,
    notes: Sequence[tuple[str, str]] = (),
    generated_at: datetime | None = None,
) -> bytes:
    """An Excel workbook: sheet "Data" with the rows (numbers as numbers, with currency, percent
    and score formats, the header row frozen and filterable), and sheet "About" saying what the
    table is, for which period, and what each column means.

    `columns` are (field, heading, kind, meaning); kind is text, money, number, percent, score or
    status. `notes` are (label, text) lines at the top of the About sheet (the period, filters).
    """
    book = Workbook()
    data = book.active
    assert data is not None  # a new workbook has one sheet
    data.title = "Data"
    data.append([safe_cell(header) for _f, header, _k, _m in columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    count = 0
    for row in rows:
        count += 1
        data.append([safe_cell(_text(row.get(field))) for field, _h, _k, _m in columns])
    for index, (_field, header, kind, _meaning) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = max(12, min(40, len(header) + 2))
        number_format = NUMBER_FORMATS.get(kind)
        if number_format and count:
            for (cell,) in data.iter_rows(min_row=2, max_row=count + 1, min_col=index, max_col=index):
                cell.number_format = number_format
    data.freeze_panes = "A2"
    if columns:
        data.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"

    about = book.create_sheet("About")
    about.append([title])
    about["A1"].font = Font(bold=True, size=14)
    when = (generated_at or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    for label, text in [*notes, ("Rows", str(count)), ("Generated", when)]:
        about.append([label, safe_cell(text)])
    about.append([])
    about.append(["Column", "What it means"])
    for cell in about[about.max_row]:
        cell.font = Font(bold=True)
    for _field, header, _kind, meaning in columns:
        about.append([safe_cell(header), safe_cell(meaning)])
    about.column_dimensions["A"].width = 32
    about.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- tables of the pages' lists, to CSV and to Excel --------------------------------------------
# (Named sheet_csv / sheet_xlsx, beside xlsx_bytes / table_xlsx above: a Sheet carries its name and
# units in its header; the CSV goes through csv_text, so safe_cell neutralises formulas here too.)
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


def follow_ups_sheet(rows: Sequence[FollowUpView], name: str) -> Sheet:
    """The follow-ups list as on /follow-ups: one row each, dates as dates, days overdue a number."""
    header = (
        "Id",
        "Department",
        "About",
        "Measure code",
        "Priority",
        "Action",
        "Due (date)",
        "Status",
        "Overdue",
        "Days overdue (days)",
        "Agreed by",
        "Agreed on (date)",
        "Last change by",
        "Last change (date)",
    )
    return Sheet(
        name,
        header,
        [
            [
                f.id,
                f.department_name,
                f.measure_name or f.priority_title,
                f.measure_code,
                f.priority_slug,
                f.action,
                f.due_on,
                f.status,
                f.overdue,
                f.days_overdue,
                f.created_by,
                f.created_at.date(),
                f.updated_by,
                f.updated_at.date(),
            ]
            for f in rows
        ],
    )
