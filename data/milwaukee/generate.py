"""Generates the demonstration figures of data/milwaukee (targets.csv, actuals.csv, budgets.csv) from the
measures and the parameters in series.csv, budget-series.csv and unit-costs.csv:
.venv/bin/python data/milwaukee/generate.py
"""

from __future__ import annotations

import csv
import math
import random
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 414
# A fixed "today": the data set describes the city as of this day, and every run must write the same bytes.
TODAY = date(2026, 11, 26)
FIRST_YEAR = 2015
TARGET_YEARS = range(2016, TODAY.year + 1)
BUDGET_YEARS = range(FIRST_YEAR, TODAY.year + 1)
# A value whose random deviation is beyond this many standard deviations gets an explanation (about 5%).
EXPLAIN_Z = 1.96
# Values of months with almost no seasonal activity (no snow in July) are not worth explaining.
EXPLAIN_MIN_SEASON = 0.3
MONTHS = {"monthly": 1, "quarterly": 3, "annual": 12}
UNAVAILABLE = "Not available for this period."

# What a department might write beside an unusual figure, by measure type and whether it is good news.
EXPLANATIONS = {
    ("outcome", "worse"): [
        "Worse than expected for this time of year; the department is reviewing the cause.",
        "An unusual result for this period; staff are looking into contributing factors.",
    ],
    ("outcome", "better"): [
        "Better than expected for this time of year.",
        "An unusually good result for this period; it may not be sustained.",
    ],
    ("output", "worse"): [
        "Staff vacancies reduced capacity during the period.",
        "Staff were reassigned to urgent work for part of the period.",
    ],
    ("output", "better"): [
        "Additional staff hours were scheduled during the period.",
        "Includes work carried over from the previous period.",
    ],
    ("efficiency", "worse"): [
        "Staff vacancies affected performance during the period.",
        "The workload was heavier than usual during the period.",
        "A system upgrade affected work for part of the period.",
    ],
    ("efficiency", "better"): [
        "Better than usual for this time of year.",
        "The workload was lighter than usual during the period.",
    ],
    ("demand", "high"): ["Higher than usual for this time of year."],
    ("demand", "low"): ["Lower than usual for this time of year."],
    ("range", "high"): ["Higher than usual for this period."],
    ("range", "low"): ["Lower than usual for this period."],
}

Row = tuple[str, "float | None", str, str]  # period, value, explanation, state


# -- periods are identified by the index of their first month: year * 12 + month - 1 ------------------------
def period_key(frequency: str, start: int) -> str:
    year, month0 = divmod(start, 12)
    if frequency == "annual":
        return f"{year:04d}"
    if frequency == "quarterly":
        return f"{year:04d}-Q{month0 // 3 + 1}"
    return f"{year:04d}-{month0 + 1:02d}"


def period_start(key: str) -> int:
    year = int(key[:4])
    if len(key) == 4:
        return year * 12
    if key[5] == "Q":
        return year * 12 + 3 * (int(key[6]) - 1)
    return year * 12 + int(key[5:7]) - 1


def containing_start(frequency: str, month: int) -> int:
    length = MONTHS[frequency]
    return month // length * length


def month_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def last_ended_start(frequency: str) -> int:
    # The period before the one holding today; Milwaukee's fiscal year is the calendar year.
    return containing_start(frequency, month_of(TODAY)) - MONTHS[frequency]


# -- reading ------------------------------------------------------------------------------------------------
def read(name: str) -> list[dict[str, str]]:
    with open(HERE / name, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def pairs(text: str, separator: str = ";") -> dict[str, str]:
    """'2017=119;2018=99' as {'2017': '119', '2018': '99'}."""
    out = {}
    for part in text.split(separator):
        if part.strip():
            key, _, value = part.partition("=")
            out[key.strip()] = value.strip()
    return out


def number(text: str, default: float | None = None) -> float | None:
    return default if text is None or not text.strip() else float(text)


def parse_date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


# -- values -------------------------------------------------------------------------------------------------
def season_factor(seasonality: str, month0: int) -> float:
    """The multiplier of calendar month `month0` (0-11), from 'amplitude@peak' or twelve factors 'a/.../l'."""
    if not seasonality:
        return 1.0
    if "@" in seasonality:
        amplitude, peak = seasonality.split("@")
        return 1.0 + float(amplitude) * math.cos(2 * math.pi * (month0 + 1 - int(peak)) / 12)
    return float(seasonality.split("/")[month0])


def aggregate(values: list[float], aggregation: str, expected: int | None = None) -> float:
    if aggregation == "sum":
        # A year with a missing month is scaled up, so that a target built on it is not too easy.
        return sum(values) * expected / len(values) if expected else sum(values)
    if aggregation == "mean":
        return sum(values) / len(values)
    return values[-1]


def fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}" if decimals > 0 else str(int(round(value)))


