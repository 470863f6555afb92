"""Recipes: a declarative mapping from another city's spreadsheet to the import format, in JSON.

A recipe names its source files (CSV files, or sheets of a workbook) and, for each import table,
the source it comes from, the rows to skip and why, how each column is made (renamed, composed of
several columns, mapped through a table of values with case and spaces folded or through patterns,
split, slugified, or a constant), defaults and an override file for what the export does not say,
an optional wide-to-long unpivot (columns such as "FY 24 Actual", or "Prior Year 2" against a
declared base year, into a period and a value), which of several source rows wins for the same key,
which measures are key, and how percent figures written as fractions are scaled. No city-specific
code: only the recipe.

A row the recipe cannot map (a direction nobody wrote down, a value that is not a number) is refused
and reported with its file, row, column and reason; it is never guessed. A malformed line in a
source (more or fewer cells than the header) refuses the whole import, with every such line
listed: a file whose lines shift is not to be trusted. What the recipe maps then goes through the
ordinary all-or-nothing importer.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aim.importing.readers import Grid, RawTable, Source, open_workbook, read_csv_grid, read_sheet_grid
from aim.importing.report import Problem, by_reason
from aim.importing.tables import TABLES, columns
from aim.importing.values import clean, is_no_value, parse_number


class RecipeError(ValueError):
    """The recipe itself is wrong; the message says where."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Skip(_Strict):
    """Skip rows whose `column` is empty (`empty: true`) or matches one of `values` (folded)."""

    column: str
    empty: bool = False
    values: list[str] = Field(default_factory=list)
    reason: str

    def matches(self, row: dict[str, str]) -> bool:
        value = _fold(row.get(self.column, ""))
        return (self.empty and value == "") or value in {_fold(v) for v in self.values}


class ColumnRule(_Strict):
    """How one output column is made from a source row."""

    column: str | None = None  # the source column to read
    columns: list[str] | None = None  # or several, joined: a key unique only within another
    join: str = "-"  # ... with this between the parts ("PW" + "STREETS" -> "PW-STREETS")
    value: str | None = None  # or a constant
    split: str | None = None  # split the cell (each cell of `columns`) on this separator ...
    part: int = 0  # ... and keep this part ("AGC7900 Municipal Appeals" -> "AGC7900")
    map: dict[str, str] | None = None  # source value (case and spaces folded) -> output value
    patterns: dict[str, str] | None = None  # case-insensitive regular expression -> output value
    default: str | None = None  # for empty cells (and, with a map or patterns, for values not in them)
    slugify: bool = False  # "Enhancing Public Safety" -> "enhancing-public-safety"
    empty_reason: str | None = None  # refuse rows whose cell is empty, with this reason

    @model_validator(mode="after")
    def _one_source(self) -> ColumnRule:
        if sum(x is not None for x in (self.column, self.columns, self.value)) != 1:
            raise ValueError("give one of 'column', 'columns' or 'value'")
        if self.columns is not None and len(self.columns) < 2:
            raise ValueError("'columns' joins two or more columns; give 'column' for one")
        for pattern in self.patterns or {}:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"patterns: {pattern!r} is not a regular expression: {exc}") from None
        return self

    @property
    def compiled(self) -> list[tuple[re.Pattern[str], str]]:
        return [(re.compile(p, re.IGNORECASE), v) for p, v in (self.patterns or {}).items()]

    def sources(self) -> list[str]:
        """The source columns this rule reads."""
        return [self.column] if self.column is not None else list(self.columns or [])


class FileRef(_Strict):
    """A source: a CSV file, or a sheet of a workbook (`file` omitted: the workbook given as PATH)."""

    file: str | None = None
    sheet: str | None = None

    @model_validator(mode="after")
    def _something(self) -> FileRef:
        if self.file is None and self.sheet is None:
            raise ValueError("give 'file', 'sheet' or both")
        if self.sheet is not None and self.file is not None and not _is_workbook(self.file):
            raise ValueError(f"'sheet' needs a workbook (.xlsx), not {self.file!r}")
        return self


def _is_workbook(name: str) -> bool:
    return name.lower().endswith((".xlsx", ".xlsm"))


class Overrides(_Strict):
    """A CSV file (or sheet) of corrections: a column named as the table's key (`code` for
    measures) and output columns; a non-empty cell replaces what the recipe would make."""

    file: str | FileRef


