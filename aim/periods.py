"""Fiscal periods: parsing, ordering, containment, due dates and roll-up of values.

Period keys are strings: "2024" is fiscal year 2024, "2024-Q3" its third quarter, and "2024-07" the
calendar month July 2024. A fiscal year is named by the calendar year in which it ends: with a
fiscal year starting in July, fiscal 2024 runs from July 2023 to June 2024 and 2024-Q1 is
July-September 2023. Months are always calendar months, so "2023-07" belongs to fiscal 2024.
This is the only module that knows these rules.
"""

from __future__ import annotations

import calendar as _calendar
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class PeriodError(ValueError):
    """A period key that cannot be read; the message says what a valid key looks like."""


class Kind(StrEnum):
    """The length of a period."""

    YEAR = "year"
    QUARTER = "quarter"
    MONTH = "month"

    @property
    def months(self) -> int:
        return _KIND_MONTHS[self]


_KIND_MONTHS = {Kind.YEAR: 12, Kind.QUARTER: 3, Kind.MONTH: 1}

#: A measure's reporting frequency and the kind of period it reports.
FREQUENCY_KIND: dict[str, Kind] = {
    "annual": Kind.YEAR,
    "quarterly": Kind.QUARTER,
    "monthly": Kind.MONTH,
}


class Aggregation(StrEnum):
    """How shorter periods' values combine into a longer period's value."""

    SUM = "sum"
    MEAN = "mean"
    LAST = "last"


_AGGREGATION_OF: dict[str, Aggregation] = {a.value: a for a in Aggregation}

_YEAR_RE = re.compile(r"^(\d{4})$")
_QUARTER_RE = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_MIN_YEAR, _MAX_YEAR = 1900, 2999
#: The earliest day figures may be asked "as published on": the fiscal calendar counts periods back
#: from a day, and from the first years of the calendar there is nothing to count back to.
EARLIEST_DAY = date(_MIN_YEAR, 1, 1)
KEY_HELP = 'a fiscal year "2024", a fiscal quarter "2024-Q3" or a calendar month "2024-07"'


@dataclass(frozen=True, slots=True)
class Period:
    """One fiscal period. Build them with a FiscalCalendar, which knows the fiscal-year start.

    `start` is the absolute index of its first month (year * 12 + month - 1), so that
    containment and ordering are integer comparisons whatever the fiscal-year start.
    """

    key: str
    kind: Kind
    start: int

    @property
    def length(self) -> int:
        return self.kind.months

    @property
    def stop(self) -> int:
        """Absolute index of the month after the period's last month."""
        return self.start + self.length

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.stop <= self.stop

    def sort_key(self) -> tuple[int, int]:
        # Chronological; a year sorts before its first quarter, which sorts before its first month.
        return (self.start, -self.length)

    def __lt__(self, other: Period) -> bool:
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        return self.key


def _month_date(index: int, *, last_day: bool = False) -> date:
    year, month0 = divmod(index, 12)
    day = _calendar.monthrange(year, month0 + 1)[1] if last_day else 1
    return date(year, month0 + 1, day)


