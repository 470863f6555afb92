"""Downloads built from view models, so a file never disagrees with the screen: CSV and Excel
(xlsx) tables with real numbers, a frozen header row and a sheet saying what each column means.

Text a spreadsheet would run as a formula is neutralised in both formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# Characters that start a formula in Excel, LibreOffice or Google Sheets, half- and full-width.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

#: Number formats by column kind (openpyxl writes the numbers; Excel shows them this way).
NUMBER_FORMATS = {
    "money": '"$"#,##0.00;-"$"#,##0.00',
    "number": "#,##0.##",
    "percent": "0.0%",
    "score": "0.00",
}


def neutralise_cell(value: object) -> object:
    """A text cell beginning like a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _text(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def table_csv(columns: Sequence[tuple[str, str]], rows: Iterable[Mapping[str, object]]) -> str:
    """A CSV (RFC 4180 line endings) of `rows`, one column per (field, heading) of `columns`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise_cell(header) for _field, header in columns])
    for row in rows:
        writer.writerow([neutralise_cell(_text(row.get(field))) for field, _header in columns])
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
    data.append([neutralise_cell(header) for _f, header, _k, _m in columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    count = 0
    for row in rows:
        count += 1
        data.append([neutralise_cell(_text(row.get(field))) for field, _h, _k, _m in columns])
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
        about.append([label, neutralise_cell(text)])
    about.append([])
    about.append(["Column", "What it means"])
    for cell in about[about.max_row]:
        cell.font = Font(bold=True)
    for _field, header, _kind, meaning in columns:
        about.append([neutralise_cell(header), neutralise_cell(meaning)])
    about.column_dimensions["A"].width = 32
    about.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
