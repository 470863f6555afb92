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


def _chart_as_go_figure(activity, output):
    """The output chart as go.Figure builds it: what output_chart's dict must equal."""
    import plotly.graph_objects as go

    from layouts.budget import format as bf
    from layouts.budget.department import ADOPTED_COLOUR, OUTPUT_COLOUR, SPENT_COLOUR

    years = [str(y.fiscal_year) for y in activity.years]
    unit = bf.plain(output.unit_label or "units")
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=years,
            y=[y.spent if y.spent is not None else y.adopted for y in activity.years],
            name="Spent (pale: adopted budget)",
            marker={
                "color": [SPENT_COLOUR if y.spent is not None else ADOPTED_COLOUR for y in activity.years]
            },
            hovertemplate="FY%{x}: $%{y:,.0f}<extra>Spending</extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=years,
            y=[y.output for y in output.years],
            name=bf.plain(output.name),
            mode="lines+markers",
            yaxis="y2",
            line={"color": OUTPUT_COLOUR, "width": 3},
            marker={"size": 8, "symbol": "diamond"},
            hovertemplate="FY%{x}: %{y:,.0f} " + unit + "<extra></extra>",
        )
    )
    figure.update_layout(
        margin={"l": 70, "r": 70, "t": 20, "b": 40},
        height=300,
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
        yaxis={"title": "Dollars", "rangemode": "tozero", "gridcolor": "#dee2e6"},
        yaxis2={"title": unit, "overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False},
        xaxis={"type": "category"},
    )
    return figure.to_plotly_json()


def test_the_output_chart_written_as_a_dict_is_the_figure_plotly_would_build():
    from aim.budget_schemas import ActivityBudget, OutputView, OutputYear, YearBudget
    from layouts.budget.department import output_chart

    activity = ActivityBudget(
        code="DPW-POT",
        name="Potholes <b>",
        years=[
            YearBudget(fiscal_year=2024, adopted=1_000_000.0),
            YearBudget(fiscal_year=2025, adopted=1_100_000.0, spent=1_050_000.5),
        ],
        outputs=[],
        outcomes=[],
    )
    output = OutputView(
        code="potholes",
        name="Potholes <a href='x'>filled</a>",
        unit_label="holes & ruts",
        years=[OutputYear(fiscal_year=2024), OutputYear(fiscal_year=2025, output=12_345.0)],
    )
    chart = output_chart(activity, output)
    assert chart == _chart_as_go_figure(activity, output)
    text = json.dumps(chart)
    assert "<a href" not in text and "holes &amp; ruts" in text  # data text escaped
    no_unit = output.model_copy(update={"unit_label": ""})
    assert output_chart(activity, no_unit) == _chart_as_go_figure(activity, no_unit)
