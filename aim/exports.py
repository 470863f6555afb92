"""Downloads built from the same rows and view models as the pages, so a file never disagrees
with the screen: CSV, JSON and Excel (xlsx: real numbers, a frozen header row, a sheet saying what
each column means). Text a spreadsheet would run as a formula is neutralised here, once, for every
download (including the full-width forms ＝＋－＠ that spreadsheets also accept)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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


def _csv_text(value: object) -> str:
    value = plain(value)
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


def _text(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def table_csv(columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, object]]) -> str:
    """A CSV (RFC 4180 line endings) of `rows`, one column per (field, heading) of `columns`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(header) for _field, header in columns])
    for row in rows:
        writer.writerow([safe_cell(_text(row.get(field))) for field, _header in columns])
    return buffer.getvalue()


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
