"""The budget side: what each activity costs, what it produces and what its outcomes did, from the
departments index to one department's resource table, the budgets download and the analyst
workbench. The rules come from aim/budget.py; pandas shapes the tables (one query per table,
grouped in memory, never a query per activity or measure).

Budgets are public data; public views read public measures only. The workbench takes the
principal and refuses anyone who may not read every department's internal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from aim import budget as rules
from aim import status as status_rules
from aim.auth import Principal, sees_all_departments
from aim.budget_schemas import (
    ActivityBudget,
    BudgetLine,
    Column,
    DepartmentBudget,
    DepartmentsIndex,
    DepartmentSummary,
    OutcomeView,
    OutputView,
    OutputYear,
    ScatterPoint,
    Workbench,
    YearBudget,
)
from aim.models import Activity, Budget, Department, Measure, Priority
from aim.periods import FiscalCalendar, Kind, Period, Rollup
from aim.schemas import MeasureStatus, Scorecard, StatusCounts
from aim.services.scorecard import scorecards

#: How many fiscal years a department's resource table shows.
TABLE_YEARS = 5


class NotAllowed(PermissionError):
    """The principal may not read what was asked (the workbench's internal measures)."""


def _float(value) -> float | None:
    return None if value is None else float(value)


def _budget_frame(session: Session, years: Iterable[int], department_id: int | None = None) -> pd.DataFrame:
    """Every activity's budget for `years`: one row per activity and year (money as floats)."""
    query = (
        select(
            Budget.activity_id,
            Budget.fiscal_year,
            Budget.adopted,
            Budget.expenditure,
            Budget.fte,
        )
        .join(Activity, Activity.id == Budget.activity_id)
        .where(Budget.fiscal_year.in_(sorted(set(years))))
    )
    if department_id is not None:
        query = query.where(Activity.department_id == department_id)
    frame = pd.DataFrame(
        [(a, y, _float(ad), _float(sp), _float(f)) for a, y, ad, sp, f in session.execute(query)],
        columns=["activity_id", "fiscal_year", "adopted", "spent", "fte"],
    )
    return frame.astype({"adopted": "float64", "spent": "float64", "fte": "float64"})


def _none(value: Any) -> Any:
    """pandas' missing values (NaN, NA) as None, for view models and JSON."""
    return None if value is None or pd.isna(value) else value


def _year_budget(year: int, adopted, spent, fte) -> YearBudget:
    adopted, spent, fte = _none(adopted), _none(spent), _none(fte)
    found = rules.variance(adopted, spent)
    return YearBudget(
        fiscal_year=year,
        adopted=adopted,
        spent=spent,
        fte=fte,
        variance=found.amount if found else None,
        variance_percent=found.percent if found else None,
    )


def _output_rollup(m: MeasureStatus | None) -> Rollup:
    if m is None:
        return Rollup(None, 0, 0)
    return Rollup(m.actual, m.reported, m.expected)


def _unit_cost(adopted, spent, m: MeasureStatus | None, aggregation: str) -> rules.UnitCost:
    return rules.cost_per_unit(_none(adopted), _none(spent), _output_rollup(m), aggregation)


# -- the departments index -------------------------------------------------------------------------
def departments_index(
    session: Session, calendar: FiscalCalendar, card: Scorecard, period: Period
) -> DepartmentsIndex:
    """Every department with its budget for the period's fiscal year, its public measures and their
    status counts (as the public scorecard evaluated them)."""
    year = int(calendar.containing(period, Kind.YEAR).key)
    departments = session.execute(
        select(Department.id, Department.code, Department.name).order_by(Department.name)
    ).all()
    activity_department = {a: d for a, d in session.execute(select(Activity.id, Activity.department_id))}
    money = _budget_frame(session, [year])
    money["department_id"] = money["activity_id"].map(activity_department)
    # min_count=1: a department whose activities report no spending has none, not $0.
    totals = money.groupby("department_id")[["adopted", "spent", "fte"]].sum(min_count=1)
    measures: dict[str, list[MeasureStatus]] = {}
    for m in card.measures:
        measures.setdefault(m.department_code, []).append(m)
    summaries = []
    for department_id, code, name in departments:
        row = totals.loc[department_id] if department_id in totals.index else None
        budget = _year_budget(
            year, *(row[c] if row is not None else None for c in ("adopted", "spent", "fte"))
        )
        found = measures.get(code, [])
        counts = status_rules.empty_counts()
        for m in found:
            counts[m.status] += 1
            counts[status_rules.STALE] += m.stale
        summaries.append(
            DepartmentSummary(
                code=code,
                name=name,
                adopted=budget.adopted,
                spent=budget.spent,
                fte=budget.fte,
                variance=budget.variance,
                variance_percent=budget.variance_percent,
                measure_count=len(found),
                counts=StatusCounts(**counts),
            )
        )
    return DepartmentsIndex(
        fiscal_year=year,
        period=card.period,
        period_label=card.period_label,
        departments=summaries,
    )


# -- one department --------------------------------------------------------------------------------
def department_budget(
    session: Session,
    calendar: FiscalCalendar,
    code: str,
    period: Period,
    *,
    as_of: date | None = None,
    published_on: date | None = None,
    years: int = TABLE_YEARS,
) -> DepartmentBudget | None:
    """A department's resource table for the `years` fiscal years up to the period's, per activity
    and in total, with each activity's public outputs (and their cost per unit) and public outcomes
    (with spending per unit of improvement). None for an unknown department.

    With `published_on`, outputs and outcomes are the figures published by the end of that day (as
    on every public page); the money is always the budget table as it is now, which keeps no
    publication dates (the page says so)."""
    department = session.execute(
        select(Department.id, Department.name).where(Department.code == code)
    ).first()
    if department is None:
        return None
    last = calendar.containing(period, Kind.YEAR)
    periods = [calendar.shift(last, -n) for n in range(years - 1, -1, -1)]
    fiscal_years = [int(p.key) for p in periods]
    activities = session.execute(
        select(Activity.id, Activity.code, Activity.name)
        .where(Activity.department_id == department.id)
        .order_by(Activity.name)
    ).all()
    measures = session.execute(
        select(
            Measure.code, Measure.activity_id, Measure.measure_type, Measure.is_output, Measure.aggregation
        )
        .join(Activity, Activity.id == Measure.activity_id)
        .where(Activity.department_id == department.id, Measure.is_public.is_(True))
        .where(Measure.is_output.is_(True) | (Measure.measure_type == "outcome"))
    ).all()
    codes = [m.code for m in measures]
    cards: dict[int, dict[str, MeasureStatus]] = {int(p.key): {} for p in periods}
    if codes:
        # The years' scorecards of these measures at once: one read of each kind for all the years.
        found = scorecards(session, calendar, periods, as_of=as_of, codes=codes, published_on=published_on)
        for p, card in zip(periods, found, strict=True):
            cards[int(p.key)] = {m.code: m for m in card.measures}
    money = _budget_frame(session, fiscal_years, department.id).set_index(["activity_id", "fiscal_year"])

    def budget_of(activity_id: int, year: int) -> YearBudget:
        key = (activity_id, year)
        if key not in money.index:
            return YearBudget(fiscal_year=year)
        row = money.loc[key]
        return _year_budget(year, row["adopted"], row["spent"], row["fte"])

    views = []
    for a in activities:
        own = [m for m in measures if m.activity_id == a.id]
        budgets = [budget_of(a.id, y) for y in fiscal_years]
        outputs = [
            _output_view(m.code, m.aggregation, budgets, cards)
            for m in own
            if m.is_output and _any(cards, m.code)
        ]
        outcomes = [
            _outcome_view(cards[fiscal_years[-1]][m.code], cards[fiscal_years[-2]].get(m.code), budgets[-1])
            for m in own
            if m.measure_type == "outcome" and m.code in cards[fiscal_years[-1]]
        ]
        views.append(
            ActivityBudget(
                code=a.code,
                name=a.name,
                years=budgets,
                outputs=outputs,
                outcomes=sorted(outcomes, key=lambda o: o.name.lower()),
            )
        )
    totals = money.groupby(level="fiscal_year")[["adopted", "spent", "fte"]].sum(min_count=1)
    return DepartmentBudget(
        code=code,
        name=department.name,
        fiscal_year=fiscal_years[-1],
        years=fiscal_years,
        activities=views,
        totals=[
            _year_budget(y, *(totals.loc[y] if y in totals.index else (None, None, None)))
            for y in fiscal_years
        ],
    )


def _any(cards: dict[int, dict[str, MeasureStatus]], code: str) -> bool:
    return any(code in card for card in cards.values())


def _output_view(
    code: str, aggregation: str, budgets: Sequence[YearBudget], cards: dict[int, dict[str, MeasureStatus]]
) -> OutputView:
    found = next(card[code] for card in cards.values() if code in card)
    years: list[OutputYear] = []
    previous: float | None = None
    for b in budgets:
        m = cards[b.fiscal_year].get(code)
        cost = _unit_cost(b.adopted, b.spent, m, aggregation)
        change = rules.year_over_year(cost.value, previous)
        years.append(
            OutputYear(
                fiscal_year=b.fiscal_year,
                output=m.actual if m else None,
                reported=m.reported if m else 0,
                expected=m.expected if m else 0,
                cost_per_unit=cost.value,
                basis=cost.basis.value if cost.basis else None,
                share=cost.share,
                reason=cost.reason,
                change=change.percent if change else None,
                change_amount=change.amount if change else None,
            )
        )
        previous = cost.value
    return OutputView(code=code, name=found.name, unit_label=found.unit_label, years=years)


def _outcome_view(m: MeasureStatus, before: MeasureStatus | None, budget: YearBudget) -> OutcomeView:
    found = rules.outcome_return(
        budget.spent, m.actual, m.previous, m.direction, m.score, before.score if before else None, m.target
    )
    return OutcomeView(
        code=m.code,
        name=m.name,
        direction=m.direction,
        unit_kind=m.unit_kind,
        unit_label=m.unit_label,
        status=m.status,
        actual=m.actual,
        previous=m.previous,
        score=m.score,
        score_change=found.score_change,
        trend=m.trend,
        improvement=found.improvement,
        spending_per_unit=found.spending_per_unit,
        min_improvement=found.threshold,
        reason=found.reason,
    )


# -- the budgets download --------------------------------------------------------------------------
def budget_lines(
    session: Session, *, department: str | None = None, fiscal_year: int | None = None
) -> list[BudgetLine] | None:
    """Every activity's budget, optionally for one department and one fiscal year, ordered by
    department, activity and year. None when `department` names no department."""
    query = (
        select(
            Department.code,
            Department.name,
            Activity.code,
            Activity.name,
            Budget.fiscal_year,
            Budget.adopted,
            Budget.expenditure,
            Budget.fte,
        )
        .join(Activity, Activity.id == Budget.activity_id)
        .join(Department, Department.id == Activity.department_id)
        .order_by(Department.code, Activity.code, Budget.fiscal_year)
    )
    if department:
        if session.scalar(select(Department.id).where(Department.code == department)) is None:
            return None
        query = query.where(Department.code == department)
    if fiscal_year is not None:
        query = query.where(Budget.fiscal_year == fiscal_year)
    lines = []
    for d_code, d_name, a_code, a_name, year, adopted, spent, fte in session.execute(query):
        found = rules.variance(float(adopted), _float(spent))
        lines.append(
            BudgetLine(
                department_code=d_code,
                department_name=d_name,
                activity_code=a_code,
                activity_name=a_name,
                fiscal_year=year,
                adopted=float(adopted),
                spent=_float(spent),
                variance=found.amount if found else None,
                variance_percent=found.percent if found else None,
                fte=_float(fte),
            )
        )
    return lines


# -- the analyst workbench -------------------------------------------------------------------------
WORKBENCH_COLUMNS = [
    Column(field="department", header="Department", kind="text", meaning="The department"),
    Column(field="activity", header="Activity", kind="text", meaning="The activity the measure belongs to"),
    Column(
        field="priorities",
        header="Priorities",
        kind="text",
        meaning="The strategic priorities the activity serves, separated by ';'",
    ),
    Column(field="measure", header="Measure", kind="text", meaning="The measure's name"),
    Column(field="code", header="Code", kind="text", meaning="The measure's code (its address on the site)"),
    Column(field="measure_type", header="Type", kind="text", meaning="outcome, output, efficiency or demand"),
    Column(
        field="visibility",
        header="Visibility",
        kind="text",
        meaning="Public, or Internal (never shown to the public)",
    ),
    Column(field="unit", header="Unit", kind="text", meaning="The measure's unit"),
    Column(field="value_before", header="Value, year before", kind="number", meaning="The measure's figure"),
    Column(field="value", header="Value", kind="number", meaning="The measure's figure for the fiscal year"),
    Column(
        field="value_change",
        header="Value change",
        kind="percent",
        meaning="(value - value a year before) / |value a year before|",
    ),
    Column(field="status", header="Status", kind="status", meaning="Status against target for the year"),
    Column(field="score_before", header="Score, year before", kind="score", meaning="Score against target"),
    Column(field="score", header="Score", kind="score", meaning="Score against target, 1.00 = on target"),
    Column(field="score_change", header="Score change", kind="score", meaning="score - score a year before"),
    Column(
        field="adopted_before",
        header="Adopted, year before",
        kind="money",
        meaning="The activity's adopted budget",
    ),
    Column(field="adopted", header="Adopted", kind="money", meaning="The activity's adopted budget"),
    Column(
        field="spent_before", header="Spent, year before", kind="money", meaning="The activity's spending"
    ),
    Column(
        field="spent", header="Spent", kind="money", meaning="The activity's spending (empty: not reported)"
    ),
    Column(field="variance", header="Variance", kind="money", meaning="spent - adopted, for the activity"),
    Column(
        field="variance_percent", header="Variance %", kind="percent", meaning="variance / adopted budget"
    ),
    Column(
        field="spending_change",
        header="Spending change",
        kind="percent",
        meaning="The activity's spending against the year before",
    ),
    Column(field="fte", header="FTE", kind="number", meaning="The activity's funded positions"),
    Column(
        field="cost_per_unit_before",
        header="Cost per unit, year before",
        kind="money",
        meaning="For an output measure: the activity's spending / the output",
    ),
    Column(
        field="cost_per_unit",
        header="Cost per unit",
        kind="money",
        meaning="For an output measure: the activity's spending (or adopted budget before spending is "
        "reported, prorated for a partial year) / the output; see the methodology",
    ),
    Column(
        field="cost_per_unit_change",
        header="Cost per unit change",
        kind="percent",
        meaning="The cost per unit against the year before",
    ),
    Column(
        field="cost_basis",
        header="Cost basis",
        kind="text",
        meaning="spent, or adopted (an estimate before spending is reported); 'part of year' when prorated",
    ),
]


def _column_meanings(year: int, before: int) -> list[Column]:
    """The columns with the two fiscal years spelled out in their headings."""
    columns = []
    for c in WORKBENCH_COLUMNS:
        header = c.header.replace("year before", str(before))
        if c.kind != "text" and "year before" not in c.header and not c.header.endswith("change"):
            header = f"{header}, {year}" if c.field not in ("status",) else f"Status, {year}"
        columns.append(c.model_copy(update={"header": header}))
    return columns


def _attribute_columns(models: Sequence[Any], fields: Sequence[str]) -> dict[str, list[Any]]:
    """The `fields` of many view models as columns: one attrgetter call per model, not one
    getattr per field and model."""
    if not models:
        return {f: [] for f in fields}
    return dict(zip(fields, map(list, zip(*map(attrgetter(*fields), models), strict=True)), strict=True))


def _text(values: Iterable[Any]) -> pd.Series:
    """Text as plain Python objects: pandas would otherwise convert it to its string dtype, which
    costs a conversion in and a boxing per value out, for columns only passed through."""
    return pd.Series(list(values), dtype=object)


def _json_column(column: pd.Series) -> list[Any]:
    """A column as Python values, missing ones (NaN) as None."""
    if column.dtype == object:
        return column.tolist()
    return [None if v != v else v for v in column.tolist()]


# What the workbench reads of each measure's scorecard entry, for the year and the year before.
_NOW_FIELDS = (
    "code",
    "name",
    "department_code",
    "department_name",
    "activity_code",
    "activity_name",
    "priority_slugs",
    "measure_type",
    "unit_kind",
    "unit_label",
    "aggregation",
    "is_public",
    "actual",
    "status",
    "score",
    "reported",
    "expected",
)
_BEFORE_FIELDS = ("actual", "score", "reported", "expected")


def workbench(
    session: Session,
    calendar: FiscalCalendar,
    period: Period,
    *,
    user: Principal,
    as_of: date | None = None,
) -> Workbench:
    """Every measure (internal ones included) of every department and activity, with its figures for
    the period's fiscal year and the year before, its activity's budget and cost per unit, and a
    point per activity for the cost-per-unit against outcome-score scatter.

    Raises NotAllowed unless `user` may read every department's internal data.
    """
    if not sees_all_departments(user):
        raise NotAllowed("The analyst workbench is for budget analysts and the Mayor's Office.")
    return _workbench(session, calendar, period, user=user, as_of=as_of)


def _workbench(
    session: Session, calendar: FiscalCalendar, period: Period, *, user: Principal, as_of: date | None
) -> Workbench:
    year_period = calendar.containing(period, Kind.YEAR)
    before_period = calendar.shift(year_period, -1)
    year, before = int(year_period.key), int(before_period.key)
    # Both years from one grouped scan of the actuals.
    now, then = scorecards(session, calendar, [year_period, before_period], as_of=as_of, user=user)

    meta = {
        code: (is_output, activity_id)
        for code, is_output, activity_id in session.execute(
            select(Measure.code, Measure.is_output, Measure.activity_id)
        )
    }
    priorities = session.execute(
        select(Priority.slug, Priority.title).order_by(Priority.sort_order, Priority.title)
    ).all()
    title_of = dict(priorities)
    departments = session.execute(select(Department.code, Department.name).order_by(Department.name)).all()

    # Columns, not rows: each measure's figures read once, the arithmetic done a column at a time.
    cur = _attribute_columns(now.measures, _NOW_FIELDS)
    earlier_of = {m.code: m for m in then.measures}
    earlier = [earlier_of.get(code) for code in cur["code"]]
    found = [m for m in earlier if m is not None]
    old = _attribute_columns(found, _BEFORE_FIELDS)
    if len(found) < len(earlier):  # measures without a scorecard entry a year before: missing figures
        spread: dict[str, list[Any]] = {f: [] for f in _BEFORE_FIELDS}
        values = iter(zip(*(old[f] for f in _BEFORE_FIELDS), strict=True))
        for m in earlier:
            for f, v in zip(_BEFORE_FIELDS, next(values) if m is not None else (None,) * 4, strict=True):
                spread[f].append(v)
        old = spread
    kinds = [meta[code] for code in cur["code"]]
    activity_ids = [a for _o, a in kinds]
    table = pd.DataFrame(
        {
            "value": pd.Series(cur["actual"], dtype="float64"),
            "score": pd.Series(cur["score"], dtype="float64"),
            "value_before": pd.Series(old["actual"], dtype="float64"),
            "score_before": pd.Series(old["score"], dtype="float64"),
            "is_output": pd.Series([o for o, _a in kinds], dtype=bool),
            "is_public": pd.Series(cur["is_public"], dtype=bool),
        }
    )

    money = _budget_frame(session, [year, before])
    for suffix, y in (("", year), ("_before", before)):
        found_money = money[money["fiscal_year"] == y].set_index("activity_id")[["adopted", "spent", "fte"]]
        for column, values in found_money.reindex(activity_ids).items():
            table[f"{column}{suffix}"] = values.to_numpy()
    table["variance"] = table["spent"] - table["adopted"]
    table["variance_percent"] = table["variance"] / table["adopted"].where(table["adopted"] != 0)
    table["spending_change"] = (table["spent"] - table["spent_before"]) / table["spent_before"].abs().where(
        table["spent_before"] != 0
    )
    table["value_change"] = (table["value"] - table["value_before"]) / table["value_before"].abs().where(
        table["value_before"] != 0
    )
    table["score_change"] = table["score"] - table["score_before"]

    # Cost per unit, for output measures only: the rule is a scalar function, applied to the few
    # output rows (one per activity output), so there is one place that says how it is computed.
    n = len(table)
    costs = np.full(n, np.nan)
    costs_before = np.full(n, np.nan)
    bases: list[str | None] = [None] * n
    adopted, spent = table["adopted"].tolist(), table["spent"].tolist()
    adopted_before, spent_before = table["adopted_before"].tolist(), table["spent_before"].tolist()
    for i in np.flatnonzero(table["is_output"].to_numpy()).tolist():
        cost = rules.cost_per_unit(
            _none(adopted[i]),
            _none(spent[i]),
            Rollup(cur["actual"][i], cur["reported"][i], cur["expected"][i]),
            cur["aggregation"][i],
        )
        earlier_cost = rules.cost_per_unit(
            _none(adopted_before[i]),
            _none(spent_before[i]),
            Rollup(old["actual"][i], old["reported"][i] or 0, old["expected"][i] or 0),
            cur["aggregation"][i],
        )
        if cost.value is not None:
            costs[i] = cost.value
        if earlier_cost.value is not None:
            costs_before[i] = earlier_cost.value
        basis = cost.basis.value if cost.basis else None
        bases[i] = f"{basis}, part of year" if basis and cost.share < 1 else basis
    table["cost_per_unit"] = costs
    table["cost_per_unit_before"] = costs_before
    table["cost_basis"] = _text(bases)
    table["cost_per_unit_change"] = (table["cost_per_unit"] - table["cost_per_unit_before"]) / table[
        "cost_per_unit_before"
    ].where(table["cost_per_unit_before"] != 0)

    table["department"] = _text(cur["department_name"])
    table["activity"] = _text(cur["activity_name"])
    table["measure"] = _text(cur["name"])
    table["code"] = _text(cur["code"])
    table["measure_type"] = _text(cur["measure_type"])
    table["status"] = _text(cur["status"])
    table["department_code"] = _text(cur["department_code"])
    table["activity_code"] = _text(cur["activity_code"])
    table["priority_slugs"] = _text(cur["priority_slugs"])
    table["priorities"] = _text("; ".join(title_of[s] for s in slugs) for slugs in cur["priority_slugs"])
    table["visibility"] = _text("Public" if public else "Internal" for public in cur["is_public"])
    table["unit"] = _text(
        label or kind for label, kind in zip(cur["unit_label"], cur["unit_kind"], strict=True)
    )
    table = table.sort_values(["department", "activity", "measure"], kind="stable")
    points = _scatter(table)

    columns = _column_meanings(year, before)
    keep = [c.field for c in columns] + ["department_code", "priority_slugs"]
    # The grid's rows built from whole columns (DataFrame.to_dict boxes each of the 70,000 values).
    rows = [
        dict(zip(keep, values, strict=True))
        for values in zip(*(_json_column(table[f]) for f in keep), strict=True)
    ]
    # Built from values of the declared types: validating 2,500 rows again would only copy them
    # (a test checks the validated model is equal).
    return Workbench.model_construct(
        fiscal_year=year,
        previous_year=before,
        columns=columns,
        rows=rows,
        points=points,
        priorities=[(s, t) for s, t in priorities],
        departments=[(c, n) for c, n in departments],
    )


def _scatter(table: pd.DataFrame) -> list[ScatterPoint]:
    """One point per activity having both a cost-per-unit change (its first output, by name) and an
    outcome score change (the mean of its outcome measures' score changes)."""
    outputs = (
        table[table["is_output"] & table["cost_per_unit_change"].notna()]
        .sort_values("measure")
        .groupby("activity_code")
        .first()
    )
    outcomes = (
        table[(table["measure_type"] == "outcome") & table["score_change"].notna()]
        .groupby("activity_code")["score_change"]
        .mean()
    )
    both = outputs.join(outcomes.rename("outcome_score_change"), how="inner")
    return [
        ScatterPoint(
            activity_code=code,
            activity_name=name,
            department_code=department_code,
            department_name=department,
            cost_change=float(cost),
            score_change=float(score),
        )
        for code, name, department_code, department, cost, score in zip(
            both.index,
            both["activity"],
            both["department_code"],
            both["department"],
            both["cost_per_unit_change"].tolist(),
            both["outcome_score_change"].tolist(),
            strict=True,
        )
    ]


GROUPS = ("", "department", "priority")
GROUP_COLUMNS = [
    Column(
        field="measures",
        header="Measures",
        kind="number",
        meaning="Measures in the group (internal included)",
    ),
    Column(field="internal", header="Internal", kind="number", meaning="Of which internal measures"),
    Column(
        field="on_track", header="On track", kind="number", meaning="Measures on track in the fiscal year"
    ),
    Column(field="at_risk", header="At risk", kind="number", meaning="Measures at risk"),
    Column(field="off_track", header="Off track", kind="number", meaning="Measures off track"),
    Column(
        field="mean_score",
        header="Average score",
        kind="score",
        meaning="Mean score of the measures with one",
    ),
    Column(field="activities", header="Activities", kind="number", meaning="Activities in the group"),
    Column(
        field="adopted",
        header="Adopted",
        kind="money",
        meaning="Adopted budgets of the group's activities (each activity counted once per group)",
    ),
    Column(field="spent", header="Spent", kind="money", meaning="Spending of the group's activities"),
    Column(field="variance", header="Variance", kind="money", meaning="spent - adopted"),
    Column(field="variance_percent", header="Variance %", kind="percent", meaning="variance / adopted"),
    Column(
        field="spent_before", header="Spent, year before", kind="money", meaning="Spending a year earlier"
    ),
    Column(
        field="spending_change",
        header="Spending change",
        kind="percent",
        meaning="Spending against a year earlier",
    ),
]


def shape_workbench(
    view: Workbench, *, priority: str = "", department: str = "", group: str = ""
) -> tuple[list[Column], list[dict[str, Any]]]:
    """The workbench's rows narrowed to a priority and a department, one per measure, or grouped
    into one row per department or per priority (an activity serving two priorities counts in
    both). Pure: it reshapes the view model, so the grid and its exports agree."""
    rows = [
        r
        for r in view.rows
        if (not priority or priority in r["priority_slugs"])
        and (not department or r["department_code"] == department)
    ]
    if group not in ("department", "priority"):
        return view.columns, rows
    title_of = dict(view.priorities)
    # Only the columns the groups need; text kept as Python objects (see _text), the statuses
    # counted as 0/1 columns summed per group rather than a Python function called per group.
    frame = pd.DataFrame(
        {
            **{
                f: _text(r.get(f) for r in rows) for f in ("code", "activity", "department", "priority_slugs")
            },
            **{
                f: pd.Series([r.get(f) for r in rows], dtype="float64")
                for f in ("adopted", "spent", "spent_before", "score")
            },
        }
    )
    frame["internal"] = [r.get("visibility") == "Internal" for r in rows]
    status = _text(r.get("status") for r in rows)
    for kind in ("on_track", "at_risk", "off_track"):
        frame[kind] = (status == kind).to_numpy()
    if group == "priority":
        frame = frame.explode("priority_slugs")
        frame = frame[frame["priority_slugs"].notna()]
        frame["group"] = frame["priority_slugs"].map(title_of)
    else:
        frame["group"] = frame["department"]
    heading = "Priority" if group == "priority" else "Department"
    columns = [
        Column(field="group", header=heading, kind="text", meaning=f"The {heading.lower()}"),
        *GROUP_COLUMNS,
    ]
    if frame.empty:
        return columns, []
    measures = frame.groupby("group").agg(
        measures=("code", "count"),
        internal=("internal", "sum"),
        on_track=("on_track", "sum"),
        at_risk=("at_risk", "sum"),
        off_track=("off_track", "sum"),
        mean_score=("score", "mean"),
        activities=("activity", "nunique"),
    )
    money = (
        frame.drop_duplicates(["group", "department", "activity"])
        .groupby("group")[["adopted", "spent", "spent_before"]]
        .sum(min_count=1)
    )
    table = measures.join(money)
    table["variance"] = table["spent"] - table["adopted"]
    table["variance_percent"] = table["variance"] / table["adopted"].where(table["adopted"] != 0)
    table["spending_change"] = (table["spent"] - table["spent_before"]) / table["spent_before"].where(
        table["spent_before"] != 0
    )
    table = table.reset_index().sort_values("group")
    out = table.astype(object).where(table.notna(), None)
    return columns, out.to_dict("records")


def budget_years(session: Session) -> list[int]:
    """The fiscal years holding any budget, newest first."""
    return sorted(set(session.scalars(select(Budget.fiscal_year).distinct())), reverse=True)


def activity_department(session: Session, activity_code: str) -> str | None:
    """The code of the department an activity belongs to; None for an unknown activity."""
    return session.scalar(
        select(Department.code)
        .join(Activity, Activity.department_id == Department.id)
        .where(Activity.code == activity_code)
    )
