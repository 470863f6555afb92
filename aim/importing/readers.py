"""Read an import source (a folder of CSV files, one CSV file, or an .xlsx workbook) into raw
tables of text cells, reporting malformed files (unbalanced quotes, extra cells, wrong encoding,
unknown or missing columns) with their line numbers instead of a traceback."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from aim.importing.report import Problem
from aim.importing.tables import TABLES, columns, required_columns
from aim.importing.values import clean


@dataclass
class RawTable:
    """One table as read: its cells as text (or numbers, from a workbook), keyed by column."""

    name: str
    source: str  # what the user calls it: "measures.csv" or "city.xlsx, sheet measures"
    rows: list[tuple[int, Mapping[str, object]]] = field(default_factory=list)  # (spreadsheet row, cells)


@dataclass
class Source:
    tables: list[RawTable] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files or sheets that are not tables

    @property
    def row_count(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def read_source(path: Path) -> Source:
    """Read `path`: a folder of <table>.csv files, a single <table>.csv, or an .xlsx workbook."""
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
                _read_csv(file, file.stem.lower(), source)
            else:
                source.ignored.append(file.name)
        if not any(f.stem.lower() in TABLES for f in found):
            source.problems.append(Problem(str(path), 0, "", "", _no_tables_message("CSV files")))
    elif path.suffix.lower() == ".csv":
        if path.stem.lower() in TABLES:
            _read_csv(path, path.stem.lower(), source)
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


def _read_csv(path: Path, table: str, source: Source) -> None:
    where = path.name
    raw = RawTable(table, where)
    names: list[str] | None = None
    record = line = 0
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                source.problems.append(Problem(where, 1, "", "", "The file is empty: it needs a header row."))
                return
            names = _check_header(header, table, where, source)
            record = 1
            line = reader.line_num
            for cells in reader:
                record += 1
                start_line, line = line + 1, reader.line_num
                if not any(c.strip() for c in cells):
                    continue  # blank lines, e.g. at the end of a hand-edited file
                if len(cells) > len(header):
                    extra = [c for c in cells[len(header) :] if c.strip()]
                    if extra:
                        source.problems.append(
                            Problem(
                                where,
                                record,
                                "",
                                ", ".join(extra)[:80],
                                f"Line {start_line} has {len(cells)} cells but the header has "
                                f"{len(header)}: an unquoted comma or an unbalanced quote?",
                            )
                        )
                        continue
                if names is not None:
                    raw.rows.append((record, dict(zip(names, cells, strict=False))))
    except csv.Error as exc:
        source.problems.append(
            Problem(
                where,
                record + 1,
                "",
                "",
                f"Malformed CSV from line {line + 1}: {exc}. A quoted value is probably never closed "
                "(unbalanced quotes).",
            )
        )
        return
    except UnicodeDecodeError as exc:
        source.problems.append(
            Problem(
                where, 0, "", "", f"The file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'."
            )
        )
        return
    if names is not None:
        source.tables.append(raw)


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


def _read_workbook(path: Path, source: Source) -> None:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        source.problems.append(Problem(path.name, 0, "", "", f"Cannot read the workbook: {exc}."))
        return
    try:
        for sheet in workbook.worksheets:
            table = clean(sheet.title).lower()
            if table not in TABLES:
                source.ignored.append(f"sheet {sheet.title}")
                continue
            where = f"{path.name}, sheet {sheet.title}"
            rows = sheet.iter_rows()
            header_cells = next(rows, None)
            if header_cells is None:
                source.problems.append(
                    Problem(where, 1, "", "", "The sheet is empty: it needs a header row.")
                )
                continue
            header = [str(_cell(c)) for c in header_cells]
            while header and not header[-1].strip():
                header.pop()  # trailing empty columns are formatting, not data
            names = _check_header(header, table, where, source)
            raw = RawTable(table, where)
            for number, row in enumerate(rows, start=2):
                cells = [_cell(c) for c in row]
                if not any(str(c).strip() for c in cells):
                    continue
                extra = [str(c) for c in cells[len(header) :] if str(c).strip()]
                if extra:
                    source.problems.append(
                        Problem(
                            where,
                            number,
                            "",
                            ", ".join(extra)[:80],
                            "This row has values beyond the last named column.",
                        )
                    )
                    continue
                if names is not None:
                    raw.rows.append((number, dict(zip(names, cells, strict=False))))
            if names is not None:
                source.tables.append(raw)
        if not source.tables and not source.problems:
            source.problems.append(Problem(path.name, 0, "", "", _no_tables_message("sheets")))
    finally:
        workbook.close()