def fmt_target(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(value, 6))


class Series:
    """One measure's generated values and targets, from its row of series.csv."""

    def __init__(self, measure: dict[str, str], p: dict[str, str]) -> None:
        self.code = measure["code"]
        self.activity = measure["activity"]
        self.frequency = measure["frequency"]
        self.aggregation = measure["aggregation"]
        self.direction = measure["direction"]
        self.measure_type = measure["measure_type"]
        self.length = MONTHS[self.frequency]
        self.active_from = parse_date(measure["active_from"])
        self.retired_at = parse_date(measure["retired_at"])
        self.level = float(p["level"])
        self.trend = number(p["trend"], 0.0)
        self.seasonality = p["seasonality"].strip()
        self.noise = number(p["noise"], 0.0)
        self.decimals = int(number(p["decimals"], 0))
        self.low = number(p["min"])
        self.high = number(p["max"])
        self.anchors = {int(k): float(v) for k, v in pairs(p["anchors"]).items()}
        self.shifts = {k: float(v) for k, v in pairs(p["shifts"]).items()}
        self.target_rule = p["target"].strip() or "none"
        self.gaps = {k.strip() for k in p["gaps"].split(";") if k.strip()}
        self.unpublished = pairs(p["unpublished"])
        self.notes = pairs(p["notes"], "|")
        first = month_of(self.active_from) if self.active_from else FIRST_YEAR * 12
        if p["start"]:
            first = period_start(p["start"])
        last = period_start(p["end"]) if p["end"] else last_ended_start(self.frequency)
        if self.retired_at:
            last = min(last, containing_start(self.frequency, month_of(self.retired_at)))
        self.starts = list(range(containing_start(self.frequency, first), last + 1, self.length))
        # Each measure has its own random streams, so that editing one measure leaves the others unchanged.
        self.rng = random.Random(f"{SEED}:{self.code}")
        self.explain_rng = random.Random(f"{SEED}:{self.code}:explanations")

    def season(self, start: int) -> float:
        if self.length == 12:
            return 1.0
        months = [(start + i) % 12 for i in range(self.length)]
        return sum(season_factor(self.seasonality, m) for m in months) / self.length

    def shift(self, start: int) -> float:
        key = period_key(self.frequency, start)
        for candidate in (key, key[:4]):  # a shift for the period itself wins over one for its year
            if candidate in self.shifts:
                return 1.0 + self.shifts[candidate]
        return 1.0

    def rows(self) -> list[Row]:
        raw, draws = [], []
        for start in self.starts:
            # `level` is the value of a period in the middle of 2015; the trend compounds from there.
            years = (start + (self.length - 1) / 2 - (FIRST_YEAR * 12 + 5.5)) / 12
            z = self.rng.gauss(0.0, 1.0)
            base = self.level * (1 + self.trend) ** years * self.season(start) * self.shift(start)
            raw.append(base * (1 + self.noise * z))
            draws.append(z)
        years_of = [start // 12 for start in self.starts]
        factors = self._anchor_factors(raw, years_of)
        values = [self._round(self._clamp(v * factors[y])) for v, y in zip(raw, years_of, strict=True)]
        self._hit_anchors(values, years_of)

        out: list[Row] = []
        for start, value, z in zip(self.starts, values, draws, strict=True):
            key = period_key(self.frequency, start)
            note = self.notes.get(key, "")
            if key in self.gaps:
                value, note = None, note or UNAVAILABLE
            elif not note and value and self._unusual(z, start):
                note = self.explain_rng.choice(EXPLANATIONS[self._pool(z)])
            out.append((key, value, note, self.unpublished.get(key, "published")))
        return out

    def _anchor_factors(self, raw: list[float], years_of: list[int]) -> dict[int, float]:
        """A multiplier per year that makes anchored years hit their public figure. Between anchors it is
        interpolated geometrically and beyond them held, so that the series has no jump at an anchor."""
        years = sorted(set(years_of))
        if not self.anchors:
            return {y: 1.0 for y in years}
        at = {}
        for year, figure in self.anchors.items():
            at[year] = figure / aggregate(
                [v for v, y in zip(raw, years_of, strict=True) if y == year], self.aggregation
            )
        known = sorted(at)
        factors = {}
        for year in years:
            if year <= known[0]:
                factors[year] = at[known[0]]
            elif year >= known[-1]:
                factors[year] = at[known[-1]]
            else:
                before = max(k for k in known if k <= year)
                after = min(k for k in known if k >= year)
                share = (year - before) / (after - before) if after != before else 0.0
                factors[year] = math.exp(math.log(at[before]) * (1 - share) + math.log(at[after]) * share)
        return factors

    def _hit_anchors(self, values: list[float], years_of: list[int]) -> None:
        # Rounding each period moves the year's total a little; the year's last period absorbs the difference.
        for year, figure in self.anchors.items():
            idx = [i for i, y in enumerate(years_of) if y == year]
            others = sum(values[i] for i in idx[:-1])
            if self.aggregation == "sum":
                values[idx[-1]] = self._round(figure - others)
            elif self.aggregation == "mean":
                values[idx[-1]] = self._round(figure * len(idx) - others)
            else:
                values[idx[-1]] = self._round(figure)

    def _clamp(self, value: float) -> float:
        if self.low is not None:
            value = max(self.low, value)
        if self.high is not None:
            value = min(self.high, value)
        return value

    def _round(self, value: float) -> float:
        return round(value, self.decimals) if self.decimals else float(round(value))

    def _unusual(self, z: float, start: int) -> bool:
        return self.noise > 0 and abs(z) > EXPLAIN_Z and self.season(start) >= EXPLAIN_MIN_SEASON

    def _pool(self, z: float) -> tuple[str, str]:
        if self.direction == "range":
            return ("range", "high" if z > 0 else "low")
        # Less is better for an output such as garbage collected: its swings are demand, not staffing.
        if self.measure_type == "demand" or (self.measure_type == "output" and self.direction == "down"):
            return ("demand", "high" if z > 0 else "low")
        better = z > 0 if self.direction == "up" else z < 0
        return (self.measure_type, "better" if better else "worse")

    # -- targets --------------------------------------------------------------------------------------------
    def active_in(self, year: int) -> bool:
        if self.active_from and self.active_from > date(year, 12, 31):
            return False
        return self.retired_at is None or self.retired_at > date(year, 1, 1)

    def targets(self, rows: list[Row]) -> list[list[str]]:
        kind, _, argument = self.target_rule.partition(":")
        if kind == "none":
            return []
        by_year: dict[int, list[float]] = {}
        for key, value, _, _ in rows:
            if value is not None:
                by_year.setdefault(int(key[:4]), []).append(value)
        out = []
        for year in TARGET_YEARS:
            if not self.active_in(year):
                continue
            if kind == "fixed":
                out.append([self.code, str(year), argument, "", ""])
            elif kind == "range":
                low, high = argument.split("-")
                out.append([self.code, str(year), "", low, high])
            elif kind == "improve":
                # Each year's target is the latest earlier year's result, improved by the given share.
                earlier = [y for y in by_year if y < year]
                if not earlier:
                    continue
                basis = aggregate(by_year[max(earlier)], self.aggregation, 12 // self.length)
                step = float(argument)
                value = basis * (1 + step) if self.direction == "up" else basis * (1 - step)
                out.append([self.code, str(year), fmt_target(self._round(value)), "", ""])
            else:
                raise SystemExit(f"series.csv, {self.code}: unknown target rule {self.target_rule!r}")
        return out


# -- budgets ------------------------------------------------------------------------------------------------
def budget_rows(row: dict[str, str]) -> list[list[str]]:
    rng = random.Random(f"{SEED}:{row['activity']}:budget")
    adopted_2015 = float(row["adopted_2015"])
    growth = float(row["growth"])
    fte_2015, fte_change = float(row["fte_2015"]), float(row["fte_change"])
    steps = {int(k): float(v) for k, v in pairs(row["changes"]).items()}
    out = []
    for year in BUDGET_YEARS:
        step = math.prod(1 + s for y, s in steps.items() if y <= year)
        # Adopted budgets wander a little around the trend; 2015's is the given starting point.
        jitter = 1.0 if year == FIRST_YEAR else 1 + rng.gauss(0, 0.008)
        adopted = round(adopted_2015 * (1 + growth) ** (year - FIRST_YEAR) * step * jitter)
        spent = 1 + rng.uniform(-0.055, 0.025)
        # The current year is not over, so it has no expenditure yet.
        expenditure = str(round(adopted * spent)) if year < TODAY.year else ""
        fte = max(0.5, (fte_2015 + fte_change * (year - FIRST_YEAR)) * step)
        out.append([row["activity"], str(year), str(adopted), expenditure, f"{fte:.1f}"])
    return out


def derive_unit_costs(
    series: Series, rows: list[Row], output_rows: list[Row], output_frequency: str, budgets: list[list[str]]
) -> list[Row]:
    """A published cost-per-unit measure made from the activity's expenditure and its output, so that it
    equals the cost per unit the dashboard derives (aim/budget.py): expenditure / the year's output. A year
    whose expenditure or output is incomplete has no value."""
    spent = {int(year): float(e) for activity, year, _, e, _ in budgets if activity == series.activity and e}
    per_year: dict[int, list[float | None]] = {}
    for key, value, _, state in output_rows:
        if state == "published":
            per_year.setdefault(int(key[:4]), []).append(value)
    expected = 12 // MONTHS[output_frequency]
    out: list[Row] = []
    for key, _, note, state in rows:
        year = int(key[:4])
        values = per_year.get(year, [])
        complete = len(values) == expected and all(v is not None for v in values)
        total = sum(v for v in values if v is not None)
        if year in spent and complete and total > 0:
            out.append((key, series._round(spent[year] / total), note, state))
        else:
            out.append((key, None, UNAVAILABLE, state))
    return out


def main() -> None:
    measures = read("measures.csv")
    params = {p["measure"]: p for p in read("series.csv")}
    missing = [m["code"] for m in measures if m["code"] not in params]
    if missing:
        raise SystemExit(f"series.csv has no row for: {', '.join(missing)}")
    budgets = [r for row in read("budget-series.csv") for r in budget_rows(row)]
    unit_costs = {r["measure"]: r["output"] for r in read("unit-costs.csv")}
    by_code = {m["code"]: m for m in measures}
    generated: dict[str, tuple[Series, list[Row]]] = {}
    for measure in measures:
        series = Series(measure, params[measure["code"]])
        generated[series.code] = (series, series.rows())
    for code, output in unit_costs.items():
        series, rows = generated[code]
        if by_code[output]["activity"] != series.activity:
            raise SystemExit(f"unit-costs.csv, {code}: {output} is not an output of {series.activity}")
        rows = derive_unit_costs(series, rows, generated[output][1], by_code[output]["frequency"], budgets)
        generated[code] = (series, rows)
    actuals, targets = [], []
    for series, rows in generated.values():
        for key, value, note, state in rows:
            shown = "" if value is None else fmt(value, series.decimals)
            actuals.append([series.code, key, shown, note, state])
        targets.extend(series.targets(rows))
    write("actuals.csv", ["measure", "period", "value", "explanation", "state"], actuals)
    write("targets.csv", ["measure", "period", "value", "low", "high"], targets)
    write("budgets.csv", ["activity", "fiscal_year", "adopted", "expenditure", "fte"], budgets)
    print(f"Wrote {len(actuals)} actuals, {len(targets)} targets and {len(budgets)} budget rows to {HERE}.")


if __name__ == "__main__":
    main()
