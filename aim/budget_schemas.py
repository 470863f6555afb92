"""View models of the budget side (aim.services.budgets): the departments index, a department's
resource table, outputs and outcomes, the budgets download and the analyst workbench. Kept apart
from aim/schemas.py so that the budget pages' models read together; layouts import them from here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from aim.schemas import StatusCounts


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class YearBudget(View):
    """An activity's (or a department's total) money for one fiscal year."""

    fiscal_year: int
    adopted: float | None = None
    spent: float | None = None
    fte: float | None = None
    variance: float | None = None  # spent - adopted
    variance_percent: float | None = None  # of adopted


class OutputYear(View):
    """An output measure's figure for one fiscal year and the cost per unit derived from it."""

    fiscal_year: int
    output: float | None = None
    reported: int = 0  # periods of the year with a value
    expected: int = 0
    cost_per_unit: float | None = None
    basis: str | None = None  # "spent" or "adopted"
    share: float = 1.0  # share of the year the output covers
    reason: str | None = None  # why there is no cost per unit
    change: float | None = None  # of the cost per unit from the year before, in percent (0.05 = 5%)
    change_amount: float | None = None


class OutputView(View):
    code: str
    name: str
    unit_label: str
    years: list[OutputYear]  # oldest first


class OutcomeView(View):
    """An outcome of an activity for the fiscal year, next to its spending."""

    code: str
    name: str
    direction: str
    unit_kind: str
    unit_label: str
    status: str
    actual: float | None = None
    previous: float | None = None
    score: float | None = None
    score_change: float | None = None
    trend: str | None = None
    improvement: float | None = None  # in the better direction
    spending_per_unit: float | None = None  # spending / improvement
    min_improvement: float | None = None  # the smallest improvement priced (aim.budget)
    reason: str | None = None


class ActivityBudget(View):
    code: str
    name: str
    years: list[YearBudget]  # oldest first, one per year of the table
    outputs: list[OutputView]
    outcomes: list[OutcomeView]


class DepartmentBudget(View):
    """A department's resource table for the last five fiscal years, per activity and in total."""

    code: str
    name: str
    fiscal_year: int  # the latest year of the table
    years: list[int]
    activities: list[ActivityBudget]
    totals: list[YearBudget]


class DepartmentSummary(View):
    code: str
    name: str
    adopted: float | None = None
    spent: float | None = None
    fte: float | None = None
    variance: float | None = None
    variance_percent: float | None = None
    measure_count: int = 0
    counts: StatusCounts = StatusCounts()


class DepartmentsIndex(View):
    fiscal_year: int
    period: str
    period_label: str
    departments: list[DepartmentSummary]


class BudgetLine(View):
    """One activity's budget for one fiscal year (the budgets download)."""

    department_code: str
    department_name: str
    activity_code: str
    activity_name: str
    fiscal_year: int
    adopted: float
    spent: float | None = None
    variance: float | None = None
    variance_percent: float | None = None
    fte: float | None = None


class Column(View):
    """A column of the workbench grid and of its exports: its field, heading, kind (text, money,
    number, percent, score, status) and what it means (the export's second sheet)."""

    field: str
    header: str
    kind: str
    meaning: str


class ScatterPoint(View):
    activity_code: str
    activity_name: str
    department_code: str
    department_name: str
    cost_change: float  # of the cost per unit, in percent (0.05 = 5%)
    score_change: float  # of the outcomes' average score


class Workbench(View):
    """Every department, activity and measure with its figures for two fiscal years."""

    fiscal_year: int
    previous_year: int
    columns: list[Column]
    rows: list[dict[str, Any]]  # one per measure: {column.field: value}
    points: list[ScatterPoint]
    priorities: list[tuple[str, str]]  # (slug, title) to filter and group by
    departments: list[tuple[str, str]]
