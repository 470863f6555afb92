"""Read an import source (a folder of CSV files, one CSV file, or an .xlsx workbook) into raw
tables of text cells, reporting malformed files (unbalanced quotes, extra cells, wrong encoding,
unknown or missing columns) with their line numbers instead of a traceback.

With `stream=True` a CSV file is checked in one pass that keeps none of its rows, and its rows are
read again, one at a time, whenever they are iterated: memory stays flat however long the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from aim.importing.report import Problem
from aim.importing.tables import TABLES, columns, required_columns
from aim.importing.values import clean


class CsvRows:
    """The well-formed rows of a CSV file already checked by `read_csv_grid`, read from the file
    again each time they are iterated, so that no more than one row is held at a time.

    Malformed lines were reported by the first pass and are skipped here. Should the file change
    between the passes, what this pass finds wrong goes into `problems` (and the import stops).
    """

    def __init__(self, path: Path, where: str, names: list[str], count: int) -> None:
        self.path, self.where, self.names, self.count = path, where, names, count
        self.problems: list[Problem] = []

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[tuple[int, Mapping[str, object]]]:
        names, seen_again = self.names, 0
        try:
            with self.path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle, strict=True)
                header = next(reader, None)
                # Malformed lines were reported by the first pass: here they are only skipped.
                for record, cells in _records(reader, self.where, len(names), []):
                    seen_again += 1
                    yield record, dict(zip(names, cells, strict=True))
        except (UnicodeDecodeError, OSError, csv.Error):
            header = None
        if header is None or len(header) != len(names) or seen_again != self.count:
            self.problems.append(
                Problem(self.where, 0, "", "", "The file changed while it was imported; import it again.")
            )


@dataclass
class RawTable:
    """One table as read: its cells as text (or numbers, from a workbook), keyed by column."""

    name: str
    source: str  # what the user calls it: "measures.csv" or "city.xlsx, sheet measures"
    #: (spreadsheet row, cells): a list, or a streamed CSV file's CsvRows
    rows: list[tuple[int, Mapping[str, object]]] | CsvRows = field(default_factory=list)


@dataclass
class Source:
    tables: list[RawTable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files or sheets that are not tables

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def read_source(path: Path, *, stream: bool = False) -> Source:
    """Read `path`: a folder of <table>.csv files, a single <table>.csv, or an .xlsx workbook.

    With `stream`, CSV files are checked now and their rows read again when iterated: the files
    must stay in place until the import is done (an upload's temporary file would not).
    """
    source = Source()
    if not path.exists():
        source.problems.append(
            Problem(
                str(path),
                0,
                "",
                "",
                "No such file or folder. Give a folder of CSV files, a .csv file or an .xlsx workbook.",
            )
        )
    elif path.is_dir():
        found = sorted(path.glob("*.csv"))
        for file in found:
            if file.stem.lower() in TABLES:
                _read_csv(file, file.stem.lower(), source, stream)
            else:
                source.ignored.append(file.name)
        if not any(f.stem.lower() in TABLES for f in found):
            source.problems.append(Problem(str(path), 0, "", "", _no_tables_message("CSV files")))
    elif path.suffix.lower() == ".csv":
        if path.stem.lower() in TABLES:
            _read_csv(path, path.stem.lower(), source, stream)
        else:
            source.problems.append(Problem(path.name, 0, "", "", _no_tables_message("a CSV file")))
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        _read_workbook(path, source)
    else:
        source.problems.append(
            Problem(
                path.name,
                0,
                "",
                "",
                "Not an import source: give a folder of CSV files, a .csv file or an .xlsx workbook.",
            )
        )
    source.tables.sort(key=lambda t: list(TABLES).index(t.name))
    return source


def _no_tables_message(what: str) -> str:
    return f"No tables found: name {what} after a table ({', '.join(TABLES)})."


def _check_header(header: list[str], table: str, where: str, source: Source) -> list[str] | None:
    names = [clean(h).lower() for h in header]
    known = set(columns(table))
    ok = True
    for index, name in enumerate(names):
        if name not in known:
            ok = False
            shown = header[index] if header[index].strip() else f"(empty, column {index + 1})"
            source.problems.append(
                Problem(
                    where,
                    1,
                    shown,
                    "",
                    f"Unknown column {shown!r} in {table}; expected some of: {', '.join(columns(table))}.",
                )
            )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            ok = False
            source.problems.append(Problem(where, 1, name, "", f"Column {name!r} appears twice."))
        seen.add(name)
    for required in required_columns(table):
        if required not in names:
            ok = False
            source.problems.append(
                Problem(where, 1, required, "", f"Required column {required!r} is missing from {table}.")
            )
    return names if ok else None


@dataclass
class Grid:
    """A CSV file or a sheet as read: its header, then its rows (spreadsheet row, cells), each with
    exactly as many cells as the header. Rows of another shape are problems, never data."""

    where: str
    header: list[str]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)
    #: Well-formed rows, counted even when they are not kept
    count: int = 0


def read_csv_grid(
    path: Path, problems: list[Problem], where: str | None = None, *, keep: bool = True
) -> Grid | None:
    """Read a CSV file, reporting every malformed line (a cell count that differs from the
    header's, a quote closed mid-cell, a quote never closed) and carrying on past it.

    Returns None when the file cannot be read at all (not UTF-8, no header). Without `keep`, rows
    are counted but not kept (see CsvRows). Blank lines are skipped. Row numbers are records as a
    spreadsheet numbers them (the header is row 1); a value with a line break inside quotes makes
    one record of several lines, so messages give the line too when it differs.
    """
    where = where or path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                problems.append(Problem(where, 1, "", "", "The file is empty: it needs a header row."))
                return None
            except csv.Error as exc:
                problems.append(Problem(where, 1, "", "", f"The header row is malformed CSV: {exc}."))
                return None
            grid = Grid(where, header)
            for record, cells in _records(reader, where, len(header), problems):
                grid.count += 1
                if keep:
                    grid.rows.append((record, list(cells)))
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                where, 0, "", "", f"The file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'."
            )
        )
        return None
    except OSError as exc:
        problems.append(Problem(where, 0, "", "", f"Cannot read the file: {exc.strerror or exc}."))
        return None
    return grid


def _records(reader, where: str, width: int, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """The well-formed records after the header, numbered as a spreadsheet numbers them; every
    malformed one is reported in `problems` and skipped."""
    record, line = 1, reader.line_num
    while True:
        start_line = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            record += 1
            line = reader.line_num
            problems.append(_malformed_line(where, record, start_line, line, str(exc)))
            continue
        record += 1
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank lines, e.g. at the end of a hand-edited file
        if len(cells) != width:
            problems.append(_wrong_shape(where, record, start_line, cells, width))
            continue
        yield record, cells


def _line(record: int, start_line: int) -> str:
    return f"Line {start_line}" if start_line == record else f"Line {start_line} (row {record})"


def _malformed_line(where: str, record: int, start_line: int, end_line: int, error: str) -> Problem:
    if "unexpected end of data" in error:
        # The reader ran on to the end of the file looking for the closing quote.
        why = (
            f"{_line(record, start_line)} opens a quoted value that is never closed (unbalanced "
            "quotes): the rest of the file was read as one value."
        )
    else:
        lines = f" (to line {end_line})" if end_line > start_line else ""
        why = f"{_line(record, start_line)}{lines} is malformed CSV ({error}): a quote inside a value?"
    return Problem(where, record, "", "", why)


def _wrong_shape(where: str, record: int, start_line: int, cells: list[str], expected: int) -> Problem:
    hint = "an unquoted comma?" if len(cells) > expected else "a missing cell or an unquoted line break?"
    return Problem(
        where,
        record,
        "",
        _shorten(",".join(cells), 80),
        f"{_line(record, start_line)} has {len(cells)} cells but the header has {expected}: {hint}",
    )


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _keyed(names: list[str], grid: Grid) -> list[tuple[int, Mapping[str, object]]]:
    return [(n, dict(zip(names, cells, strict=True))) for n, cells in grid.rows]


def _read_csv(path: Path, table: str, source: Source, stream: bool) -> None:
    grid = read_csv_grid(path, source.problems, keep=not stream)
    if grid is None:
        return
    names = _check_header(grid.header, table, grid.where, source)
    if names is not None:
        rows = CsvRows(path, grid.where, names, grid.count) if stream else _keyed(names, grid)
        source.tables.append(RawTable(table, grid.where, rows))


def _cell(cell) -> object:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        # A cell formatted as a percentage holds 0.95 and shows "95%": take what the user sees.
        if "%" in (cell.number_format or ""):
            return f"{value * 100!r}%"
        if float(value).is_integer():
            return str(int(value))
        return repr(float(value))
    return str(value)


def open_workbook(path: Path, problems: list[Problem]):
    """The workbook, read-only with cached values, or None (and a problem) if it cannot be read."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        problems.append(Problem(path.name, 0, "", "", f"Cannot read the workbook: {exc}."))
        return None


def read_sheet_grid(sheet, where: str, problems: list[Problem]) -> Grid | None:
    """Read one sheet: the first row is the header (trailing empty columns are formatting); a
    row with values beyond the last named column is reported, never trimmed."""
    rows = sheet.iter_rows()
    header_cells = next(rows, None)
    if header_cells is None:
        problems.append(Problem(where, 1, "", "", "The sheet is empty: it needs a header row."))
        return None
    header = [str(_cell(c)) for c in header_cells]
    while header and not header[-1].strip():
        header.pop()
    grid = Grid(where, header)
    width = len(header)
    for number, row in enumerate(rows, start=2):
        cells = [_cell(c) for c in row]
        if not any(str(c).strip() for c in cells):
            continue
        extra = [str(c) for c in cells[width:] if str(c).strip()]
        if extra:
            problems.append(
                Problem(
                    where,
                    number,
                    "",
                    _shorten(", ".join(extra), 80),
                    f"Row {number} has values beyond the last named column (column {width}): "
                    "a value typed in the wrong column, or a column without a name?",
                )
            )
            continue
        cells = cells[:width] + [""] * (width - len(cells))
        grid.rows.append((number, cells))
    return grid


def _read_workbook(path: Path, source: Source) -> None:
    workbook = open_workbook(path, source.problems)
    if workbook is None:
        return
    try:
        for sheet in workbook.worksheets:
            table = clean(sheet.title).lower()
            if table not in TABLES:
                source.ignored.append(f"sheet {sheet.title}")
                continue
            grid = read_sheet_grid(sheet, f"{path.name}, sheet {sheet.title}", source.problems)
            if grid is None:
                continue
            names = _check_header(grid.header, table, grid.where, source)
            if names is not None:
                source.tables.append(RawTable(table, grid.where, _keyed(names, grid)))
        if not source.tables and not source.problems:
            source.problems.append(Problem(path.name, 0, "", "", _no_tables_message("sheets")))
    finally:
        workbook.close()
