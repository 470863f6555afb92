"""Downloads built from the same view models as the pages (CSV today; xlsx and JSON join here),
with every text cell that a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

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
