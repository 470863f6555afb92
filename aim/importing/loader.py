"""Validate raw tables row by row, check every reference, and write them in one transaction.

Nothing is written unless every row of every table is valid. Rows are matched to the database by
their keys; only columns present in the file are compared and updated, so a file without an
`is_public` column cannot quietly make internal measures public. New and changed actuals get
their revision rows in the same transaction, in bulk.

Memory stays flat as files grow: rows arrive one at a time (readers.CsvRows), valid rows wait in a
RowStore (spilled to a temporary file past a batch), duplicate keys are found with one compact
integer per row, and targets and actuals are written batch by batch, each batch comparing itself
with only the stored rows it could change.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar, cast, overload

import numpy as np
from pydantic import ValidationError
from sqlalchemy import CursorResult, bindparam, insert, literal, null, select, update
from sqlalchemy.orm import Session

from aim.importing.readers import CsvRows, RawTable, Source
from aim.importing.report import ImportReport, Problem
from aim.importing.rowstore import RowStore
from aim.importing.tables import (
    TABLES,
    ActivityRow,
    ActualRow,
    BudgetRow,
    CityRow,
    DepartmentRow,
    MeasureRow,
    PriorityRow,
    Row,
    TargetRow,
)
from aim.importing.values import clean
from aim.models import (
    Activity,
    Actual,
    ActualRevision,
    Budget,
    CityInfo,
    Department,
    Measure,
    Priority,
    Target,
    UTCDateTime,
)
from aim.periods import FREQUENCY_KIND, FiscalCalendar, Kind

Progress = Callable[[str, int], None]
#: Bind-parameter batches: well under SQLite's 32,766 variables per statement.
_CHUNK = 5000


@dataclass
class ValidTable:
    name: str
    source: str
    columns: set[str]
    rows: RowStore[Any]
    #: Keys of rows that failed validation: references to them are not reported again as missing.
    failed_keys: set[str] = field(default_factory=set)
    keys: _Keys | None = None


#: Bits of a compact key given to each column after the first (periods, fiscal years: far fewer).
_KEY_BITS = 24


class _Keys:
    """The key of every valid row of a table, as one 64-bit integer each, and its row number.

    A dict of key tuples would hold the whole file again (2.4 million actuals: ~400 MB). Instead
    each key column's values are numbered as they come, and a row's key packs those numbers.
    """

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.numbering: list[dict[Any, int]] = [{} for _ in columns]
        self.keys, self.numbers = array("q"), array("q")
        self._names: list[list[Any]] | None = None

    def add(self, number: int, row: Row) -> None:
        compact = 0
        for column, seen in zip(self.columns, self.numbering, strict=True):
            compact = (compact << _KEY_BITS) | seen.setdefault(getattr(row, column), len(seen))
        self.keys.append(compact)
        self.numbers.append(number)

    def key_of(self, index: int) -> tuple:
        if self._names is None:
            self._names = [list(seen) for seen in self.numbering]  # dicts keep their order: number -> value
        compact, parts, names = self.keys[index], [], self._names
        mask = (1 << _KEY_BITS) - 1
        for depth in range(len(self.columns) - 1, 0, -1):
            parts.append(names[depth][compact & mask])
            compact >>= _KEY_BITS
        parts.append(names[0][compact])
        return tuple(reversed(parts))

    def duplicates(self) -> list[tuple[int, int]]:
        """(index of a row, index of the earliest row with its key), in the order of the rows."""
        if any(len(seen) > 1 << _KEY_BITS for seen in self.numbering[1:]):
            raise ValueError(f"more than {1 << _KEY_BITS:,} distinct {self.columns[1]} values")
        if len(self.keys) < 2:
            return []
        keys = np.frombuffer(self.keys, dtype=np.int64)
        order = np.argsort(keys, kind="stable")  # equal keys side by side, the earliest row first
        ranked = keys[order]
        later = np.flatnonzero(ranked[1:] == ranked[:-1]) + 1
        starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        first = starts[np.searchsorted(starts, later, side="right") - 1]
        return sorted(zip(order[later].tolist(), order[first].tolist(), strict=True))


def validate(source: Source, report: ImportReport, progress: Progress | None = None) -> dict[str, ValidTable]:
    """Every row through its pydantic model; every problem reported, not only the first.

    The problems of reading come first (a streamed file reports its own while it is read again
    here, which only happens when it changed in between), then those of the rows, as before.
    """
    valid: dict[str, ValidTable] = {}
    found: list[Problem] = []
    for raw in source.tables:
        key = TABLES[raw.name].key
        # One key index per table, shared when a table comes from two files.
        keys = valid[raw.name].keys if raw.name in valid else (_Keys(key) if key else None)
        table = _validate_table(raw, found, report, progress, keys)
        if isinstance(raw.rows, CsvRows):
            report.problems.extend(raw.rows.problems)
        if table.name in valid:  # the same table from two files: keep one store, keys checked below
            valid[table.name].rows.extend(table.rows)
            valid[table.name].columns |= table.columns
            valid[table.name].failed_keys |= table.failed_keys
            table.rows.close()
        else:
            valid[table.name] = table
    report.problems.extend(found)
    for table in valid.values():
        _check_duplicates(table, report)
        table.keys = None  # checked: the memory is the writer's now
    return valid


def _validate_table(
    raw: RawTable,
    problems: list[Problem],
    report: ImportReport,
    progress: Progress | None,
    keys: _Keys | None,
) -> ValidTable:
    model = TABLES[raw.name].model
    table = ValidTable(raw.name, raw.source, set(), RowStore(model), keys=keys)
    report.count(raw.name).read += len(raw.rows)
    validate_row = model.model_validate
    add_key = keys.add if keys else None
    index = -1
    for index, (number, cells) in enumerate(raw.rows):
        if index == 0:
            table.columns = set(cells)
        try:
            row = validate_row(cells)
            table.rows.append(number, row)
            if add_key:
                add_key(number, row)
        except ValidationError as exc:
            key = TABLES[raw.name].key
            if len(key) == 1:
                table.failed_keys.add(clean(cells.get(key[0], "")))
            for error in exc.errors(include_url=False, include_context=False):
                column = str(error["loc"][0]) if error["loc"] else ""
                message = error["msg"].removeprefix("Value error, ")
                value = cells.get(column, "") if column else ""
                text = f"{column} {message}" if column else message
                problems.append(Problem(raw.source, number, column, str(value)[:200], text))
        if progress and index % 5000 == 4999:
            progress("validate", 5000)
    if progress:
        progress("validate", (index + 1) % 5000)
    return table


def _check_duplicates(table: ValidTable, report: ImportReport) -> None:
    """Report every row whose key an earlier row has, naming that earlier row."""
    if table.keys is None:  # the city table: no key, one row
        if len(table.rows) > 1:
            second = list(itertools.islice(table.rows, 2))[1][0]
            report.problems.append(
                Problem(
                    table.source,
                    second,
                    "",
                    "",
                    f"The {table.name} table holds one row; found {len(table.rows)}.",
                )
            )
        return
    keys, column = table.keys, table.keys.columns[0]
    for index, first in keys.duplicates():
        k = keys.key_of(index)
        report.problems.append(
            Problem(
                table.source,
                keys.numbers[index],
                column,
                " / ".join(map(str, k)),
                f"Duplicate {table.name[:-1]} {' '.join(map(str, k))}: "
                f"the same as row {keys.numbers[first]}.",
            )
        )


@dataclass
class _MeasureInfo:
    frequency: str
    direction: str
    id: int | None = None


class Loader:
    """Checks references against the file and the database, then writes, in one session."""

    def __init__(
        self,
        session: Session,
        calendar: FiscalCalendar,
        tables: dict[str, ValidTable],
        report: ImportReport,
        *,
        who: str,
        reason: str,
        now: datetime,
        progress: Progress | None = None,
    ) -> None:
        self.session, self.calendar, self.tables, self.report = session, calendar, tables, report
        self.who, self.reason, self.now, self.progress = who, reason, now, progress
        self._kinds: dict[str, Kind] = {}

    # The rows of each table are instances of its row model (validate() built them from TABLES):
    # these overloads tell the type checker so, table by table.
    @overload
    def rows(self, table: Literal["city"]) -> Iterable[tuple[int, CityRow]]: ...
    @overload
    def rows(self, table: Literal["priorities"]) -> Iterable[tuple[int, PriorityRow]]: ...
    @overload
    def rows(self, table: Literal["departments"]) -> Iterable[tuple[int, DepartmentRow]]: ...
    @overload
    def rows(self, table: Literal["activities"]) -> Iterable[tuple[int, ActivityRow]]: ...
    @overload
    def rows(self, table: Literal["measures"]) -> Iterable[tuple[int, MeasureRow]]: ...
    @overload
    def rows(self, table: Literal["targets"]) -> Iterable[tuple[int, TargetRow]]: ...
    @overload
    def rows(self, table: Literal["actuals"]) -> Iterable[tuple[int, ActualRow]]: ...
    @overload
    def rows(self, table: Literal["budgets"]) -> Iterable[tuple[int, BudgetRow]]: ...
    @overload
    def rows(self, table: str) -> Iterable[tuple[int, Row]]: ...
    def rows(self, table: str) -> Iterable[tuple[int, Any]]:
        return self.tables[table].rows if table in self.tables else ()

    def has_rows(self, table: str) -> bool:
        return table in self.tables and len(self.tables[table].rows) > 0

    def failed(self, table: str) -> set[str]:
        return self.tables[table].failed_keys if table in self.tables else set()

    def problem(self, table: str, number: int, column: str, value: object, message: str) -> None:
        self.report.problems.append(Problem(self.tables[table].source, number, column, str(value), message))

    # -- references --------------------------------------------------------------------------
    def check_references(self) -> None:
        s = self.session
        priorities = {r.slug for _, r in self.rows("priorities")} | set(s.scalars(select(Priority.slug)))
        departments = {r.code for _, r in self.rows("departments")} | set(s.scalars(select(Department.code)))
        activities = {r.code for _, r in self.rows("activities")} | set(s.scalars(select(Activity.code)))
        measures = {
            code: _MeasureInfo(frequency, direction, id_)
            for id_, code, frequency, direction in s.execute(
                select(Measure.id, Measure.code, Measure.frequency, Measure.direction)
            )
        }
        changed_frequency: dict[str, str] = {}
        for _, r in self.rows("measures"):
            known = measures.get(r.code)
            if known and known.frequency != r.frequency:
                changed_frequency[r.code] = known.frequency
            measures[r.code] = _MeasureInfo(r.frequency, r.direction, known.id if known else None)

        def missing(kind: str, code: str) -> str:
            return f"{kind} {code!r} does not exist in this file or in the database"

        # Rows that failed validation are already reported; rows referring to them are not.
        priorities |= self.failed("priorities")
        departments |= self.failed("departments")
        activities |= self.failed("activities")
        unchecked_measures = self.failed("measures")

        for n, activity in self.rows("activities"):
            if activity.department not in departments:
                department = activity.department
                self.problem("activities", n, "department", department, missing("department", department))
            for slug in activity.priorities:
                if slug not in priorities:
                    self.problem("activities", n, "priorities", slug, missing("priority", slug))
        for n, measure in self.rows("measures"):
            if measure.activity not in activities:
                self.problem(
                    "measures", n, "activity", measure.activity, missing("activity", measure.activity)
                )
        for n, budget in self.rows("budgets"):
            if budget.activity not in activities:
                self.problem("budgets", n, "activity", budget.activity, missing("activity", budget.activity))
        values: Iterable[tuple[str, int, TargetRow | ActualRow]] = itertools.chain(
            (("targets", n, row) for n, row in self.rows("targets")),
            (("actuals", n, row) for n, row in self.rows("actuals")),
        )
        for table, n, row in values:
            info = measures.get(row.measure)
            if info is None and row.measure in unchecked_measures:
                continue
            if info is None:
                self.problem(table, n, "measure", row.measure, missing("measure", row.measure))
                continue
            self._check_period(table, n, row, info)
        self._check_frequency_changes(changed_frequency)

    def _check_period(self, table: str, number: int, row: TargetRow | ActualRow, info: _MeasureInfo) -> None:
        kind = self._kinds.get(row.period)
        if kind is None:  # a few hundred periods, millions of rows
            kind = self._kinds[row.period] = self.calendar.parse(row.period).kind
        wanted = FREQUENCY_KIND[info.frequency]
        if table == "actuals" and kind is not wanted:
            self.problem(
                table,
                number,
                "period",
                row.period,
                f"period must be a {wanted.value} for the {info.frequency} measure "
                f"{row.measure!r}; got a {kind.value}",
            )
        if isinstance(row, TargetRow):
            if kind.months < wanted.months:
                self.problem(
                    table,
                    number,
                    "period",
                    row.period,
                    f"period {row.period} is shorter than the {info.frequency} measure "
                    f"{row.measure!r} reports; set targets for a {wanted.value} or longer",
                )
            is_range = info.direction == "range"
            if is_range and (row.low is None or row.high is None):
                self.problem(
                    table,
                    number,
                    "low",
                    "",
                    f"measure {row.measure!r} is a range measure: its target needs low and high",
                )
            if not is_range and row.value is None:
                self.problem(
                    table,
                    number,
                    "value",
                    "",
                    f"measure {row.measure!r} goes {info.direction}: its target needs a value",
                )

    def _check_frequency_changes(self, changed: dict[str, str]) -> None:
        if not changed:
            return
        with_values = set(
            self.session.scalars(
                select(Measure.code)
                .join(Actual, Actual.measure_id == Measure.id)
                .where(Measure.code.in_(changed))
                .distinct()
            )
        )
        for n, r in self.rows("measures"):
            if r.code in with_values:
                self.problem(
                    "measures",
                    n,
                    "frequency",
                    r.frequency,
                    f"frequency cannot change from {changed[r.code]} to {r.frequency}: the "
                    "measure already has values in the database",
                )

    # -- writing -----------------------------------------------------------------------------
    def write(self) -> None:
        self._write_city()
        priorities = self._upsert("priorities", Priority, "slug", ["title", "description", "sort_order"])
        departments = self._upsert("departments", Department, "code", ["name", "description"])
        activities = self._write_activities(departments, priorities)
        measures = self._upsert(
            "measures",
            Measure,
            "code",
            [
                "name",
                "definition",
                "calculation",
                "data_source",
                "unit_kind",
                "unit_label",
                "direction",
                "frequency",
                "aggregation",
                "tolerance",
                "measure_type",
                "is_public",
                "is_key",
                "is_output",
                "active_from",
                "retired_at",
            ],
            refs={"activity": ("activity_id", activities)},
        )
        self._write_targets(measures)
        self._write_actuals(measures)
        self._write_budgets(activities)
        if self.report.changed:
            info = self.session.get(CityInfo, 1) or CityInfo(id=1, name="", demonstration=False, notice="")
            info.data_updated_at = self.now
            self.session.add(info)
            self.session.flush()
            CityInfo.advance(self.session)  # caches keyed on the data version see the import

    def _write_city(self) -> None:
        first = next(iter(self.rows("city")), None)
        if first is None:
            return
        _, row = first
        counts = self.report.count("city")
        info = self.session.get(CityInfo, 1)
        if info is None:
            info = CityInfo(id=1, name="", demonstration=False, notice="")
            self.session.add(info)
            counts.created += 1
            fresh = True
        else:
            fresh = False
        changed = self._assign(info, row, ["name", "demonstration", "notice"], self.tables["city"].columns)
        if not fresh:
            if changed:
                counts.updated += 1
            else:
                counts.unchanged += 1

    @staticmethod
    def _assign(obj, row: Row, fields: Iterable[str], present: set[str]) -> bool:
        changed = False
        for name in fields:
            if name in present:
                new = getattr(row, name)
                if getattr(obj, name) != new:
                    setattr(obj, name, new)
                    changed = True
        return changed

    def _upsert(
        self,
        table: str,
        model,
        key: str,
        fields: list[str],
        refs: dict[str, tuple[str, dict[str, int]]] | None = None,
        extra: Callable[[Any, Row], bool] | None = None,
    ) -> dict[str, int]:
        """Small tables through the ORM: create new rows, update changed ones; return key -> id."""
        existing = {getattr(o, key): o for o in self.session.scalars(select(model))}
        rows = self.rows(table)
        if not self.has_rows(table):
            return {k: o.id for k, o in existing.items()}
        present = self.tables[table].columns
        counts = self.report.count(table)
        for _, row in rows:
            obj = existing.get(getattr(row, key))
            values = {f: getattr(row, f) for f in fields}
            for column, (attribute, ids) in (refs or {}).items():
                values[attribute] = ids[getattr(row, column)]
            if obj is None:
                obj = model(**{key: getattr(row, key)}, **values)
                self.session.add(obj)
                existing[getattr(row, key)] = obj
                counts.created += 1
                if extra:
                    extra(obj, row)
                continue
            changed = self._assign(obj, row, fields, present)
            for column, (attribute, _ids) in (refs or {}).items():
                if column in present and getattr(obj, attribute) != values[attribute]:
                    setattr(obj, attribute, values[attribute])
                    changed = True
            if extra:
                changed = extra(obj, row) or changed
            counts.updated += changed
            counts.unchanged += not changed
        self.session.flush()
        return {k: o.id for k, o in existing.items()}

    def _write_activities(self, departments: dict[str, int], priorities: dict[str, int]) -> dict[str, int]:
        if "priorities" not in (self.tables["activities"].columns if "activities" in self.tables else ()):
            return self._upsert(
                "activities",
                Activity,
                "code",
                ["name", "description"],
                refs={"department": ("department_id", departments)},
            )
        by_slug = {p.slug: p for p in self.session.scalars(select(Priority))}

        def link(activity: Activity, row: Row) -> bool:
            assert isinstance(row, ActivityRow)  # _upsert("activities", ...) passes activity rows
            wanted = [by_slug[slug] for slug in row.priorities]
            if activity.id is not None and {p.slug for p in activity.priorities} == set(row.priorities):
                return False
            activity.priorities = wanted
            return True

        return self._upsert(
            "activities",
            Activity,
            "code",
            ["name", "description"],
            refs={"department": ("department_id", departments)},
            extra=link,
        )

    def _write_targets(self, measures: dict[str, int]) -> None:
        if not self.has_rows("targets"):
            return
        table, counts, present = (
            Target.__table__,
            self.report.count("targets"),
            self.tables["targets"].columns,
        )
        query = select(
            table.c.id, table.c.measure_id, table.c.period, table.c.value, table.c.low, table.c.high
        )
        stored_for = self._stored_measures(table)
        for batch in _batched(self.rows("targets"), _CHUNK):
            keys = [(measures[r.measure], r.period) for _, r in batch]
            stored = self._select_keys(query, table, keys, stored_for)
            existing = {(m, p): (i, v, lo, hi) for i, m, p, v, lo, hi in stored}
            new, changed = [], []
            for (_, r), (mid, period) in zip(batch, keys, strict=True):
                old = existing.get((mid, period))
                values = {c: getattr(r, c) for c in ("value", "low", "high")}
                if old is None:
                    new.append(
                        {"measure_id": mid, "period": period, **values}
                        | {"set_by": self.who, "set_at": self.now}
                    )
                    continue
                merged = _merge(("value", "low", "high"), values, old[1:], present)
                if tuple(merged.values()) != old[1:]:
                    changed.append({"b_id": old[0], **merged, "set_by": self.who, "set_at": self.now})
                else:
                    counts.unchanged += 1
            self._save(table, counts, new, changed)

    def _write_actuals(self, measures: dict[str, int]) -> None:
        if not self.has_rows("actuals"):
            return
        table, counts, present = (
            Actual.__table__,
            self.report.count("actuals"),
            self.tables["actuals"].columns,
        )
        query = select(
            table.c.id,
            table.c.measure_id,
            table.c.period,
            table.c.value,
            table.c.explanation,
            table.c.state,
            table.c.version,
        )
        stored_for = self._stored_measures(table)
        any_new = False
        for batch in _batched(self.rows("actuals"), _CHUNK):
            keys = [(measures[r.measure], r.period) for _, r in batch]
            existing = {
                (m, p): (i, v, e, s, ver)
                for i, m, p, v, e, s, ver in self._select_keys(query, table, keys, stored_for)
            }
            new, changed, revisions = [], [], []
            for (_, r), (mid, period) in zip(batch, keys, strict=True):
                old = existing.get((mid, period))
                if old is None:
                    new.append(
                        {
                            "measure_id": mid,
                            "period": period,
                            "value": r.value,
                            "explanation": r.explanation,
                            "state": r.state,
                            "version": 1,
                            "updated_by": self.who,
                            "updated_at": self.now,
                            "created_at": self.now,
                            "published_at": self.now if r.state == "published" else None,
                        }
                    )
                    continue
                old_id, old_value, old_explanation, old_state, version = old
                value = r.value if "value" in present else old_value
                explanation = r.explanation if "explanation" in present else old_explanation
                state = r.state if "state" in present else old_state
                if (value, explanation, state) == (old_value, old_explanation, old_state):
                    counts.unchanged += 1
                    continue
                changed.append(
                    {
                        "b_id": old_id,
                        "b_version": version,
                        "value": value,
                        "explanation": explanation,
                        "state": state,
                        "updated_by": self.who,
                        "updated_at": self.now,
                        "published_at": self.now if state == "published" else None,
                    }
                )
                revisions.append(
                    self._revision(old_id, version + 1, old_value, value, old_state, state, explanation)
                )
            self._insert_chunked(insert(table), new)
            any_new = any_new or bool(new)
            if changed:
                statement = (
                    update(table)
                    .where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
                    .values(version=bindparam("b_version") + 1)
                )
                # An UPDATE's result is a CursorResult (it has rowcount); Session.execute is typed wider.
                result = cast(CursorResult[Any], self.session.execute(statement, changed))
                if result.rowcount not in (-1, len(changed)):
                    raise ConcurrentChange(
                        "Some values changed in the database while this file was being "
                        "imported. Nothing was written; run the import again."
                    )
            self._insert_chunked(insert(ActualRevision.__table__), revisions)
            counts.created += len(new)
            counts.updated += len(changed)
        if any_new:
            # After every batch: the statement finds this import's new rows by their timestamp.
            self._revisions_for_new_actuals()

    def _stored_measures(self, table) -> set[int]:
        """The measures that have rows in `table` before this import writes any: a batch of rows for
        other measures (all of them, in a first import) needs no look-up at all."""
        return set(self.session.scalars(select(table.c.measure_id).distinct()))

    def _select_keys(self, query, table, keys: list[tuple[int, str]], stored_for: set[int]):
        """The stored rows of `query` whose (measure_id, period) is one of `keys`: exactly the rows a
        batch can change, so a re-import holds one batch of stored rows at a time, not the table."""
        wanted = [k for k in keys if k[0] in stored_for]
        # Ask by measure (the (measure_id, period) index's prefix) and keep the wanted pairs here:
        # a list of 5,000 (measure_id, period) pairs makes PostgreSQL test every pair against every
        # row it reads (12 s per batch at 2,500 x 20, many minutes for a re-import). A batch holds
        # a few measures' rows, so their other periods cost little. 5,000 ids stay well under
        # SQLite's 32,766 variables.
        wanted_keys = set(wanted)
        measures = sorted({measure_id for measure_id, _period in wanted})
        for start in range(0, len(measures), _CHUNK):
            chunk = measures[start : start + _CHUNK]
            for row in self.session.execute(query.where(table.c.measure_id.in_(chunk))):
                if (row.measure_id, row.period) in wanted_keys:
                    yield row

    def _revisions_for_new_actuals(self) -> None:
        """One INSERT ... SELECT writes the first revision of every actual this import created.

        The import's timestamp marks its new rows. (A bulk INSERT ... RETURNING would give their
        ids too, but SQLite cannot promise RETURNING's row order, so SQLAlchemy then sends one
        statement per row: 99,000 of them for 100,000 values.)
        """
        a, r = Actual.__table__, ActualRevision.__table__
        created = (
            select(
                a.c.id,
                literal(1),
                null(),
                a.c.value,
                null(),
                a.c.state,
                literal(self.who),
                literal(self.now, UTCDateTime()),
                literal(self.reason),
                a.c.explanation,
            )
            .where(a.c.created_at == literal(self.now, UTCDateTime()))
            .where(~select(r.c.id).where(r.c.actual_id == a.c.id).exists())
        )
        self.session.execute(
            insert(r).from_select(
                [
                    "actual_id",
                    "version",
                    "old_value",
                    "new_value",
                    "old_state",
                    "state",
                    "changed_by",
                    "changed_at",
                    "reason",
                    "explanation",
                ],
                created,
            )
        )

    def _revision(
        self, actual_id: int, version: int, old_value, new_value, old_state, state, explanation: str
    ) -> dict:
        return {
            "actual_id": actual_id,
            "version": version,
            "old_value": old_value,
            "new_value": new_value,
            "old_state": old_state,
            "state": state,
            "changed_by": self.who,
            "changed_at": self.now,
            "reason": self.reason,
            "explanation": explanation,
        }

    def _write_budgets(self, activities: dict[str, int]) -> None:
        rows = self.rows("budgets")
        if not self.has_rows("budgets"):
            return
        table, counts, present = (
            Budget.__table__,
            self.report.count("budgets"),
            self.tables["budgets"].columns,
        )
        existing = {
            (a, y): (i, ad, ex, fte)
            for i, a, y, ad, ex, fte in self.session.execute(
                select(
                    table.c.id,
                    table.c.activity_id,
                    table.c.fiscal_year,
                    table.c.adopted,
                    table.c.expenditure,
                    table.c.fte,
                )
            )
        }
        new, changed = [], []
        for _, r in rows:
            aid = activities[r.activity]
            values = {c: _money(getattr(r, c)) for c in ("adopted", "expenditure", "fte")}
            old = existing.get((aid, r.fiscal_year))
            if old is None:
                new.append({"activity_id": aid, "fiscal_year": r.fiscal_year, **values})
                continue
            stored = tuple(_money(x) for x in old[1:])
            merged = _merge(("adopted", "expenditure", "fte"), values, stored, present)
            if tuple(merged.values()) != stored:
                changed.append({"b_id": old[0], **merged})
            else:
                counts.unchanged += 1
        self._save(table, counts, new, changed)

    # -- bulk helpers ------------------------------------------------------------------------
    def _save(self, table, counts, new: list[dict], changed: list[dict]) -> None:
        """Insert the new rows and update the changed ones (keyed by b_id), and count them."""
        self._insert_chunked(insert(table), new)
        if changed:
            self.session.execute(update(table).where(table.c.id == bindparam("b_id")), changed)
        counts.created += len(new)
        counts.updated += len(changed)

    def _insert_chunked(self, statement, rows: list[dict]) -> None:
        """Insert in batches, reporting progress."""
        for start in range(0, len(rows), _CHUNK):
            batch = rows[start : start + _CHUNK]
            self.session.execute(statement, batch)
            if self.progress:
                self.progress("write", len(batch))


T = TypeVar("T")


def _batched(rows: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _merge(columns: tuple[str, ...], values: dict, stored: tuple, present: set[str]) -> dict:
    """The row as it will be: the file's value for columns it has, the stored value for the rest."""
    return {c: values[c] if c in present else stored[i] for i, c in enumerate(columns)}


class ConcurrentChange(RuntimeError):
    """Rows changed under the import; the transaction is rolled back."""


def _money(value: float | Decimal | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"))