class Unpivot(_Strict):
    """Turn matching columns into rows: `FY 24 Actual` -> period "2024" with that cell as value.

    Relative columns ("Current FY", "Prior Year 1" ... "Prior Year 5") name their year by its
    distance from the recipe's `base_year`: the groups `back` and `ahead` (digits, or absent for
    0) give `{year}` = base_year - back + ahead in the templates.
    """

    columns: str  # a regular expression with named groups, e.g. ^FY (?P<yy>\d\d) Actual$
    period: str  # a template using those groups, e.g. 20{yy}, or {year} for relative columns
    notes: list[str] = Field(default_factory=list)  # templates of columns holding notes
    value_column: str = "value"
    period_column: str = "period"
    notes_column: str = "notes"

    @field_validator("columns")
    @classmethod
    def _regex(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return pattern


class Latest(_Strict):
    """Of several source rows with the same output key, keep the one greatest by `order_by`
    (source columns compared as text), optionally ignoring rows whose `non_empty` cell is empty."""

    order_by: list[str]
    non_empty: str | None = None


class TableRecipe(_Strict):
    source: str  # a key of Recipe.files
    skip: list[Skip] = Field(default_factory=list)
    unpivot: Unpivot | None = None
    columns: dict[str, ColumnRule]
    defaults: dict[str, str] = Field(default_factory=dict)  # output column -> value when none is made
    overrides: Overrides | None = None
    latest: Latest | None = None
    distinct: bool = False  # identical keys from several rows are one row (a pillar of many services)


class PercentScaling(_Strict):
    """Percent measures whose plain figures are all fractions (|x| <= fractions_up_to) are scaled
    by 100; figures written with "%" are kept as written. Decided per measure, for consistency."""

    fractions_up_to: float = 1.5


class Recipe(_Strict):
    title: str
    description: str = ""
    fiscal_year_start_month: int = Field(ge=1, le=12)
    files: dict[str, str | FileRef]
    base_year: int | None = Field(None, ge=1900, le=2200)  # the year relative columns count from
    no_value: list[str] = Field(default_factory=list)  # extra "no value" cells, as regexes (folded)
    city: dict[str, str] | None = None
    tables: dict[str, TableRecipe]
    percent: PercentScaling | None = None
    key_measures: list[str] | None = None  # measure codes chosen as key (headline) measures
    notes: list[str] = Field(default_factory=list)  # decisions a reviewer should know about

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        for name, table in self.tables.items():
            if name not in TABLES:
                raise ValueError(f"tables: {name!r} is not an import table ({', '.join(TABLES)})")
            if table.source not in self.files:
                raise ValueError(f"tables.{name}.source: {table.source!r} is not one of files")
            for what, given in (("columns", table.columns), ("defaults", table.defaults)):
                unknown = set(given) - set(columns(name))
                if unknown:
                    raise ValueError(f"tables.{name}.{what}: unknown output column(s) {sorted(unknown)}")
            if table.overrides is not None and len(TABLES[name].key) != 1:
                raise ValueError(f"tables.{name}.overrides: only tables with a one-column key take overrides")
            if table.unpivot and "{year}" in table.unpivot.period + "".join(table.unpivot.notes):
                if self.base_year is None:
                    raise ValueError(f"tables.{name}.unpivot uses {{year}}: declare the recipe's base_year")
        if self.key_measures is not None and "measures" not in self.tables:
            raise ValueError("key_measures: the recipe maps no measures table")
        for pattern in self.no_value:
            re.compile(pattern)
        return self


def load_recipe(path: Path) -> Recipe:
    try:
        return Recipe.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError) as exc:
        raise RecipeError(f"Cannot read the recipe {path}: {exc}") from None
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise RecipeError(f"The recipe {path} is not valid:\n" + "\n".join(lines)) from None


def _fold(text: object) -> str:
    return clean(text).lower()


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG_JUNK.sub("-", text.lower()).strip("-")


@dataclass
class _Row:
    number: int  # spreadsheet row in the source file
    cells: dict[str, str]  # source cells (plus unpivoted ones)
    out: dict[str, str] = field(default_factory=dict)
    value_column: str | None = None  # which source column an unpivoted value came from


