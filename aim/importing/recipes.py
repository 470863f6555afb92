"""Recipes: a declarative mapping from another city's spreadsheet to the import format, in JSON.

A recipe names its source files and, for each import table, the source it comes from, the rows to
skip and why, how each column is made (renamed, mapped through a table of values with case and
spaces folded, split, slugified, or a constant), an optional wide-to-long unpivot (columns such as
"FY 24 Actual" into a period and a value), which of several source rows wins for the same key, and
how percent figures written as fractions are scaled. No city-specific code: only the recipe.

A row the recipe cannot map (a direction nobody wrote down, a value that is not a number) is refused
and reported with its file, row, column and reason; it is never guessed. What the recipe maps then
goes through the ordinary all-or-nothing importer.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from aim.importing.readers import RawTable, Source
from aim.importing.report import Problem
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
    value: str | None = None  # or a constant
    split: str | None = None  # split the cell on this separator ...
    part: int = 0  # ... and keep this part ("AGC7900 Municipal Appeals" -> "AGC7900")
    map: dict[str, str] | None = None  # source value (case and spaces folded) -> output value
    default: str | None = None  # for empty cells (and, with a map, for values not in it)
    slugify: bool = False  # "Enhancing Public Safety" -> "enhancing-public-safety"
    empty_reason: str | None = None  # refuse rows whose cell is empty, with this reason

    @model_validator(mode="after")
    def _one_source(self) -> ColumnRule:
        if (self.column is None) == (self.value is None):
            raise ValueError("give either 'column' or 'value'")
        return self


class Unpivot(_Strict):
    """Turn matching columns into rows: `FY 24 Actual` -> period "2024" with that cell as value."""

    columns: str  # a regular expression with named groups, e.g. ^FY (?P<yy>\d\d) Actual$
    period: str  # a template using those groups, e.g. 20{yy}
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
    files: dict[str, str]
    no_value: list[str] = Field(default_factory=list)  # extra "no value" cells, as regexes (folded)
    city: dict[str, str] | None = None
    tables: dict[str, TableRecipe]
    percent: PercentScaling | None = None
    notes: list[str] = Field(default_factory=list)  # decisions a reviewer should know about

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        for name, table in self.tables.items():
            if name not in TABLES:
                raise ValueError(f"tables: {name!r} is not an import table ({', '.join(TABLES)})")
            if table.source not in self.files:
                raise ValueError(f"tables.{name}.source: {table.source!r} is not one of files")
            unknown = set(table.columns) - set(columns(name))
            if unknown:
                raise ValueError(f"tables.{name}.columns: unknown output column(s) {sorted(unknown)}")
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
        return Counter((p.source, p.message) for p in self.refused)

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "skipped": [{"table": t, "reason": r, "rows": n} for (t, r), n in sorted(self.skipped.items())],
            "merged": dict(self.merged),
            "refused": [
                {"table": t, "reason": r, "rows": n} for (t, r), n in sorted(self.refused_reasons().items())
            ],
        }


class _Runner:
    def __init__(self, recipe: Recipe, folder: Path) -> None:
        self.recipe, self.folder = recipe, folder
        self.no_value = [re.compile(p, re.IGNORECASE) for p in recipe.no_value]
        self.outcome = RecipeOutcome(Source())
        self.files: dict[str, list[_Row]] = {}
        self.refused_keys: dict[str, dict[str, str]] = defaultdict(dict)  # table -> key -> reason

    def empty(self, text: str) -> bool:
        folded = clean(text)
        return is_no_value(folded) or any(p.search(folded) for p in self.no_value)

    def read(self) -> None:
        for key, name in self.recipe.files.items():
            path = self.folder / name
            try:
                with path.open(newline="", encoding="utf-8-sig") as handle:
                    reader = csv.DictReader(handle)
                    self.files[key] = [
                        _Row(n, {k: v or "" for k, v in row.items() if k is not None})
                        for n, row in enumerate(reader, start=2)
                    ]
            except (OSError, UnicodeDecodeError, csv.Error) as exc:
                raise RecipeError(f"Cannot read {path}: {exc}") from None
            self.outcome.read[name] = len(self.files[key])

    def refuse(self, table: str, row: _Row, column: str, value: str, reason: str) -> None:
        spec = self.recipe.tables[table]
        self.outcome.refused.append(
            Problem(f"{table} from {self.recipe.files[spec.source]}", row.number, column, value[:120], reason)
        )
        key_column = TABLES[table].key[0] if TABLES[table].key else None
        if key_column in spec.columns:
            self.refused_keys[table].setdefault(self._raw(spec.columns[key_column], row), reason)

    def _raw(self, rule: ColumnRule, row: _Row) -> str:
        """A cell as a key: read, emptied, split; not mapped."""
        if rule.value is not None:
            return rule.value
        cell = row.cells.get(rule.column or "", "")  # a rule without a value names a column
        text = "" if self.empty(cell) else clean(cell)
        if text and rule.split is not None:
            parts = text.split(rule.split)
            text = parts[rule.part] if len(parts) > rule.part else ""
        return _slug(text) if rule.slugify else text

    def table(self, name: str, spec: TableRecipe) -> list[_Row]:
        rows: list[_Row] = []
        for row in self.files[spec.source]:
            rule = next((s for s in spec.skip if s.matches(row.cells)), None)
            if rule:
                self.outcome.skipped[(name, rule.reason)] += 1
                continue
            rows.extend(self._unpivot(spec.unpivot, row) if spec.unpivot else [row])
        if spec.latest:
            rows = self._latest(name, spec, rows)
        mapped = [r for r in rows if self._map(name, spec, r)]
        if spec.distinct:
            mapped = self._distinct(name, mapped)
        return mapped

    def _unpivot(self, spec: Unpivot, row: _Row) -> Iterable[_Row]:
        pattern = re.compile(spec.columns)
        for column, cell in row.cells.items():
            match = pattern.match(column)
            if not match:
                continue
            groups = match.groupdict()
            notes = [row.cells.get(t.format(**groups), "") for t in spec.notes]
            cells = dict(row.cells)
            cells[spec.period_column] = spec.period.format(**groups)
            cells[spec.value_column] = cell
            cells[spec.notes_column] = "\n".join(n.strip() for n in notes if clean(n))
            yield _Row(row.number, cells, value_column=column)

    def _map(self, table: str, spec: TableRecipe, row: _Row) -> bool:
        for name, rule in spec.columns.items():
            if rule.value is not None:
                row.out[name] = rule.value
                continue
            column = rule.column or ""  # a rule without a value names a column
            raw = row.cells.get(column, "")
            # An unpivoted value is reported in the source column it came from.
            where = (
                (row.value_column or column)
                if column == (spec.unpivot.value_column if spec.unpivot else None)
                else column
            )
            text = "" if self.empty(raw) else clean(raw)
            if text and rule.split is not None:
                parts = text.split(rule.split)
                text = parts[rule.part] if len(parts) > rule.part else ""
            if not text:
                if rule.default is not None:
                    row.out[name] = rule.default
                    continue
                if rule.empty_reason:
                    self.refuse(table, row, where, raw, rule.empty_reason)
                    return False
                row.out[name] = ""
                continue
            if rule.map is not None:
                mapped = rule.map.get(_fold(text))
                if mapped is None:
                    if rule.default is not None:
                        row.out[name] = rule.default
                        continue
                    self.refuse(
                        table,
                        row,
                        where,
                        raw,
                        f"{rule.column} {text!r} has no mapping in the recipe "
                        f"(known: {', '.join(sorted(rule.map))})",
                    )
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


def run_recipe(recipe: Recipe, folder: Path) -> RecipeOutcome:
    """Apply `recipe` to the files in `folder`; the outcome's source goes to the importer."""
    runner = _Runner(recipe, folder)
    runner.read()
    tables = {name: runner.table(name, spec) for name, spec in recipe.tables.items()}
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
            label = f"{name} (from {recipe.files[recipe.tables[name].source]} by the recipe)"
            source.tables.append(RawTable(name, label, [(r.number, r.out) for r in tables[name]]))
    return runner.outcome
