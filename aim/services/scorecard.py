"""The public scorecard: every public measure evaluated for one period, each priority's index and
counts, and the citywide index. Only published values of public measures are read, unless a signed-in
`user` is given: then the internal measures of the departments that user may read join them (the
review room), judged by the same rules on published values.

All measures are evaluated from one scan of the actuals (current period, the same period a year
earlier, the trend window and the latest due period: each period key's values packed by the
database, on PostgreSQL into a row, on SQLite into a column of one row), plus one query each for
measures, activities, priorities and targets; never a query per measure. `make bench` times it
against a bare SQL aggregate over the same rows.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import chain, groupby, repeat
from operator import add, attrgetter, is_, itemgetter
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Connection,
    Dialect,
    Float,
    Integer,
    Label,
    LargeBinary,
    Select,
    String,
    Subquery,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from aim import status as rules
from aim.auth import Principal, visible_department_ids
from aim.db import read_beside
from aim.models import Activity, Actual, Department, Measure, Priority, Target, activity_priorities
from aim.periods import FREQUENCY_KIND, FiscalCalendar, Kind, Period, sort_periods
from aim.schemas import MeasureStatus, PriorityScore, Scorecard, StatusCounts
from aim.services.publication import published_source

PUBLISHED = "published"
#: How far back the default period looks for a fiscal year with published data.
_LOOKBACK_YEARS = 30


@dataclass(frozen=True)
class _Keys:
    """The period keys one kind of measure needs for a scorecard of one period."""

    current: list[Period]
    previous: list[Period]  # the same periods a year earlier (only those already ended now)
    window: list[Period]  # the trend window, oldest first
    due: Period  # the latest period that should have been reported by now
    window_labels: list[str]  # the window's periods as people name them, computed once per kind


def _kinds_within(period: Period) -> list[Kind]:
    return [k for k in (Kind.YEAR, Kind.QUARTER, Kind.MONTH) if k.months <= period.length]


def _keys_for(calendar: FiscalCalendar, period: Period, kind: Kind, as_of: date) -> _Keys:
    current = calendar.children(period, kind)
    a_year_earlier = calendar.shift(period, -(12 // period.length))
    previous = [
        earlier
        for earlier, now in zip(calendar.children(a_year_earlier, kind), current, strict=True)
        if calendar.has_ended(now, as_of)
    ]
    # The trend window ends with the period's last part that has ended (not in the future).
    last = current[-1]
    if not calendar.has_ended(last, as_of):
        last = max(calendar.shift(calendar.on(as_of, kind), -1), current[0])
    window = calendar.window(last, rules.TREND_PERIODS)
    return _Keys(
        current, previous, window, calendar.last_due(kind, as_of), [calendar.label(p) for p in window]
    )


def default_period(
    session: Session, calendar: FiscalCalendar, as_of: date | None = None, *, published_on: date | None = None
) -> Period:
    """The latest fiscal year that has ended and can be judged: it holds published data (as
    published on `published_on`, when given) and a target set for it or for any of its quarters
    or months.

    Failing that, the latest ended year with published data (every measure then shows "no
    target"); a year still under way only when no ended year has any published data; with no data
    at all, the current fiscal year. Indexed existence probes, two per year tried at most.
    """
    as_of = as_of or published_on or date.today()
    src = published_source(published_on)
    current = calendar.on(as_of, Kind.YEAR)
    ended = [calendar.shift(current, -n) for n in range(1, _LOOKBACK_YEARS + 1)]
    with_data: Period | None = None
    for year in [*ended, current, calendar.shift(current, 1)]:
        keys = [p.key for k in _kinds_within(year) for p in calendar.children(year, k)]
        probe = select(literal(1)).where(src.c.state == PUBLISHED, src.c.period.in_(keys)).limit(1)
        if session.execute(probe).first() is None:
            continue
        if with_data is None:
            with_data = year
            if year in (current, calendar.shift(current, 1)):
                break  # no ended year has data: the year under way, judged or not
        judged = select(literal(1)).where(Target.period.in_(keys)).limit(1)
        if session.execute(judged).first() is not None:
            return year
    return with_data or current


@dataclass(frozen=True)
class _Plan:
    """One period a scan evaluates, with the period keys each kind of measure needs for it."""

    period: Period
    keys: dict[Kind, _Keys]


def _slots(plans: Sequence[_Plan]) -> dict[str, int]:
    """A column for every period key the scan reads: the keys of each kind (current period, a
    year earlier, trend window, latest due, for every plan) numbered in period order. Keys of
    different kinds share column numbers; a measure only has values for keys of its own kind."""
    by_kind: dict[Kind, set[Period]] = defaultdict(set)
    for plan in plans:
        for kind, k in plan.keys.items():
            by_kind[kind].update((*k.current, *k.previous, *k.window, k.due))
    return {p.key: n for periods in by_kind.values() for n, p in enumerate(sort_periods(periods))}


@dataclass(frozen=True)
class _Scan:
    """The grouped scan as a matrix, a column per period key (`slot`), NaN where there is no value,
    and a row per measure id: the n-th row the n-th of `known` (the ids with values, ascending), or
    where `known` is None the id's own row (row n for measure id n); the last row (all NaN) stands
    for measures without any."""

    known: np.ndarray | None
    slot: dict[str, int]
    values: np.ndarray

    def rows(self, ids: Sequence[int]) -> np.ndarray:
        """The rows of `ids` (the last row for those without values), found by binary search in
        numpy rather than a dictionary probed a measure at a time."""
        wanted = np.fromiter(ids, dtype=np.int64, count=len(ids))
        last = len(self.values) - 1
        if self.known is None:
            return np.where((wanted >= 0) & (wanted < last), wanted, last).astype(np.intp)
        at = np.searchsorted(self.known, wanted)
        inside = at < len(self.known)
        found = np.zeros(len(wanted), dtype=bool)
        found[inside] = self.known[at[inside]] == wanted[inside]
        return np.where(found, at, last).astype(np.intp)

    def take(self, rows: np.ndarray, periods: Sequence[Period]) -> np.ndarray:
        """The values of `periods` (in that order) for the measures at `rows`."""
        return self.values[np.ix_(rows, np.array([self.slot[p.key] for p in periods], dtype=np.intp))]


def _aggregate_actuals(
    session: Session,
    plans: Sequence[_Plan],
    ids: list[int] | None = None,
    src: Table | Subquery = Actual.__table__,
) -> _Scan:
    """One scan of the published actuals the scorecards of `plans` need, per measure (or for
    `ids`), as a matrix with each period's value in its own column, so that sums run in period
    order in Python, the same order every time (a database adds rows in whatever order it stores
    or gathers them, and float addition depends on the order), and the last value of a period needs
    no second query."""
    slot = _slots(plans)
    width = max(slot.values(), default=-1) + 1
    if session.get_bind().dialect.name == "postgresql":
        return _packed_scan(session, slot, width, ids, src)
    # Elsewhere (SQLite) the whole city's live values packed as text into one row, a key's in a
    # column (_sqlite_scan_query): 29 -> 18 ms at 2,500 measures, and most of it beside the session.
    if isinstance(src, Table) and ids is None:
        return _scan_matrix(slot, width, _sqlite_packed_scan(session, sorted(slot), slot))
    # One measure's scan (ids), or a day's rebuilt source (a subquery): the rows themselves, on the
    # live table a period key at a time as plain tuples from the driver, a rebuilt source in one
    # query through SQLAlchemy, whose bind processing its cut-off time needs, a period after another.
    wanted = [*_published(src)] if ids is None else [*_published(src), src.c.measure_id.in_(ids)]
    if isinstance(src, Table):
        query = select(src.c.measure_id, src.c.value).where(src.c.period == bindparam("key", ""), *wanted)
        keys = sorted(slot)
        by_key = list(zip(keys, _driver_tuples(session, query, [{"key": k} for k in keys]), strict=True))
    else:
        query = select(src.c.period, src.c.measure_id, src.c.value).where(
            src.c.period.in_(sorted(slot)), *wanted
        )
        rows = session.connection().execute(query.order_by(src.c.period)).all()
        by_key = [(key, [tuple(row[1:]) for row in its]) for key, its in groupby(rows, itemgetter(0))]
    parts = []
    for key, found in by_key:
        if found:
            pairs = _pairs(found)
            parts.append((slot[key], pairs[:, 0].astype(np.int64), pairs[:, 1]))
    return _scan_matrix(slot, width, parts)


def _pairs(found: Sequence[tuple]) -> np.ndarray:
    """Rows of (measure id, value) as a matrix of two columns, without a list of them made first."""
    return np.fromiter(chain.from_iterable(found), float, 2 * len(found)).reshape(len(found), 2)


#: Stands for a value whose millionths are not exact (see _micros). No value's millionths can be
#: it: the integers a double rounds to this near -2**63 are multiples of 1,024.
_INEXACT = -(2**63) + 1


def _micros(value: ColumnElement[float]) -> ColumnElement[int]:
    """`value` in millionths, an integer, where that integer divided by a million gives the very
    same value back (SQLite divides as numpy does, in IEEE doubles, and the integer came from a
    double, so numpy's quotient is SQLite's), and _INEXACT elsewhere."""
    micros = cast(func.round(value * literal(1e6, Float)), Integer)
    return case((micros / literal(1e6, Float) == value, micros), else_=literal(_INEXACT, Integer))


#: The binary windows of _in_binary: sizes from 2**(10 * j) up to 2**(10 * j + 10), the likeliest first.
_WINDOWS = (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6)


def _sized(value: ColumnElement[float], low: float, high: float) -> ColumnElement[bool]:
    """Whether `value` is of a size from `low` up to `high`: the bounds bound as doubles (exact,
    where SQLite's reading of a decimal need not be), and compared on both sides of zero rather
    than to abs(value), a function call a comparison."""
    return or_(
        and_(value >= literal(low, Float), value < literal(high, Float)),
        and_(value <= literal(-low, Float), value > literal(-high, Float)),
    )


def _in_binary(
    value: ColumnElement[float],
) -> tuple[ColumnElement[int], ColumnElement[int], ColumnElement[bool]]:
    """`value` as an integer and a window: value = integer * 2**(10 * window - 52), exact by IEEE
    arithmetic alone. A double of size 2**e has 53 bits down to 2**(e - 52); in window j (e from
    10j to 10j + 9) multiplying by 2**(52 - 10j), which changes none of them, makes an integer of
    size 2**52 to 2**62, which SQLite casts and numpy reads back without a bit lost. Plain
    comparisons and products, no math functions (a compile-time option of SQLite). The third is
    whether `value` is in a window: from 2**-50 (about 1e-15) up to 2**70 (about 1e21), not zero
    nor an infinity."""
    inside = [(_sized(value, 2.0 ** (10 * j), 2.0 ** (10 * j + 10)), j) for j in _WINDOWS]
    integer = case(
        *((where, cast(value * literal(2.0 ** (52 - 10 * j), Float), Integer)) for where, j in inside),
        else_=literal(_INEXACT, Integer),
    )
    window = case(*((where, literal(j, Integer)) for where, j in inside), else_=literal(0, Integer))
    return integer, window, _sized(value, 2.0 ** (10 * min(_WINDOWS)), 2.0 ** (10 * max(_WINDOWS) + 10))


def _sqlite_scan_query(keys: int, inexact: bool = False) -> Select:
    """The whole city's scan on SQLite in one row: for each period key (the parameters k0, k1 ...),
    the measure ids and their values in millionths (_micros) as text, the two lists joined by ';'.
    Text, because SQLite's driver would make a Python object of every value of every row and numpy
    reads these lists without one; one row of scalar subqueries (each a key's range of the covering
    index), because SQLite computes all of it in one step, in which the driver lets other Python
    threads run (the scan beside the session's other reads, aim.db.read_beside), where a row a key
    would hand the interpreter back and forth forty times. With `inexact`, the values whose
    millionths are not exact, in binary (_in_binary): ids, integers and windows."""
    src = Actual.__table__

    def listed(column: ColumnElement) -> ColumnElement[str]:
        return func.group_concat(column, type_=String)

    def one(n: int) -> ColumnElement[str]:
        wanted = [src.c.period == bindparam(f"k{n}", type_=String), *_published(src)]
        if not inexact:
            packed = listed(src.c.measure_id) + ";" + listed(_micros(src.c.value))
            return select(packed).where(*wanted).scalar_subquery()
        integer, window, inside = _in_binary(src.c.value)
        packed = listed(src.c.measure_id) + ";" + listed(integer) + ";" + listed(window)
        return select(packed).where(*wanted, _micros(src.c.value) == _INEXACT, inside).scalar_subquery()

    return select(*(one(n) for n in range(keys)))


@lru_cache(maxsize=32)
def _sqlite_scan_sql(
    dialect: Dialect, keys: int, inexact: bool
) -> tuple[str, tuple[str, ...], Mapping[str, Any]]:
    """_sqlite_scan_query compiled once per dialect and number of keys (a year's scorecard has 40
    keys: compiling that on every request would cost milliseconds)."""
    compiled = _sqlite_scan_query(keys, inexact).compile(dialect=dialect)
    return compiled.string, tuple(compiled.positiontup or ()), MappingProxyType(dict(compiled.params))


#: Keys a statement of _sqlite_scan_query at most: SQLite allows 2,000 result columns by default
#: (and the connection's limit of parameters may allow fewer, _sqlite_packed_row).
_KEYS_A_STATEMENT = 500


def _sqlite_packed_row(session: Session, keys: Sequence[str], inexact: bool = False) -> list[str | None]:
    """_sqlite_scan_query's lists for `keys`, None for a key without values, from SQLite's driver:
    one statement for any scorecard's keys, several where there are more than _KEYS_A_STATEMENT or
    their parameters would pass the connection's limit (32,766 in SQLite's own builds; the binary
    form's window bounds take 135 a key)."""
    connection = session.connection()
    each = len(_sqlite_scan_sql(connection.dialect, 1, inexact)[1])
    most = _sqlite_driver(connection).getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // each
    step = max(1, min(_KEYS_A_STATEMENT, most))
    row: list[str | None] = []
    for first in range(0, len(keys), step):
        chunk = keys[first : first + step]
        sql, names, fixed = _sqlite_scan_sql(connection.dialect, len(chunk), inexact)
        params = {**fixed, **{f"k{n}": key for n, key in enumerate(chunk)}}
        row.extend(_sqlite_rows(connection, sql, names, params, sqlite3.Cursor.fetchone))
    return row


def _integers(text: str) -> np.ndarray:
    return np.fromstring(text, dtype=np.int64, sep=",")


def _sqlite_packed_scan(
    session: Session, keys: Sequence[str], slot: dict[str, int]
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Each period key's column, measure ids and values (_scan_matrix's parts) from
    _sqlite_scan_query; the values whose millionths are not exact read again in the same
    transaction (_sqlite_inexact), so that every value is the stored double, bit for bit."""
    parts: list[tuple[int, np.ndarray, np.ndarray]] = []
    unsure: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # by key: ids, values, places
    for key, packed in zip(keys, _sqlite_packed_row(session, keys), strict=True):
        if packed is None:  # no published value for this key
            continue
        ids_text, micros_text = packed.split(";")
        got, micros = _integers(ids_text), _integers(micros_text)
        if len(got) != len(micros):
            raise RuntimeError(f"the scan of {key} gave {len(got)} ids and {len(micros)} values")
        parts.append((slot[key], got, micros / 1e6))
        places = np.flatnonzero(micros == _INEXACT)
        if len(places):
            unsure[key] = (got, parts[-1][2], places)
    if unsure:
        _sqlite_inexact(session, unsure)
    return parts


def _sqlite_inexact(session: Session, unsure: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
    """The values whose millionths are not exact (by period key: the ids, the values to mend and
    the places to mend in them), read again in the session's transaction (so the same rows): in
    binary in one row as the scan is (_in_binary), and what that leaves (infinities, sizes under
    2**-50 or from 2**70 up) as they are, a row each. Each set in its place by measure id, which a
    period has once."""
    keys = list(unsure)
    left = {}
    for key, packed in zip(keys, _sqlite_packed_row(session, keys, inexact=True), strict=True):
        got, vals, places = unsure[key]
        left[key] = len(places)
        if packed is None:
            continue
        ids_text, integers_text, windows_text = packed.split(";")
        ids = _integers(ids_text)
        vals[_places(got, ids)] = np.ldexp(
            _integers(integers_text).astype(float), 10 * _integers(windows_text) - 52
        )
        left[key] -= len(ids)
    rest = [key for key, count in left.items() if count]
    if not rest:
        return
    src = Actual.__table__
    query = select(src.c.measure_id, src.c.value).where(
        src.c.period == bindparam("key", ""),
        *_published(src),
        _micros(src.c.value) == _INEXACT,
        not_(_in_binary(src.c.value)[2]),
    )
    for key, found in zip(rest, _driver_tuples(session, query, [{"key": key} for key in rest]), strict=True):
        got, vals, _ = unsure[key]
        if len(found) != left[key]:
            raise RuntimeError(f"{key}: {len(found)} values read again for {left[key]} left out")
        pairs = _pairs(found)
        vals[_places(got, pairs[:, 0].astype(np.int64))] = pairs[:, 1]


def _places(got: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The places of `ids` in `got` (each there once)."""
    order = np.argsort(got)
    return order[np.searchsorted(got, ids, sorter=order)]


def _driver_tuples(session: Session, query: Select, each: Sequence[Mapping[str, Any]]) -> list[list[tuple]]:
    """The rows of `query` for each set of parameters in `each`, compiled once, from SQLite's
    driver itself: plain tuples without SQLAlchemy's rows, and without its bind or result
    processing, so only for parameters and columns that are integers, floats and strings. The
    driver's errors come out as SQLAlchemy's, as _binary_rows' do."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    names = compiled.positiontup or []
    return [
        _sqlite_rows(
            connection, compiled.string, names, {**compiled.params, **params}, sqlite3.Cursor.fetchall
        )
        for params in each
    ]


def _sqlite_driver(connection: Connection) -> sqlite3.Connection:
    driver = connection.connection.driver_connection
    assert driver is not None, "a session's connection is always open"
    return driver


def _sqlite_rows(
    connection: Connection,
    sql: str,
    names: Sequence[str],
    params: Mapping[str, Any],
    fetch: Callable[[sqlite3.Cursor], Any],
) -> Any:
    """What `fetch` takes of compiled `sql` (its positional parameters named by `names`, their
    values in `params`), run by SQLite's driver itself, its errors SQLAlchemy's (the fetching
    steps through the statement too)."""
    ordered = [params[name] for name in names]
    with _as_sqlalchemy_errors(connection, sql, ordered):
        return fetch(_sqlite_driver(connection).execute(sql, ordered))


@contextmanager
def _as_sqlalchemy_errors(connection: Connection, sql: str, params: Any) -> Iterator[None]:
    """The driver's errors, raised by a statement sent to it directly, as SQLAlchemy's (its
    OperationalError, DataError and the like), as everywhere else."""
    error_class = connection.dialect.loaded_dbapi.Error
    try:
        yield
    except error_class as error:
        raise DBAPIError.instance(sql, params, error, error_class, dialect=connection.dialect) from error


def _packed(src: Table | Subquery) -> tuple[Label[bytes], Label[bytes]]:
    """A period's measure ids and values, each packed by the server into one byte string."""
    empty = literal(b"", LargeBinary)
    return (
        func.string_agg(func.int4send(src.c.measure_id), empty, type_=LargeBinary).label("ids"),
        func.string_agg(func.float8send(src.c.value), empty, type_=LargeBinary).label("values"),
    )


def _published(src: Table | Subquery) -> list[ColumnElement[bool]]:
    return [src.c.state == PUBLISHED, src.c.value.is_not(None)]


def _lateral_scan(*also: ColumnElement[bool]) -> Select:
    """The live table's scan a period key at a time (the keys in the parameter `keys`): each key's
    index range read in turn into a plain aggregate (a lateral aggregate a key), without the hash
    table a GROUP BY over all keys fills row by row, a quarter less of the query's time (48 against
    64 ms at 10,000 measures, 12 against 17 ms at 2,500; the bare aggregate's 41 and 11). Not for a
    day's rebuilt source (a subquery), which would be rebuilt once a key."""
    src = Actual.__table__
    key = (
        func.unnest(bindparam("keys", [], type_=ARRAY(String)))
        .table_valued("period")
        .render_derived(name="key")
    )
    one = select(*_packed(src)).where(src.c.period == key.c.period, *_published(src), *also).lateral("packed")
    return (
        select(key.c.period, one.c.ids, one.c["values"])
        .join_from(key, one, true())
        .where(one.c.ids.is_not(None))
    )


def _packed_scan(
    session: Session, slot: dict[str, int], width: int, ids: list[int] | None, src: Table | Subquery
) -> _Scan:
    """The scan on PostgreSQL: a row per period key, its measure ids and values packed by the server
    into two byte strings (big-endian int4 and float8, in the same row order: aggregates of one
    group read its rows in one order) that numpy reads without a Python object per value. The
    grouped scan a column per period costs PostgreSQL twice the time of this one (25 filtered
    aggregates a row), and fetching the 62,500 values of the big city as rows costs more again.
    Same matrix as the grouped scan: the max of a period's values in its column (different kinds'
    keys share columns), NULLs left out as the max leaves them out."""
    if isinstance(src, Table):
        # The whole city's scan, the same query every time but for its keys: compiled once.
        found = (
            _reused_rows(session, _lateral_scan, {"keys": sorted(slot)})
            if ids is None
            else _binary_rows(session, _lateral_scan(src.c.measure_id.in_(ids)), {"keys": sorted(slot)})
        )
    else:
        wanted = [src.c.period.in_(sorted(slot)), *_published(src)]
        if ids is not None:
            wanted.append(src.c.measure_id.in_(ids))
        found = _binary_rows(
            session, select(src.c.period, *_packed(src)).where(*wanted).group_by(src.c.period)
        )
    parts = [(slot[key], np.frombuffer(m, dtype=">i4"), np.frombuffer(v, dtype=">f8")) for key, m, v in found]
    return _scan_matrix(slot, width, parts)


def _scan_matrix(slot: dict[str, int], width: int, parts: list[tuple[int, np.ndarray, np.ndarray]]) -> _Scan:
    """The scan's matrix from each period key's column, measure ids and values (`parts`)."""
    count = sum(len(got) for _, got, _ in parts)
    top = max((int(got.max()) for _, got, _ in parts if len(got)), default=-1)
    lowest = min((int(got.min()) for _, got, _ in parts if len(got)), default=0)
    # A value a cell where each key has a column of its own (a measure has one value a period,
    # uq_actuals_measure_id_period). Then, where the ids are dense enough (the whole city's scan;
    # not one measure's), a row per id up to the largest: each key's values put straight in its
    # column, with no ids numbered and nothing concatenated. PostgreSQL's bytes became a matrix in
    # 7 ms at 10,000 measures, now in 2, on the request's path: the values are what it waits for last.
    own_columns = len({column for column, _, _ in parts}) == len(parts)
    if own_columns and lowest >= 0 and (top + 2) * width <= 4 * count + 4096:
        by_id = np.full((top + 2, width), np.nan)
        for column, got, vals in parts:
            by_id[got, column] = vals
        return _Scan(None, slot, by_id)
    measure_ids = np.concatenate([got for _, got, _ in parts] or [np.empty(0, np.int64)])
    values = np.concatenate([vals for _, _, vals in parts] or [np.empty(0, float)])
    slots = np.repeat(np.array([c for c, _, _ in parts], dtype=np.intp), [len(got) for _, got, _ in parts])
    known, row = _numbered(measure_ids)
    # The last row (all NaN) stands for measures without values.
    shape = (len(known) + 1, width)
    cell = row * width + slots
    # A value a cell: certainly where each key has a column of its own, and otherwise where no
    # measure has values under two kinds' keys of one column (keys of different kinds share column
    # numbers), as counted.
    if own_columns or (np.bincount(cell, minlength=shape[0] * width).max(initial=0) <= 1):
        matrix = np.full(shape[0] * width, np.nan)
        matrix[cell] = values
        matrix = matrix.reshape(shape)
    else:
        # The largest value of each cell, NaN above all as in PostgreSQL's max; NaN where none.
        matrix = np.full(shape, -np.inf)
        np.maximum.at(matrix, (row, slots), values.astype(float))
        seen = np.zeros(shape, dtype=bool)
        seen[row, slots] = True
        matrix[~seen] = np.nan
    return _Scan(known.astype(np.int64), slot, matrix)


def _binary_rows(session: Session, query: Select, params: Mapping[str, Any] | None = None) -> Sequence[tuple]:
    """The rows of `query` (with `params` for its named parameters), as plain tuples, on the
    session's connection and transaction. On PostgreSQL in the binary result format: byte strings
    come as they are stored, where the text format psycopg asks for by default sends them
    hex-encoded, twice their size, for the client to decode (a fifth of the packed scan's time at
    10,000 measures), and numbers and dates need no parsing from text (two fifths of the measures
    query's). The values are the same either way.

    The query goes to psycopg as SQLAlchemy compiles it, without its execution options, bind
    processors or events (none of which these queries use); the driver's errors come out as
    SQLAlchemy's, as everywhere else (sqlalchemy.exc.OperationalError and the like)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return [tuple(row) for row in connection.execute(query, dict(params or {})).all()]
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    return _driver_rows(connection, compiled.string, {**compiled.params, **(params or {})})


def _reused_rows(session: Session, build: Callable[[], Select], params: Mapping[str, Any]) -> Sequence[tuple]:
    """_binary_rows of the query `build()` makes, its values all in named parameters (`params`):
    compiled once per dialect rather than on every request, where compiling the scorecard's fixed
    queries (the scan, measures, activities, targets and priorities) cost about a millisecond of the
    request's path at 2,500 measures."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return _binary_rows(session, build(), params)
    sql, fixed = _compiled(connection.dialect, build)
    return _driver_rows(connection, sql, {**fixed, **params})


@lru_cache(maxsize=64)
def _compiled(dialect: Dialect, build: Callable[[], Select]) -> tuple[str, Mapping[str, Any]]:
    compiled = build().compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return compiled.string, MappingProxyType(dict(compiled.params))


def _driver_rows(connection: Connection, sql: str, params: Mapping[str, Any]) -> Sequence[tuple]:
    """The rows of `sql` from psycopg itself, in the binary format (see _binary_rows)."""
    driver = connection.connection.driver_connection  # the psycopg connection under the pool's proxy
    assert driver is not None, "a session's connection is always open"
    with _as_sqlalchemy_errors(connection, sql, params), driver.cursor(binary=True) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _scan_on(connection: Connection, plans: Sequence[_Plan], src: Table | Subquery) -> _Scan:
    """The whole city's scan (_aggregate_actuals) in a session of its own on `connection`."""
    with Session(bind=connection) as side:  # closing it ends its transaction
        return _aggregate_actuals(side, plans, None, src)


def _numbered(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct `ids` in order, and each id's position among them (np.unique's
    return_inverse); by a table over the ids' range when that is small, which needs no sort."""
    if not len(ids) or int(ids.max()) > 8 * len(ids) + 100_000 or int(ids.min()) < 0:
        return np.unique(ids, return_inverse=True)
    present = np.zeros(int(ids.max()) + 1, dtype=bool)
    present[ids] = True
    return np.flatnonzero(present), (np.cumsum(present) - 1)[ids]


def _target_keys(calendar: FiscalCalendar, period: Period) -> list[str]:
    keys = [period.key]
    keys += [
        calendar.containing(period, k).key for k in (Kind.QUARTER, Kind.YEAR) if k.months > period.length
    ]
    keys += [p.key for k in _kinds_within(period) for p in calendar.children(period, k)]
    return keys


def _active(measure, calendar: FiscalCalendar, period: Period) -> bool:
    return _active_between(measure, calendar.start_date(period), calendar.end_date(period))


def _active_between(measure: _Measure, start: date, end: date) -> bool:
    """Whether `measure` was active at some time from `start` to `end`."""
    if measure.active_from is not None and measure.active_from > end:
        return False
    return measure.retired_at is None or measure.retired_at > start


def _dated(measures: Sequence[_Measure]) -> list[int]:
    """The positions of the measures with a start or retirement date: the only ones not active at
    every time, found without a Python step a measure (most measures have neither)."""
    n = len(measures)
    undated = [
        np.fromiter(map(is_, map(itemgetter(_Measure._fields.index(name)), measures), repeat(None)), bool, n)
        for name in ("active_from", "retired_at")
    ]
    return np.flatnonzero(~(undated[0] & undated[1])).tolist()


class _Measure(NamedTuple):
    """A measure's columns as a plain tuple: cheap to make from a row and to read by attribute, and
    the measures' columns are one zip away (aim.services.scorecard._prepare)."""

    id: int
    code: str
    name: str
    unit_kind: str
    unit_label: str
    direction: str
    frequency: str
    aggregation: str
    tolerance: float
    is_key: bool
    measure_type: str
    active_from: date | None
    retired_at: date | None
    activity_id: int
    is_public: bool
    activity_code: str
    activity_name: str
    department_code: str
    department_name: str


#: A frequency's kind of period, by value (aim.periods.FREQUENCY_KIND).
_KIND_OF = {frequency: kind.value for frequency, kind in FREQUENCY_KIND.items()}
#: department name, activity name, measure name, then the code (unique): one order even where names
#: tie, not the order the database happened to return the rows in (which its plan decides)
_DISPLAY_ORDER = itemgetter(
    *(_Measure._fields.index(f) for f in ("department_name", "activity_name", "name", "code"))
)
_ACTIVITY_ID = itemgetter(_Measure._fields.index("activity_id"))


def visible_measures(user: Principal | None):
    """The SQL condition on a measure that `user` may see: public ones for everyone (and for
    None), plus the internal ones of the departments the user may read internal data of."""
    if user is None:
        return Measure.is_public.is_(True)
    scope = visible_department_ids(user)
    if scope is None:
        return true()
    if not scope:
        return Measure.is_public.is_(True)
    return or_(Measure.is_public.is_(True), Activity.department_id.in_(sorted(scope)))


def _measures_query(*where: ColumnElement[bool]) -> Select:
    """The measures' own columns, _Measure's fields in order up to is_public (the activities'
    and departments' are read apart, _activities_query, and added by activity), joined to their
    activities for `where` to read (a reader's departments)."""
    return _own_columns().join(Activity, Measure.activity_id == Activity.id).where(*where)


def _own_columns() -> Select:
    return select(
        Measure.id,
        Measure.code,
        Measure.name,
        Measure.unit_kind,
        Measure.unit_label,
        Measure.direction,
        Measure.frequency,
        Measure.aggregation,
        Measure.tolerance,
        Measure.is_key,
        Measure.measure_type,
        Measure.active_from,
        Measure.retired_at,
        Measure.activity_id,
        Measure.is_public,
    )


def _activities_query() -> Select:
    """Every activity's code and name with its department's, _Measure's last fields in order."""
    return select(Activity.id, Activity.code, Activity.name, Department.code, Department.name).join(
        Department, Activity.department_id == Department.id
    )


def _public_measures_query() -> Select:
    return _own_columns().where(visible_measures(None))


def _public_measures(
    session: Session, codes: Iterable[str] | None = None, user: Principal | None = None
) -> list[_Measure]:
    # Core rows (the session's connection): the ORM's row processing costs more than the query at
    # 2,500 measures. The public scorecard's query (every public measure) is compiled once. The
    # activities and departments apart, a few hundred rows, rather than joined to every measure's
    # row: the server joins nothing, and four strings a measure are not sent and made again.
    if codes is None and user is None:
        rows = _reused_rows(session, _public_measures_query, {})
    else:
        where = (
            [visible_measures(user)]
            if codes is None
            else [visible_measures(user), Measure.code.in_(sorted(codes))]
        )
        rows = _binary_rows(session, _measures_query(*where))
    activity = {row[0]: tuple(row[1:]) for row in _reused_rows(session, _activities_query, {})}
    theirs = list(map(activity.get, map(_ACTIVITY_ID, rows)))
    if None in theirs:
        # A measure moved to an activity made after the activities were read, or whose activity
        # went with it after the measures were (each statement sees the latest commit): the
        # activity read again, and a measure whose activity is gone by then left out, as gone.
        missing = {_ACTIVITY_ID(row) for row, found in zip(rows, theirs, strict=True) if found is None}
        again = _activities_query().where(Activity.id.in_(sorted(missing)))
        activity.update((row[0], tuple(row[1:])) for row in _binary_rows(session, again))
        rows = [row for row in rows if _ACTIVITY_ID(row) in activity]
        theirs = list(map(activity.__getitem__, map(_ACTIVITY_ID, rows)))
    measures = list(map(_Measure._make, map(add, rows, theirs)))
    # Sorted here rather than in SQL: a few milliseconds cheaper at 2,500 measures.
    measures.sort(key=_DISPLAY_ORDER)
    return measures


class _Priority(NamedTuple):
    id: int
    slug: str
    title: str
    description: str


def _priorities_query() -> Select:
    return select(Priority.id, Priority.slug, Priority.title, Priority.description).order_by(
        Priority.sort_order, Priority.title
    )


def _links_query() -> Select:
    return select(activity_priorities.c.activity_id, activity_priorities.c.priority_id)


def _priority_links(session: Session) -> tuple[list[_Priority], dict[int, list[str]]]:
    """The priorities in their order, and the slugs of the priorities each activity serves. Read
    as plain tuples (_reused_rows): the ORM's rows, fetched one at a time, cost three times as much
    at 10,000 measures."""
    priorities = list(map(_Priority._make, _reused_rows(session, _priorities_query, {})))
    slug_of = {p.id: p.slug for p in priorities}
    by_activity: dict[int, list[str]] = defaultdict(list)
    for activity_id, priority_id in _reused_rows(session, _links_query, {}):
        by_activity[activity_id].append(slug_of[priority_id])
    return priorities, by_activity


def _target_columns(
    session: Session, measures: Sequence[_Measure], keys: Iterable[str]
) -> dict[str, rules.TargetColumns]:
    """The targets set for `keys`, as columns in the order of `measures` (one query)."""
    n = len(measures)
    ids = np.fromiter((m.id for m in measures), dtype=np.int64, count=n)
    order = np.argsort(ids, kind="stable")
    known = ids[order]
    columns: dict[str, rules.TargetColumns] = {}
    for key, (measure_ids, value, low, high) in _targets_by_key(session, sorted(set(keys))).items():
        # Each target's row among `measures`; targets of other measures are left out.
        at = np.searchsorted(known, measure_ids)
        mine = at < n
        mine[mine] = known[at[mine]] == measure_ids[mine]
        if not mine.any():
            continue
        here = order[at[mine]]
        column = rules.TargetColumns.missing(n)
        for whole, part in zip((column.value, column.low, column.high), (value, low, high), strict=True):
            whole[here] = part[mine]
        column.present[here] = True
        columns[key] = column
    return columns


def _packed_targets() -> Select:
    """The targets of the period keys in the parameter `keys`, packed a period a row as the actuals
    are (_packed_scan), a field NULL read as NaN as numpy reads None: the same columns either way."""
    empty = literal(b"", LargeBinary)

    def packed(column):
        return func.string_agg(
            func.float8send(func.coalesce(column, literal(float("nan"), Float))), empty, type_=LargeBinary
        )

    return (
        select(
            Target.period,
            func.string_agg(func.int4send(Target.measure_id), empty, type_=LargeBinary),
            packed(Target.value),
            packed(Target.low),
            packed(Target.high),
        )
        .where(Target.period == any_(bindparam("keys", [], type_=ARRAY(String))))
        .group_by(Target.period)
    )


def _targets_by_key(
    session: Session, keys: list[str]
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The targets set for `keys`, by period key: measure ids, values, lows and highs, NaN where a
    field is NULL. A measure has one target a period (uq_targets_measure_id_period). On
    PostgreSQL packed a period a row as the actuals are (_packed_scan); elsewhere a row a target."""
    if session.get_bind().dialect.name == "postgresql":

        def floats(packed: bytes) -> np.ndarray:
            return np.frombuffer(packed, dtype=">f8").astype(float)

        return {
            key: (
                np.frombuffer(measure_ids, dtype=">i4").astype(np.int64),
                floats(value),
                floats(low),
                floats(high),
            )
            for key, measure_ids, value, low, high in _reused_rows(session, _packed_targets, {"keys": keys})
        }
    query = select(Target.period, Target.measure_id, Target.value, Target.low, Target.high).where(
        Target.period.in_(keys)
    )
    rows: dict[str, list[tuple]] = defaultdict(list)
    for key, *fields in session.connection().execute(query).all():
        rows[key].append(tuple(fields))

    def column(found: list[tuple], i: int, dtype: type) -> np.ndarray:
        return np.array([r[i] for r in found], dtype=dtype)  # numpy reads None as NaN

    return {
        key: (
            column(found, 0, np.int64),
            column(found, 1, float),
            column(found, 2, float),
            column(found, 3, float),
        )
        for key, found in rows.items()
    }


def _listed(column: np.ndarray) -> list[float | None]:
    """The column as Python floats, None for NaN (only the NaNs visited in Python)."""
    listed: list[float | None] = column.tolist()
    for i in np.flatnonzero(np.isnan(column)).tolist():
        listed[i] = None
    return listed


class _OfKind(NamedTuple):
    """The measures of one kind among those prepared, and what their evaluation needs of targets."""

    chosen: np.ndarray  # their positions
    aggregation: np.ndarray
    targets: dict[str, rules.TargetColumns]
    full: rules.TargetColumns  # set for the whole period
    band: rules.TargetColumns  # for the trend window's last period (the whole period's if none)


@dataclass
class _Prepared:
    """What evaluating some measures for a plan needs that the actuals do not change (aim.services.
    scorecard._prepare): made while the scan is still running, finished by _finish once it is in."""

    plan: _Plan
    ids: tuple[int, ...]
    direction: np.ndarray
    tolerance: np.ndarray
    kinds: dict[Kind, _OfKind]
    active: np.ndarray  # active in its latest due period
    activity: np.ndarray  # each measure's activity id
    key: np.ndarray  # whether each is a key measure
    models: list[MeasureStatus]  # the measures' own fields set, the evaluated ones still to fill in
    columns: dict[str, Sequence]  # the fields set so far, as columns


def _prepare(
    measures: Sequence[_Measure],
    calendar: FiscalCalendar,
    plan: _Plan,
    targets: dict[str, rules.TargetColumns],
    slugs: dict[int, list[str]],
) -> _Prepared:
    """Everything about `measures` for `plan` that needs no actual value: their own fields, the
    targets resolved for the period and the trend window, whether each is due, and the view models
    with those fields (the evaluated ones None until _finish)."""
    n = len(measures)
    period = plan.period
    # The measures' columns, each a tuple in the measures' order.
    parts = zip(*measures, strict=True) if n else [()] * len(_Measure._fields)
    column: dict[str, tuple[Any, ...]] = dict(zip(_Measure._fields, parts, strict=True))
    # Fixed-width strings rather than objects: numpy compares them without calling Python.
    aggregation = np.array(column["aggregation"], dtype=str)
    kind_of = np.array([_KIND_OF[f] for f in column["frequency"]], dtype=str)
    kinds: dict[Kind, _OfKind] = {}
    for kind, keys in plan.keys.items():
        chosen = np.flatnonzero(kind_of == kind.value)
        if not len(chosen):
            continue
        agg = aggregation[chosen]
        mine = targets if len(chosen) == n else {key: t.take(chosen) for key, t in targets.items()}
        full = rules.resolve_target_columns(mine, period, calendar, kind, agg)
        band = rules.resolve_target_columns(mine, keys.window[-1], calendar, kind, agg)
        kinds[kind] = _OfKind(chosen, agg, mine, full, band.where(band.present, full))
    # Whether each measure was active in its latest due period: dates compared once per kind.
    bounds = {
        frequency: (calendar.start_date(due), calendar.end_date(due), due.key)
        for frequency, kind in FREQUENCY_KIND.items()
        if (due := plan.keys[kind].due if kind in plan.keys else None) is not None
    }
    active = np.ones(n, dtype=bool)
    due_key = {frequency: key for frequency, (_start, _end, key) in bounds.items()}
    last_due: list[str | None] = list(map(due_key.__getitem__, column["frequency"])) if n else []
    for i in _dated(measures):
        start, end, _key = bounds[measures[i].frequency]
        if not _active_between(measures[i], start, end):
            active[i], last_due[i] = False, None
    # Lists shared by the models of an activity (priority slugs) or of a kind (window labels), never
    # changed (view models are read-only): not a list each, made and freed, 20,000 at 10,000 measures.
    labels_of = {kind.value: list(keys.window_labels) for kind, keys in plan.keys.items()}
    no_slugs: list[str] = []
    no_labels: list[str] = []
    own: dict[str, Sequence] = {
        "code": column["code"],
        "name": column["name"],
        "department_code": column["department_code"],
        "department_name": column["department_name"],
        "activity_code": column["activity_code"],
        "activity_name": column["activity_name"],
        "priority_slugs": list(map(slugs.get, column["activity_id"], repeat(no_slugs, n))),
        "unit_kind": column["unit_kind"],
        "unit_label": column["unit_label"],
        "direction": column["direction"],
        "frequency": column["frequency"],
        "aggregation": column["aggregation"],
        "tolerance": [float(t) for t in column["tolerance"]],
        "is_key": column["is_key"],
        "period": [period.key] * n,
        "last_due": last_due,
        "window_periods": list(map(labels_of.get, kind_of.tolist(), repeat(no_labels, n))),
        "measure_type": column["measure_type"],
        "is_public": column["is_public"],
    }
    return _Prepared(
        plan,
        column["id"],
        np.array(column["direction"], dtype=str),
        np.array(column["tolerance"], dtype=float),
        kinds,
        active,
        np.array(column["activity_id"], dtype=np.int64),
        np.array(column["is_key"], dtype=bool),
        MeasureStatus.trusted(own, later=MeasureStatus.model_fields.keys() - own.keys()),
        own,
    )


class _Finished(NamedTuple):
    """Measures evaluated by _finish: their view models and the columns they hold, and what the
    counts and indexes read as numpy columns (_card)."""

    models: list[MeasureStatus]
    columns: dict[str, Sequence]
    status: np.ndarray  # by number (aim.status.STATUS_NAMES)
    stale: np.ndarray
    key: np.ndarray
    activity: np.ndarray


def _finish(prepared: _Prepared, calendar: FiscalCalendar, scan: _Scan) -> _Finished:
    """The status rules over the prepared measures at once (column by column, aim.status
    *_columns), from the scan; their view models, in the order given, and the columns they hold."""
    plan, n = prepared.plan, len(prepared.ids)
    period = plan.period
    rows = scan.rows(prepared.ids)
    direction, tolerance = prepared.direction, prepared.tolerance
    window = np.full((n, rules.TREND_PERIODS), np.nan)
    has_due = np.zeros(n, dtype=bool)
    value, present, expected = np.full(n, np.nan), np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    previous, reported_before = np.full(n, np.nan), np.zeros(n, dtype=int)
    change = np.full(n, np.nan)
    status = np.full(n, rules.STATUS_CODE[rules.Status.NO_DATA], dtype=np.int8)
    score = np.full(n, np.nan)
    miss, relative = np.full(n, np.nan), np.full(n, np.nan)
    shown = rules.TargetColumns.missing(n)
    trend = np.full(n, None, dtype=object)
    for kind, (chosen, agg, mine, full, band) in prepared.kinds.items():
        keys = plan.keys[kind]
        cur = scan.take(rows[chosen], keys.current)
        rolled = rules.rollup_columns(cur, agg, len(keys.current))
        before = rules.rollup_columns(scan.take(rows[chosen], keys.previous), agg, len(keys.previous))
        window[chosen] = scan.take(rows[chosen], keys.window)
        has_due[chosen] = ~np.isnan(scan.take(rows[chosen], [keys.due])[:, 0])
        target = rules.period_target_columns(full, rolled, agg)
        have = ~np.isnan(cur)
        last = np.where(have.any(axis=1), cur.shape[1] - 1 - np.argmax(have[:, ::-1], axis=1), -1)
        to_date = rules.target_to_date_columns(mine, period, calendar, kind, agg, rolled, last)
        target = to_date.where(~full.present & (last >= 0), target)
        evaluation = rules.evaluate_columns(rolled.value, target, direction[chosen], tolerance[chosen])
        trend[chosen] = rules.trend_columns(window[chosen], direction[chosen], band)
        value[chosen], present[chosen], expected[chosen] = rolled.value, rolled.present, rolled.expected
        previous[chosen], reported_before[chosen] = before.value, before.present
        change[chosen] = rules.change_columns(rolled, before, agg)
        status[chosen], score[chosen] = evaluation.status_code, evaluation.score
        miss[chosen], relative[chosen] = evaluation.miss, evaluation.relative_miss
        picked = target.where(target.present, full)
        for mine_field, all_field in zip(
            (picked.value, picked.low, picked.high, picked.present),
            (shown.value, shown.low, shown.high, shown.present),
            strict=True,
        ):
            all_field[chosen] = mine_field
    shown_target = [np.where(shown.present, f, np.nan) for f in (shown.value, shown.low, shown.high)]
    window_values = window.tolist()
    for i in np.flatnonzero(np.isnan(window).any(axis=1)).tolist():
        window_values[i] = [None if v != v else v for v in window_values[i]]
    stale = rules.stale_columns(has_due, prepared.active)
    evaluated: dict[str, Sequence] = {
        "status": rules.STATUS_NAMES[status].tolist(),
        "score": _listed(score),
        "actual": _listed(value),
        "target": _listed(shown_target[0]),
        "target_low": _listed(shown_target[1]),
        "target_high": _listed(shown_target[2]),
        "reported": present.tolist(),
        "expected": expected.tolist(),
        "miss": _listed(miss),
        "relative_miss": _listed(relative),
        "stale": stale.tolist(),
        "trend": trend.tolist(),
        "window": window_values,
        "previous": _listed(previous),
        "change": _listed(change),
    }
    # Each field once, prepared or filled in here: one forgotten in both would stay None unnoticed.
    assert prepared.columns.keys().isdisjoint(evaluated), "a field both prepared and evaluated"
    assert {*prepared.columns, *evaluated} == MeasureStatus.model_fields.keys(), "a field neither"
    models = prepared.models
    MeasureStatus.fill(models, evaluated)
    columns = {**prepared.columns, **evaluated}
    return _Finished(models, columns, status, stale, prepared.key, prepared.activity)


def scorecard(
    session: Session,
    calendar: FiscalCalendar,
    period: Period | str | None = None,
    *,
    as_of: date | None = None,
    codes: Iterable[str] | None = None,
    published_on: date | None = None,
    user: Principal | None = None,
) -> Scorecard:
    """Every public measure evaluated for `period` (default: see `default_period`); with a `user`,
    the internal measures that user may see too (see `visible_measures`).

    Measures reporting less often than the period (an annual measure in a quarter) are left out
    of that period's scorecard, as are measures not active during it. `codes` limits it to some
    measures (one measure's page); their figures are exactly those of the full scorecard. With
    `published_on`, the figures are those the public saw at the end of that day (rebuilt from the
    revisions, aim/services/publication.py), evaluated as of that day unless `as_of` says otherwise.
    Internal measures come in only through `user`, so what a caller gets is always what that reader
    is authorised to read (the analyst workbench passes its analyst and gets every department's).
    """
    as_of = as_of or published_on or date.today()
    if period is None:
        period = default_period(session, calendar, as_of, published_on=published_on)
    return scorecards(
        session, calendar, [period], as_of=as_of, codes=codes, published_on=published_on, user=user
    )[0]


def scorecards(
    session: Session,
    calendar: FiscalCalendar,
    periods: Sequence[Period | str],
    *,
    as_of: date | None = None,
    codes: Iterable[str] | None = None,
    published_on: date | None = None,
    user: Principal | None = None,
) -> list[Scorecard]:
    """The scorecards of several periods (a period and the one it is compared with) from one grouped
    scan of the actuals and one query each for measures, targets and priorities; each exactly what
    `scorecard` gives for its period."""
    as_of = as_of or published_on or date.today()
    src = published_source(published_on)
    if session.autoflush:
        # The session's pending changes sent first, as an ORM query would: the reads below go to
        # the driver or another connection, which autoflush never sees.
        session.flush()
    parsed = [calendar.parse(p) if isinstance(p, str) else p for p in periods]
    plans = [
        _Plan(period, {kind: _keys_for(calendar, period, kind, as_of) for kind in _kinds_within(period)})
        for period in parsed
    ]
    # The whole city's scan, the longest read, runs on a connection of its own where it sees the same
    # data, while this one reads the measures, targets and priorities and prepares all that does not
    # depend on the values (_prepare). One measure's scan (its page) is too short to be worth it.
    pending = read_beside(session, _scan_on, plans, src) if codes is None else None
    try:
        return _evaluated(session, calendar, parsed, plans, pending, as_of, codes, user, src)
    finally:
        if pending is not None:
            pending.cancel()  # a scan not started yet when this failed: its connection goes back


def _evaluated(
    session: Session,
    calendar: FiscalCalendar,
    parsed: list[Period],
    plans: list[_Plan],
    pending: Future[_Scan] | None,
    as_of: date,
    codes: Iterable[str] | None,
    user: Principal | None,
    src: Table | Subquery,
) -> list[Scorecard]:
    """scorecards' reads besides the scan, its preparation while `pending` runs (the scan on a
    connection of its own, None to read it here), and the evaluation once the values are in."""
    visible = _public_measures(session, codes, user)
    dated = _dated(visible)
    frequency = list(map(attrgetter("frequency"), visible))
    chosen = []
    for period in parsed:
        start, end = calendar.start_date(period), calendar.end_date(period)
        frequencies = {f for f, k in FREQUENCY_KIND.items() if k in _kinds_within(period)}
        # Reported at least as often as the period, and active during it (only dated ones looked at).
        reported = np.fromiter(map(frequencies.__contains__, frequency), bool, len(visible))
        for i in dated:
            reported[i] = reported[i] and _active_between(visible[i], start, end)
        chosen.append(visible if reported.all() else [visible[i] for i in np.flatnonzero(reported).tolist()])
    target_keys = {key for p in parsed for key in _target_keys(calendar, p)}
    targets = _target_columns(session, visible, target_keys)
    priorities, slugs = _priority_links(session)
    row_of: dict[int, int] = {}
    prepared = []
    for plan, measures in zip(plans, chosen, strict=True):
        if len(measures) == len(visible):  # every visible measure, in the same order: no copies
            mine = targets
        else:
            row_of = row_of or {m.id: n for n, m in enumerate(visible)}
            rows = np.array([row_of[m.id] for m in measures], dtype=np.intp)
            mine = {key: t.take(rows) for key, t in targets.items()}
        prepared.append(_prepare(measures, calendar, plan, mine, slugs))
    if pending is not None:
        scan = pending.result()
    else:
        wanted = sorted({m.id for ms in chosen for m in ms}) if codes is not None else None
        scan = _aggregate_actuals(session, plans, wanted, src)
    cards = []
    for period, ready in zip(parsed, prepared, strict=True):
        cards.append(_card(calendar, period, as_of, priorities, slugs, _finish(ready, calendar, scan)))
    return cards


def _card(
    calendar: FiscalCalendar,
    period: Period,
    as_of: date,
    priorities: Sequence[_Priority],
    slugs: dict[int, list[str]],
    finished: _Finished,
) -> Scorecard:
    """The scorecard of the `finished` measures, counted and indexed over numpy columns of the same
    values the models hold (a priority's measures those of the activities serving it), in the
    measures' order: the same sums in the same order as a measure at a time."""
    code, score = finished.columns["code"], finished.columns["score"]
    serving: dict[str, list[int]] = defaultdict(list)
    for activity, its in slugs.items():
        for slug in its:
            serving[slug].append(activity)

    def counts(rows: np.ndarray) -> StatusCounts:
        tally = np.bincount(finished.status[rows], minlength=len(rules.STATUS_NAMES)).tolist()
        return StatusCounts(
            **dict(zip(rules.COUNT_KEYS, [*tally, int(finished.stale[rows].sum())], strict=True))
        )

    def index(rows: np.ndarray) -> float | None:
        return rules.index(map(score.__getitem__, rows[finished.key[rows]].tolist()))

    every = np.arange(len(code))
    priority_scores = []
    for p in priorities:
        rows = np.flatnonzero(np.isin(finished.activity, serving[p.slug]))
        priority_scores.append(
            PriorityScore(
                slug=p.slug,
                title=p.title,
                description=p.description,
                index=index(rows),
                counts=counts(rows),
                measure_count=len(rows),
                key_measures=[code[i] for i in rows[finished.key[rows]].tolist()],
            )
        )
    return Scorecard(
        period=period.key,
        period_label=calendar.label(period),
        as_of=as_of,
        index=index(every),
        counts=counts(every),
        priorities=priority_scores,
        measures=finished.models,
    )
