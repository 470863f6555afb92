"""The budget services on SQLite and PostgreSQL, with figures computed by hand on a small city: the
departments index, a department's resource table, outputs, cost per unit and outcomes, the budget
lines, and the analyst workbench (who may open it, what it holds, how it groups)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aim.auth import ANONYMOUS, Principal
from aim.budget_schemas import Workbench
from aim.models import Budget
from aim.periods import FiscalCalendar
from aim.services.budgets import (
    NotAllowed,
    activity_department,
    budget_lines,
    budget_years,
    department_budget,
    departments_index,
    shape_workbench,
    workbench,
)
from aim.services.scorecard import scorecard
from tests import builders as b

CAL = FiscalCalendar(1)
AS_OF = date(2026, 11, 26)
ANALYST = Principal(1, "analyst@city.gov", "budget_analyst")
MAYOR = Principal(2, "mayor@city.gov", "mayors_office")


def money(session, activity, year: int, adopted: int, spent: int | None, fte: float) -> None:
    session.add(
        Budget(
            activity=activity,
            fiscal_year=year,
            adopted=Decimal(adopted),
            expenditure=None if spent is None else Decimal(spent),
            fte=Decimal(str(fte)),
        )
    )


@pytest.fixture
def city(database):
    """Public Works collects garbage (an output, monthly) and keeps streets clean (an outcome);
    Police patrols, with an internal measure. Budgets 2024-2026; 2026 has no spending yet."""
    with database.write() as s:
        assets = b.priority(s, "assets", "Assets", 1)
        safe = b.priority(s, "safe", "Safety", 2)
        dpw = b.department(s, "DPW", "Public Works")
        collect = b.activity(s, dpw, "DPW-COLLECT", [assets], name="Garbage collection")
        tons = b.measure(
            s, collect, "tons", frequency="monthly", measure_type="output", is_output=True, unit_label="tons"
        )
        b.actuals(s, tons, {f"2024-{m:02d}": 1_000 for m in range(1, 13)})  # 12,000 tons
        b.actuals(s, tons, {f"2025-{m:02d}": 1_100 for m in range(1, 13)})  # 13,200 tons
        b.actuals(s, tons, {f"2026-{m:02d}": 1_200 for m in range(1, 10)})  # 9 months: 10,800 tons
        litter = b.measure(s, collect, "litter-complaints", direction="down", unit_label="complaints")
        b.actuals(s, litter, {"2024": 500, "2025": 400})
        b.target(s, litter, "2024", 450)
        b.target(s, litter, "2025", 450)
        money(s, collect, 2024, 2_500_000, 2_400_000, 30)
        money(s, collect, 2025, 2_600_000, 2_640_000, 31)
        money(s, collect, 2026, 2_700_000, None, 32)

        mpd = b.department(s, "MPD", "Police")
        patrol = b.activity(s, mpd, "MPD-PATROL", [safe, assets], name="Patrol")
        b.actuals(s, b.measure(s, patrol, "crimes", direction="down"), {"2024": 100, "2025": 90})
        b.actuals(
            s, b.measure(s, patrol, "overtime", is_public=False, measure_type="efficiency"), {"2025": 7}
        )
        money(s, patrol, 2025, 10_000_000, 9_000_000, 100)
    return database


def test_the_departments_index_adds_up_each_departments_activities(city):
    with city.read() as s:
        period = CAL.parse("2025")
        index = departments_index(s, CAL, scorecard(s, CAL, period, as_of=AS_OF), period)
    assert index.fiscal_year == 2025
    by_code = {d.code: d for d in index.departments}
    dpw = by_code["DPW"]
    assert (dpw.adopted, dpw.spent, dpw.fte) == (2_600_000, 2_640_000, 31)
    assert dpw.variance == 40_000 and dpw.variance_percent == pytest.approx(40_000 / 2_600_000)
    assert dpw.measure_count == 2 and dpw.counts.on_track == 1 and dpw.counts.no_target == 1
    police = by_code["MPD"]
    assert police.measure_count == 1  # the internal measure is not counted in public


def test_a_year_without_spending_has_a_budget_but_no_variance(city):
    with city.read() as s:
        period = CAL.parse("2026")
        dpw = next(
            d
            for d in departments_index(s, CAL, scorecard(s, CAL, period, as_of=AS_OF), period).departments
            if d.code == "DPW"
        )
    assert dpw.adopted == 2_700_000 and dpw.spent is None and dpw.variance is None


def test_a_departments_resource_table_outputs_and_cost_per_unit(city):
    with city.read() as s:
        view = department_budget(s, CAL, "DPW", CAL.parse("2025"), as_of=AS_OF)
    assert view.years == [2021, 2022, 2023, 2024, 2025]
    [collect] = view.activities
    assert [y.adopted for y in collect.years] == [None, None, None, 2_500_000, 2_600_000]
    assert collect.years[-1].variance == 40_000
    [tons] = collect.outputs
    y2024, y2025 = tons.years[-2:]
    assert y2024.cost_per_unit == pytest.approx(200.0)  # 2,400,000 / 12,000
    assert y2025.cost_per_unit == pytest.approx(200.0)  # 2,640,000 / 13,200
    assert y2025.change == pytest.approx(0.0) and y2025.basis == "spent"
    assert tons.years[0].cost_per_unit is None and tons.years[0].reason == "no budget recorded for the year"
    [litter] = collect.outcomes
    assert litter.improvement == 100  # 500 -> 400 complaints, fewer is better
    assert litter.spending_per_unit == pytest.approx(26_400.0)  # 2,640,000 / 100
    assert view.totals[-1].spent == 2_640_000


def test_the_current_year_costs_the_adopted_budget_prorated_to_the_months_reported(city):
    with city.read() as s:
        view = department_budget(s, CAL, "DPW", CAL.parse("2026"), as_of=AS_OF)
    y2026 = view.activities[0].outputs[0].years[-1]
    # 9/12 of 2,700,000 = 2,025,000 over 10,800 tons = 187.50 a ton, from the adopted budget.
    assert y2026.cost_per_unit == pytest.approx(187.5)
    assert (y2026.basis, y2026.reported, y2026.expected, y2026.share) == ("adopted", 9, 12, 0.75)
    assert y2026.change == pytest.approx(187.5 / 200 - 1)


def test_as_published_on_a_day_outputs_and_outcomes_are_that_days_and_the_money_todays(city):
    # Every figure of the small city was published on 2 January 2026 (tests/builders.py); the
    # budget table keeps no publication date, so its money is the same whatever the day.
    with city.read() as s:
        before = department_budget(
            s, CAL, "DPW", CAL.parse("2025"), as_of=AS_OF, published_on=date(2026, 1, 1)
        )
        after = department_budget(
            s, CAL, "DPW", CAL.parse("2025"), as_of=AS_OF, published_on=date(2026, 1, 2)
        )
        now = department_budget(s, CAL, "DPW", CAL.parse("2025"), as_of=AS_OF)
    [collect] = before.activities
    [tons] = collect.outputs
    assert {y.output for y in tons.years} == {None}  # no output had a published figure yet
    assert tons.years[-1].cost_per_unit is None and tons.years[-1].reason == "no output reported for the year"
    [litter] = collect.outcomes
    assert litter.actual is None and litter.spending_per_unit is None
    assert litter.reason == "the outcome has no value in one of the two years"
    assert collect.years == now.activities[0].years and before.totals == now.totals  # today's money
    assert after == now


def test_an_unknown_department_has_no_resource_table(city):
    with city.read() as s:
        assert department_budget(s, CAL, "NOPE", CAL.parse("2025"), as_of=AS_OF) is None


def test_budget_lines_filter_by_department_and_year(city):
    with city.read() as s:
        lines = budget_lines(s, department="DPW")
        assert [(line.fiscal_year, line.variance) for line in lines] == [
            (2024, -100_000),
            (2025, 40_000),
            (2026, None),
        ]
        assert [line.activity_code for line in budget_lines(s, fiscal_year=2025)] == [
            "DPW-COLLECT",
            "MPD-PATROL",
        ]
        assert budget_lines(s, department="NOPE") is None
        assert budget_years(s) == [2026, 2025, 2024]
        assert activity_department(s, "MPD-PATROL") == "MPD" and activity_department(s, "NOPE") is None


@pytest.mark.parametrize(
    "who",
    [
        ANONYMOUS,
        Principal(3, "editor@city.gov", "department_editor", {1, 2}),
        Principal(4, "admin@city.gov", "admin"),
    ],
    ids=["anonymous", "editor of both departments", "admin"],
)
def test_the_workbench_refuses_anyone_who_may_not_read_every_department(city, who):
    with city.read() as s, pytest.raises(NotAllowed):
        workbench(s, CAL, CAL.parse("2025"), user=who, as_of=AS_OF)


def test_the_workbench_holds_every_measure_internal_ones_too_with_two_years_and_the_cost_per_unit(city):
    with city.read() as s:
        view = workbench(s, CAL, CAL.parse("2025"), user=MAYOR, as_of=AS_OF)
    assert (view.fiscal_year, view.previous_year) == (2025, 2024)
    assert Workbench.model_validate(view.model_dump()) == view  # built without validation: still valid
    rows = {r["code"]: r for r in view.rows}
    assert set(rows) == {"tons", "litter-complaints", "crimes", "overtime"}
    assert rows["overtime"]["visibility"] == "Internal"
    tons = rows["tons"]
    assert (tons["value_before"], tons["value"]) == (12_000, 13_200)
    assert tons["value_change"] == pytest.approx(0.1)
    assert tons["cost_per_unit"] == pytest.approx(200.0) and tons["cost_per_unit_before"] == pytest.approx(
        200.0
    )
    assert tons["spending_change"] == pytest.approx(0.1)  # 2,400,000 -> 2,640,000
    assert tons["variance_percent"] == pytest.approx(40_000 / 2_600_000)
    assert rows["crimes"]["cost_per_unit"] is None  # not an output
    assert rows["crimes"]["adopted_before"] is None  # no 2024 budget for patrol
    assert [(p.activity_code, p.cost_change) for p in view.points] == [("DPW-COLLECT", pytest.approx(0.0))]
    # Litter complaints against a target of 450 (fewer is better): 450/500 = 0.90 in 2024, 450/400 = 1.125.
    assert view.points[0].score_change == pytest.approx(1.125 - 0.9)


def test_the_workbench_filters_and_groups_without_counting_an_activity_twice(city):
    with city.read() as s:
        view = workbench(s, CAL, CAL.parse("2025"), user=ANALYST, as_of=AS_OF)
    _columns, rows = shape_workbench(view, priority="safe")
    assert {r["code"] for r in rows} == {"crimes", "overtime"}
    _columns, rows = shape_workbench(view, department="DPW")
    assert {r["code"] for r in rows} == {"tons", "litter-complaints"}
    columns, groups = shape_workbench(view, group="department")
    assert columns[0].field == "group"
    by_name = {g["group"]: g for g in groups}
    assert by_name["Public Works"]["measures"] == 2 and by_name["Public Works"]["spent"] == 2_640_000
    assert by_name["Police"]["internal"] == 1 and by_name["Police"]["adopted"] == 10_000_000
    _columns, groups = shape_workbench(view, group="priority")
    by_name = {g["group"]: g for g in groups}
    # Patrol serves both priorities: it counts in each, once.
    assert by_name["Assets"]["adopted"] == 2_600_000 + 10_000_000
    assert by_name["Safety"]["adopted"] == 10_000_000 and by_name["Safety"]["measures"] == 2
