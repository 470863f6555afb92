"""Downloads built from the same rows as the pages: CSV, xlsx and JSON. Text a spreadsheet would
run as a formula is neutralised here, once, for every download (including the full-width forms
＝＋－＠ that spreadsheets also accept)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

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
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

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