@dataclass
class RecipeOutcome:
    """What the recipe made of the files: tables for the importer, and what it left out and why."""

    source: Source
    read: dict[str, int] = field(default_factory=dict)  # source file -> rows
    skipped: Counter = field(default_factory=Counter)  # (table, reason) -> rows
    refused: list[Problem] = field(default_factory=list)
    merged: Counter = field(default_factory=Counter)  # table -> rows superseded by a later one

    def refused_reasons(self) -> Counter:
        """Refused rows counted by (table and file, exact message)."""
        return Counter((p.source, p.message) for p in self.refused)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "skipped": [{"table": t, "reason": r, "rows": n} for (t, r), n in sorted(self.skipped.items())],
            "merged": dict(self.merged),
            "refused": [asdict(p) for p in self.refused],
            "refused_by_reason": [
                {"source": s, "reason": r, "rows": n} for s, r, n in by_reason(self.refused)
            ],
        }


def _known(values: Iterable[str], limit: int = 8) -> str:
    """A short list of what the recipe knows, for a message that must stay on one line."""
    values = sorted(values)
    shown = ", ".join(v[:40] for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


class _Runner:
    def __init__(self, recipe: Recipe, path: Path) -> None:
        self.recipe = recipe
        # PATH is a folder of the recipe's files, or one of them (a workbook whose sheets it reads).
        self.folder = path if path.is_dir() else path.parent
        self.workbook = path if path.is_file() and _is_workbook(path.name) else None
        self.no_value = [re.compile(p, re.IGNORECASE) for p in recipe.no_value]
        self.outcome = RecipeOutcome(Source())
        self.files: dict[str, list[_Row]] = {}
        self.labels: dict[str, str] = {}  # file key -> what the user calls it
        self.headers: dict[str, list[str]] = {}  # file key -> its header, cleaned
        self.refused_keys: dict[str, dict[str, str]] = defaultdict(dict)  # table -> key -> reason
        self.overrides: dict[str, dict[str, dict[str, str]]] = {}  # table -> key -> column -> value

    def empty(self, text: str) -> bool:
        folded = clean(text)
        return is_no_value(folded) or any(p.search(folded) for p in self.no_value)

    # -- reading -------------------------------------------------------------------------------
    def _grid(self, ref: str | FileRef, what: str) -> Grid | None:
        """Read one CSV file or sheet; malformed lines go to the import's problems (all of them)."""
        ref = FileRef(file=ref) if isinstance(ref, str) else ref
        problems = self.outcome.source.problems
        if ref.file is None:
            if self.workbook is None:
                raise RecipeError(
                    f"{what} names the sheet {ref.sheet!r} but no workbook: give the workbook (.xlsx) "
                    "as PATH, or add its file name to the recipe."
                )
            path = self.workbook
        else:
            path = self.folder / ref.file
            if not path.is_file():
                raise RecipeError(f"{what}: there is no file {ref.file!r} in {self.folder}.")
        if not _is_workbook(path.name):
            if path.suffix.lower() != ".csv":
                raise RecipeError(f"{what}: {path.name} is neither a .csv file nor an .xlsx workbook.")
            return read_csv_grid(path, problems)
        workbook = open_workbook(path, problems)
        if workbook is None:
            return None
        try:
            if ref.sheet is None:
                sheet = workbook.worksheets[0]
            elif ref.sheet in workbook.sheetnames:
                sheet = workbook[ref.sheet]
            else:
                raise RecipeError(
                    f"{what}: the workbook {path.name} has no sheet {ref.sheet!r} "
                    f"(it has: {', '.join(workbook.sheetnames)})."
                )
            return read_sheet_grid(sheet, f"{path.name}, sheet {sheet.title}", problems)
        finally:
            workbook.close()

    def read(self) -> None:
        for key, ref in self.recipe.files.items():
            grid = self._grid(ref, f"files.{key}")
            if grid is None:
                self.files[key], self.labels[key], self.headers[key] = [], str(ref), []
                continue
            self._check_header(grid)
            header = [clean(h) for h in grid.header]
            self.labels[key], self.headers[key] = grid.where, header
            self.files[key] = [
                _Row(n, {h: str(c) for h, c in zip(header, cells, strict=True)}) for n, cells in grid.rows
            ]
            self.outcome.read[grid.where] = len(grid.rows)
        for name, spec in self.recipe.tables.items():
            self._check_columns(name, spec)
            if spec.overrides is not None:
                self._read_overrides(name, spec.overrides)

    def _check_header(self, grid: Grid) -> None:
        seen: set[str] = set()
        for name in (clean(h) for h in grid.header):
            if name and name in seen:
                self.outcome.source.problems.append(
                    Problem(grid.where, 1, name, "", f"Column {name!r} appears twice in the header.")
                )
            seen.add(name)

    def _check_columns(self, name: str, spec: TableRecipe) -> None:
        """Every source column the table reads must be in its file: a misspelt column would
        otherwise read as empty on every row."""
        if not self.headers[spec.source]:
            return  # the file could not be read: its problem is reported already
        header = set(self.headers[spec.source])
        made = set()
        if spec.unpivot:
            made = {spec.unpivot.period_column, spec.unpivot.value_column, spec.unpivot.notes_column}
        wanted = [c for rule in spec.columns.values() for c in rule.sources()]
        wanted += [s.column for s in spec.skip]
        wanted += spec.latest.order_by if spec.latest else []
        missing = sorted({c for c in wanted if c not in header and c not in made})
        if missing:
            raise RecipeError(
                f"tables.{name} reads column(s) {', '.join(map(repr, missing))}, which "
                f"{self.labels[spec.source]} does not have (it has: {_known(header, 12)})."
            )
        if spec.unpivot and not any(re.match(spec.unpivot.columns, c) for c in header):
            raise RecipeError(
                f"tables.{name}.unpivot: no column of {self.labels[spec.source]} matches "
                f"{spec.unpivot.columns!r}."
            )

    def _read_overrides(self, table: str, overrides: Overrides) -> None:
        key = TABLES[table].key[0]
        grid = self._grid(overrides.file, f"tables.{table}.overrides")
        if grid is None:
            return
        header = [clean(h).lower() for h in grid.header]
        unknown = [h for h in header if h not in columns(table)]
        if key not in header or unknown:
            raise RecipeError(
                f"tables.{table}.overrides: {grid.where} needs a {key!r} column and output columns of "
                f"{table} only" + (f"; unknown: {', '.join(unknown)}" if unknown else "") + "."
            )
        found: dict[str, dict[str, str]] = {}
        for number, cells in grid.rows:
            row = {h: clean(c) for h, c in zip(header, cells, strict=True)}
            code = row.pop(key)
            if code in found:
                self.outcome.source.problems.append(
                    Problem(grid.where, number, key, code, f"{key} {code!r} is overridden twice.")
                )
            found[code] = {c: v for c, v in row.items() if v}
        self.overrides[table] = found

    # -- mapping -------------------------------------------------------------------------------
    def refuse(self, table: str, row: _Row, column: str, value: str, reason: str) -> None:
        spec = self.recipe.tables[table]
        self.outcome.refused.append(
            Problem(f"{table} from {self.labels[spec.source]}", row.number, column, value[:120], reason)
        )
        key_column = TABLES[table].key[0] if TABLES[table].key else None
        if key_column in spec.columns:
            self.refused_keys[table].setdefault(self._raw(spec.columns[key_column], row), reason)

    def _cell(self, rule: ColumnRule, row: _Row, column: str) -> str:
        cell = row.cells.get(column, "")
        text = "" if self.empty(cell) else clean(cell)
        if text and rule.split is not None:
            parts = text.split(rule.split)
            text = parts[rule.part] if len(parts) > rule.part else ""
        return text

    def _text(self, rule: ColumnRule, row: _Row) -> str:
        """A rule's cell(s) read, emptied and split; a composed key is empty if a part is."""
        if rule.columns is not None:
            parts = [self._cell(rule, row, c) for c in rule.columns]
            return rule.join.join(parts) if all(parts) else ""
        return self._cell(rule, row, rule.column or "")

    def _raw(self, rule: ColumnRule, row: _Row) -> str:
        """A cell as a key: read, emptied, split; not mapped."""
        if rule.value is not None:
            return rule.value
        text = self._text(rule, row)
        return _slug(text) if rule.slugify else text

    def table(self, name: str, spec: TableRecipe) -> list[_Row]:
        rows: list[_Row] = []
        for row in self.files[spec.source]:
            rule = next((s for s in spec.skip if s.matches(row.cells)), None)
            if rule:
                self.outcome.skipped[(name, rule.reason)] += 1
                continue
            # Each table maps its own copy: tables read from one file must not share outputs.
            rows.extend(self._unpivot(spec.unpivot, row) if spec.unpivot else [_Row(row.number, row.cells)])
        if spec.latest:
            rows = self._latest(name, spec, rows)
        outputs = [*spec.columns, *(c for c in spec.defaults if c not in spec.columns)]
        overridden = {c for values in self.overrides.get(name, {}).values() for c in values}
        outputs += sorted(overridden - set(outputs))
        mapped = [r for r in rows if self._map(name, spec, r, outputs)]
        if spec.distinct:
            mapped = self._distinct(name, mapped)
        return mapped

    def _unpivot(self, spec: Unpivot, row: _Row) -> Iterable[_Row]:
        pattern = re.compile(spec.columns)
        for column, cell in row.cells.items():
            match = pattern.match(column)
            if not match:
                continue
            groups = {k: (v or "") for k, v in match.groupdict().items()}
            if self.recipe.base_year is not None:
                back, ahead = groups.get("back") or "0", groups.get("ahead") or "0"
                groups["year"] = str(self.recipe.base_year - int(back) + int(ahead))
            try:
                notes = [row.cells.get(t.format(**groups), "") for t in spec.notes]
                period = spec.period.format(**groups)
            except (KeyError, ValueError) as exc:
                raise RecipeError(
                    f"unpivot: the template of {column!r} names {exc}, which is not a group of "
                    f"{spec.columns!r} (or year, with a base_year)."
                ) from None
            cells = dict(row.cells)
            cells[spec.period_column] = period
            cells[spec.value_column] = cell
            cells[spec.notes_column] = "\n".join(n.strip() for n in notes if clean(n))
            yield _Row(row.number, cells, value_column=column)

    def _map(self, table: str, spec: TableRecipe, row: _Row, outputs: list[str]) -> bool:
        key_column = TABLES[table].key[0] if TABLES[table].key else None
        override: dict[str, str] = {}
        if table in self.overrides and key_column in spec.columns:
            override = self.overrides[table].get(self._raw(spec.columns[key_column], row), {})
        for name in outputs:
            if name in override:  # the override file says what the export does not
                row.out[name] = override[name]
                continue
            rule = spec.columns.get(name)
            if rule is None:
                row.out[name] = spec.defaults.get(name, "")
                continue
            if rule.value is not None:
                row.out[name] = rule.value
                continue
            column = rule.column or "+".join(rule.columns or [])
            raw = " ".join(row.cells.get(c, "") for c in rule.sources())
            # An unpivoted value is reported in the source column it came from.
            where = (
                (row.value_column or column)
                if column == (spec.unpivot.value_column if spec.unpivot else None)
                else column
            )
            text = self._text(rule, row)
            if not text:
                if rule.default is not None:
                    row.out[name] = rule.default
                elif name in spec.defaults:
                    row.out[name] = spec.defaults[name]
                elif rule.empty_reason:
                    self.refuse(table, row, where, raw, rule.empty_reason)
                    return False
                else:
                    row.out[name] = ""
                continue
            if rule.map is not None or rule.patterns is not None:
                mapped = (rule.map or {}).get(_fold(text))
                if mapped is None:
                    mapped = next((v for p, v in rule.compiled if p.search(text)), None)
                if mapped is None:
                    if rule.default is not None:
                        row.out[name] = rule.default
                        continue
                    known = _known([*(rule.map or {}), *(f"/{p}/" for p in rule.patterns or {})])
                    reason = f"{column} {_shorten(text)!r} has no mapping in the recipe (known: {known})"
                    self.refuse(table, row, where, raw, reason)
                    return False
                text = mapped
            if rule.slugify:
                text = _slug(text)
            row.out[name] = text
        return True

    def _latest(self, table: str, spec: TableRecipe, rows: list[_Row]) -> list[_Row]:
        """Before mapping, so a row superseded by a later one is merged, not refused."""
        latest = spec.latest
        assert latest is not None
        key_rules = [spec.columns[c] for c in TABLES[table].key]
        best: dict[tuple, _Row] = {}
        for row in rows:
            if latest.non_empty and not self._raw(spec.columns[latest.non_empty], row):
                continue
            key = tuple(self._raw(rule, row) for rule in key_rules)
            rank = tuple(row.cells.get(c, "") for c in latest.order_by)
            if key in best:
                self.outcome.merged[table] += 1
                if rank < tuple(best[key].cells.get(c, "") for c in latest.order_by):
                    continue
            best[key] = row
        return list(best.values())

    def _distinct(self, table: str, rows: list[_Row]) -> list[_Row]:
        seen: dict[tuple, _Row] = {}
        for row in rows:
            key = tuple(row.out.get(c, "") for c in TABLES[table].key)
            if not key[0]:
                continue
            seen.setdefault(key, row)
        return list(seen.values())

    def choose_key_measures(self, tables: dict[str, list[_Row]]) -> None:
        """The recipe's list of key measures, beside (or instead of) an `is_key` rule. A listed
        code that the source does not hold is a mistake in the recipe and stops the import."""
        chosen = self.recipe.key_measures
        if chosen is None or "measures" not in tables:
            return
        mapped = {r.out.get("code", "") for r in tables["measures"]}
        refused = set(self.refused_keys.get("measures", {}))
        for code in sorted(set(chosen) - mapped - refused):
            self.outcome.source.problems.append(
                Problem(
                    "recipe key_measures",
                    0,
                    "",
                    code,
                    f"key_measures names {code!r}, which is not a measure of the source: correct the recipe.",
                )
            )
        for row in tables["measures"]:
            if row.out.get("code") in chosen:
                row.out["is_key"] = "true"
            else:
                row.out["is_key"] = row.out.get("is_key") or "false"

    def scale_percents(self, tables: dict[str, list[_Row]]) -> None:
        if self.recipe.percent is None or "measures" not in tables:
            return
        percent = {r.out["code"] for r in tables["measures"] if r.out.get("unit_kind") == "percent"}
        value_columns = {"actuals": ["value"], "targets": ["value", "low", "high"]}
        plain: dict[str, list[float]] = defaultdict(list)
        cells = []
        for table, names in value_columns.items():
            for row in tables.get(table, []):
                if row.out.get("measure") not in percent:
                    continue
                for name in names:
                    text = row.out.get(name, "")
                    if text and not text.endswith("%"):
                        cells.append((row, name))
                        try:
                            number = parse_number(text)
                        except ValueError:
                            continue
                        if number is not None:
                            plain[row.out["measure"]].append(number)
        limit = self.recipe.percent.fractions_up_to
        fractional = {m for m, values in plain.items() if all(abs(v) <= limit for v in values)}
        for row, name in cells:
            if row.out["measure"] in fractional:
                number = parse_number(row.out[name])
                if number is not None:
                    row.out[name] = repr(round(number * 100, 10))

    def check_numbers(self, table: str, rows: list[_Row]) -> list[_Row]:
        """Refuse unpivoted cells that are not numbers, so one odd cell ("6500-7000") does not
        block the rest of a city's data; the import format would refuse the whole file."""
        kept = []
        number_columns = [
            c for c in ("value", "low", "high", "adopted", "expenditure", "fte") if c in columns(table)
        ]
        for row in rows:
            bad = None
            for name in number_columns:
                try:
                    parse_number(row.out.get(name, ""))
                except ValueError:
                    bad = name
            if bad:
                self.refuse(
                    table, row, row.value_column or bad, row.out[bad], f"not a number: {row.out[bad]!r}"
                )
            else:
                kept.append(row)
        return kept

    def cascade(self, tables: dict[str, list[_Row]], parent: str, child: str, link: str) -> None:
        """Rows whose parent row was refused are refused too, with the parent's reason."""
        reasons = self.refused_keys.get(parent, {})
        if child not in tables or not reasons:
            return
        kept = []
        for row in tables[child]:
            code = row.out.get(link, "")
            if code in reasons:
                self.refuse(child, row, link, code, f"its {parent[:-1]} was refused: {reasons[code]}")
            else:
                kept.append(row)
        tables[child] = kept


def run_recipe(recipe: Recipe, path: Path) -> RecipeOutcome:
    """Apply `recipe` to the files in the folder `path` (or to the workbook `path` and the files
    beside it); the outcome's source goes to the importer."""
    runner = _Runner(recipe, path)
    runner.read()
    tables = {name: runner.table(name, spec) for name, spec in recipe.tables.items()}
    runner.choose_key_measures(tables)
    runner.scale_percents(tables)
    for name in ("targets", "actuals", "budgets"):
        if name in tables:
            tables[name] = runner.check_numbers(name, tables[name])
    for parent, child, link in (
        ("measures", "actuals", "measure"),
        ("measures", "targets", "measure"),
        ("activities", "measures", "activity"),
    ):
        runner.cascade(tables, parent, child, link)
    source = runner.outcome.source
    if recipe.city:
        source.tables.append(RawTable("city", f"recipe {recipe.title}", [(2, dict(recipe.city))]))
    for name in TABLES:
        if name in tables:
            label = f"{name} (from {runner.labels[recipe.tables[name].source]} by the recipe)"
            source.tables.append(RawTable(name, label, [(r.number, r.out) for r in tables[name]]))
    return runner.outcome