class FiscalCalendar:
    """Periods of a city whose fiscal year starts in `start_month` (1 = January)."""

    def __init__(self, start_month: int = 1) -> None:
        if not 1 <= start_month <= 12:
            raise PeriodError(f"The fiscal year must start in a month from 1 to 12; got {start_month}.")
        self.start_month = start_month

    def __repr__(self) -> str:
        return f"FiscalCalendar(start_month={self.start_month})"

    # -- building periods -------------------------------------------------------------------
    def _year_start(self, fiscal_year: int) -> int:
        # Fiscal year Y ends in calendar year Y, so it starts in Y-1 unless it starts in January.
        first_calendar_year = fiscal_year if self.start_month == 1 else fiscal_year - 1
        return first_calendar_year * 12 + self.start_month - 1

    def year(self, fiscal_year: int) -> Period:
        return Period(f"{fiscal_year:04d}", Kind.YEAR, self._year_start(fiscal_year))

    def quarter(self, fiscal_year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise PeriodError(f"A quarter is 1 to 4; got {quarter}.")
        start = self._year_start(fiscal_year) + 3 * (quarter - 1)
        return Period(f"{fiscal_year:04d}-Q{quarter}", Kind.QUARTER, start)

    def month(self, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise PeriodError(f"A month is 01 to 12; got {month:02d}.")
        return Period(f"{year:04d}-{month:02d}", Kind.MONTH, year * 12 + month - 1)

    @functools.lru_cache(maxsize=8192)  # noqa: B019 - calendars are few and live for the process
    def parse(self, key: str) -> Period:
        """Read a period key; raises PeriodError with a message that says what is expected.

        Cached: an import of 100,000 values holds only a few hundred distinct periods."""
        text = str(key).strip()
        if m := _YEAR_RE.match(text):
            period = self.year(int(m.group(1)))
        elif m := _QUARTER_RE.match(text):
            period = self.quarter(int(m.group(1)), int(m.group(2)))
        elif m := _MONTH_RE.match(text):
            month = int(m.group(2))
            if not 1 <= month <= 12:
                raise PeriodError(f"{text!r} is not a period: the month must be 01 to 12.")
            period = self.month(int(m.group(1)), month)
        else:
            raise PeriodError(f"{text!r} is not a period: use {KEY_HELP}.")
        if not _MIN_YEAR <= int(text[:4]) <= _MAX_YEAR:
            raise PeriodError(f"{text!r} is not a period: the year must be {_MIN_YEAR} to {_MAX_YEAR}.")
        return period

    def fiscal_year_of(self, index: int) -> int:
        """The fiscal year holding absolute month `index`."""
        year, month0 = divmod(index, 12)
        if self.start_month == 1:
            return year
        return year + 1 if month0 + 1 >= self.start_month else year

    def containing(self, period: Period, kind: Kind) -> Period:
        """The period of `kind` that holds `period` (which must not be longer than `kind`)."""
        if period.length > kind.months:
            raise PeriodError(f"A {period.kind} ({period.key}) does not fit inside a {kind}.")
        return self.at_index(period.start, kind)

    def at_index(self, index: int, kind: Kind) -> Period:
        """The period of `kind` holding absolute month `index`."""
        if kind is Kind.MONTH:
            year, month0 = divmod(index, 12)
            return self.month(year, month0 + 1)
        fiscal_year = self.fiscal_year_of(index)
        if kind is Kind.YEAR:
            return self.year(fiscal_year)
        return self.quarter(fiscal_year, (index - self._year_start(fiscal_year)) // 3 + 1)

    def on(self, day: date, kind: Kind) -> Period:
        """The period of `kind` that holds the calendar day `day`."""
        return self.at_index(day.year * 12 + day.month - 1, kind)

    def children(self, period: Period, kind: Kind) -> list[Period]:
        """The periods of `kind` that make up `period`, in order (itself if the same kind)."""
        if kind.months > period.length:
            raise PeriodError(f"A {period.kind} ({period.key}) cannot be split into {kind}s.")
        return [self.at_index(i, kind) for i in range(period.start, period.stop, kind.months)]

    def shift(self, period: Period, steps: int) -> Period:
        """The period `steps` periods of the same kind later (earlier when negative)."""
        return self.at_index(period.start + steps * period.length, period.kind)

    def window(self, last: Period, count: int) -> list[Period]:
        """`count` consecutive periods of last's kind, ending with `last`, oldest first."""
        return [self.shift(last, -offset) for offset in range(count - 1, -1, -1)]

    def span(self, first: Period, last: Period) -> list[Period]:
        """Every period of first's kind from `first` to `last` inclusive."""
        if first.kind is not last.kind:
            raise PeriodError(f"{first.key} and {last.key} are not periods of the same kind.")
        return [self.at_index(i, first.kind) for i in range(first.start, last.stop, first.length)]

    # -- dates ------------------------------------------------------------------------------
    def start_date(self, period: Period) -> date:
        return _month_date(period.start)

    def end_date(self, period: Period) -> date:
        """The last day of the period."""
        return _month_date(period.stop - 1, last_day=True)

    def due_date(self, period: Period, grace_periods: int = 1) -> date:
        """The day by which a value for `period` should be in: its end plus a grace of periods."""
        return _month_date(period.stop - 1 + grace_periods * period.length, last_day=True)

    def last_due(self, kind: Kind, as_of: date, grace_periods: int = 1) -> Period:
        """The latest period of `kind` whose value should have been reported by `as_of`."""
        candidate = self.shift(self.on(as_of, kind), -1)
        while self.due_date(candidate, grace_periods) >= as_of:
            candidate = self.shift(candidate, -1)
        return candidate

    def has_ended(self, period: Period, as_of: date) -> bool:
        return self.end_date(period) < as_of

    def label(self, period: Period) -> str:
        """A person's name for the period: "FY 2024 (Jul 2023 - Jun 2024)", "Jul 2024"."""
        first, last = self.start_date(period), self.end_date(period)
        if period.kind is Kind.MONTH:
            return first.strftime("%b %Y")
        name = f"FY {period.key[:4]}" if self.start_month != 1 else period.key[:4]
        if period.kind is Kind.QUARTER:
            name += f" Q{period.key[-1]}"
        if self.start_month == 1 and period.kind is Kind.YEAR:
            return name
        return f"{name} ({first:%b %Y} - {last:%b %Y})"


@dataclass(frozen=True, slots=True)
class Rollup:
    """A value combined from shorter periods, with how many of them were present."""

    value: float | None
    present: int
    expected: int

    @property
    def complete(self) -> bool:
        return self.present == self.expected

    @property
    def share(self) -> float:
        """The fraction of the period covered by the values present."""
        return self.present / self.expected if self.expected else 0.0


def rollup(values: Sequence[float | None], aggregation: Aggregation | str, expected: int) -> Rollup:
    """Combine the values of consecutive shorter periods (oldest first; None where missing).

    `sum` adds what is present, `mean` averages it, `last` takes the latest value present.
    Whether a partial sum can be compared with a target is a question for the status rules.
    """
    present = [v for v in values if v is not None]
    if not present:
        return Rollup(None, 0, expected)
    # A dict lookup, not Aggregation(aggregation): this runs for every measure of every period.
    agg = _AGGREGATION_OF[aggregation]
    if agg is Aggregation.SUM:
        value = float(sum(present))
    elif agg is Aggregation.MEAN:
        value = float(sum(present)) / len(present)
    else:
        value = float(present[-1])
    return Rollup(value, len(present), expected)


def sort_periods(periods: Iterable[Period]) -> list[Period]:
    return sorted(periods, key=Period.sort_key)
