"""The budget parts of a department's page (layouts/budget/department.py): an outcome improved by
less than the minimum change says so in words, and a page as published on a day says what that
does to budgets."""

from __future__ import annotations

import json
from datetime import date

from aim.budget import TOO_SMALL
from aim.budget_schemas import OutcomeView
from layouts.budget.department import _outcome_row, budget_as_of_note


def outcome(**fields) -> OutcomeView:
    values = dict(
        code="homicides",
        name="Homicides",
        direction="down",
        unit_kind="count",
        unit_label="homicides",
        status="off_track",
        actual=119.99,
        previous=120.0,
        improvement=0.01,
    )
    return OutcomeView(**{**values, **fields})


def test_a_change_too_small_to_price_is_words_and_the_smallest_change_priced_never_a_figure():
    row = json.dumps(
        _outcome_row(outcome(reason=TOO_SMALL, min_improvement=0.9)).to_plotly_json(), default=str
    )
    assert "change too small to price (less than 0.9 homicides)" in row
    assert "$" not in row


def test_a_priced_improvement_shows_spending_per_unit_in_dollars():
    priced = outcome(actual=100.0, improvement=20.0, spending_per_unit=4_900_000, min_improvement=0.9)
    assert "$4,900,000" in json.dumps(_outcome_row(priced).to_plotly_json(), default=str)


def test_the_budget_note_shows_only_on_a_page_as_published_on_a_day():
    assert budget_as_of_note(None) is None
    note = json.dumps(budget_as_of_note(date(2025, 7, 31)).to_plotly_json(), default=str)
    assert "Budgets are today's figures, not those of 2025-07-31." in note


def test_the_outcome_table_says_which_changes_are_too_small_to_price():
    from aim.budget_schemas import ActivityBudget, YearBudget
    from layouts.budget.department import outcome_table

    activity = ActivityBudget(
        code="MPD-PATROL",
        name="Patrol",
        years=[YearBudget(fiscal_year=2025)],
        outputs=[],
        outcomes=[outcome()],
    )
    caption = json.dumps(outcome_table(activity, 2025).to_plotly_json(), default=str)
    assert "a change under 1% of the outcome's target is too small to price" in caption
