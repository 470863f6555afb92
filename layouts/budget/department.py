"""The budget parts of a department's page: an MMR-style resource table for the last five fiscal
years (adopted, spent, variance, FTE per activity and in total), and per activity its outputs with
the cost per unit, a chart of spending against output (with the same numbers in a table), and its
outcomes beside the spending."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.budget import MIN_PRICED_SHARE, TOO_SMALL
from aim.budget_schemas import ActivityBudget, DepartmentBudget, OutcomeView, OutputView, YearBudget
from aim.explain import amount, number
from layouts import format as fmt
from layouts import ids
from layouts.budget import format as bf
from layouts.components import aria, status_badge
from layouts.figures import default_template

RESOURCE_TABLE = "resource-table"
SPENT_COLOUR = "#1f5f8b"
ADOPTED_COLOUR = "#9ec5e0"
OUTPUT_COLOUR = "#b35900"


def _table(caption: str, head: list, body: list, *, table_id: str | None = None) -> html.Div:
    return html.Div(
        dbc.Table(
            [html.Caption(caption, className="caption-top"), html.Thead(html.Tr(head)), *body],
            size="sm",
            className="align-middle budget-table",
            **({"id": table_id} if table_id else {}),
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **aria(label=caption),
    )


def _data(**attributes: str) -> dict[str, Any]:
    """data-* attributes (the exact figure behind a formatted cell, for tests and scripts)."""
    return {f"data-{name}": value for name, value in attributes.items()}


def _num(text: str) -> html.Td:
    return html.Td(text, className="text-end text-nowrap")


def _resource_rows(label: str, years: list[YearBudget], row_id: str) -> html.Tbody:
    """Four lines for one activity (or the total): adopted, spent, variance, FTE by year, and the
    change of each from the year before the last."""

    def change(now: float | None, then: float | None) -> str:
        if now is None or then is None or not then:
            return bf.DASH
        return bf.percent((now - then) / abs(then))

    last, before = years[-1], years[-2] if len(years) > 1 else YearBudget(fiscal_year=0)
    lines = [
        ("Adopted", [bf.dollars(y.adopted) for y in years], change(last.adopted, before.adopted)),
        ("Spent", [bf.dollars(y.spent) for y in years], change(last.spent, before.spent)),
        (
            "Variance",
            [
                f"{bf.signed_dollars(y.variance)} ({bf.percent(y.variance_percent)})"
                if y.variance is not None
                else bf.DASH
                for y in years
            ],
            "",
        ),
        ("FTE", [bf.fte(y.fte) for y in years], change(last.fte, before.fte)),
    ]
    rows = []
    for i, (name, cells, delta) in enumerate(lines):
        first = (
            [html.Th(label, scope="rowgroup", rowSpan=len(lines), id=row_id, className="align-top")]
            if i == 0
            else []
        )
        rows.append(
            html.Tr(
                [*first, html.Th(name, scope="row", className="fw-normal"), *map(_num, cells), _num(delta)]
            )
        )
    return html.Tbody(rows)


def resource_table(view: DepartmentBudget) -> html.Div:
    head = [
        html.Th("Activity", scope="col"),
        html.Th("Figure", scope="col"),
        *[html.Th(f"FY{y}", scope="col", className="text-end") for y in view.years],
        html.Th(f"Change {view.years[-2]}\u2013{view.years[-1]}", scope="col", className="text-end"),
    ]
    body = [_resource_rows(a.name, a.years, f"resources-{a.code}") for a in view.activities]
    body.append(_resource_rows("All activities", view.totals, "resources-total"))
    return _table(
        f"Resources of {view.name}, fiscal {view.years[0]} to {view.years[-1]}: adopted budget, spending, "
        "variance (spent minus adopted) and funded positions, per activity and in total",
        head,
        body,
        table_id=RESOURCE_TABLE,
    )


def _money_of(y: YearBudget) -> float | None:
    return y.spent if y.spent is not None else y.adopted


def output_chart(activity: ActivityBudget, output: OutputView) -> dict:
    """Spending (or the adopted budget where spending is not reported) as bars, the output as a line
    on its own axis, over the years of the table. Written out as the dict go.Figure gives for these
    traces and layout (tests/layouts/test_budget_department.py holds the two equal): building the
    go.Figure took 7 ms a chart, and a department's page has one per output."""
    years = [str(y.fiscal_year) for y in activity.years]
    unit = bf.plain(output.unit_label or "units")
    return {
        "data": [
            {
                "hovertemplate": "FY%{x}: $%{y:,.0f}<extra>Spending</extra>",
                "marker": {
                    "color": [SPENT_COLOUR if y.spent is not None else ADOPTED_COLOUR for y in activity.years]
                },
                "name": "Spent (pale: adopted budget)",
                "x": years,
                "y": [_money_of(y) for y in activity.years],
                "type": "bar",
            },
            {
                "hovertemplate": "FY%{x}: %{y:,.0f} " + unit + "<extra></extra>",
                "line": {"color": OUTPUT_COLOUR, "width": 3},
                "marker": {"size": 8, "symbol": "diamond"},
                "mode": "lines+markers",
                "name": bf.plain(output.name),
                "x": years,
                "y": [y.output for y in output.years],
                "yaxis": "y2",
                "type": "scatter",
            },
        ],
        "layout": {
            "template": default_template(),
            "margin": {"l": 70, "r": 70, "t": 20, "b": 40},
            "height": 300,
            "plot_bgcolor": "white",
            "legend": {"orientation": "h", "y": -0.2},
            "yaxis": {"title": {"text": "Dollars"}, "rangemode": "tozero", "gridcolor": "#dee2e6"},
            "yaxis2": {
                "title": {"text": unit},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                "showgrid": False,
            },
            "xaxis": {"type": "category"},
        },
    }


def _cost_cell(y) -> str:
    if y.cost_per_unit is None:
        return bf.DASH
    text = bf.unit_cost(y.cost_per_unit)
    notes = []
    if y.basis == "adopted":
        notes.append("from the adopted budget")
    if y.share < 1:
        notes.append(f"{y.reported} of {y.expected} periods")
    return f"{text} ({', '.join(notes)})" if notes else text


def output_table(activity: ActivityBudget, output: OutputView) -> html.Div:
    unit = output.unit_label or "unit"
    head = [
        html.Th("Fiscal year", scope="col"),
        html.Th("Money divided", scope="col", className="text-end"),
        html.Th(f"{output.name} ({unit})", scope="col", className="text-end"),
        html.Th(
            f"Cost per {unit.rstrip('s') if unit.endswith('s') else unit}", scope="col", className="text-end"
        ),
        html.Th("Change from the year before", scope="col", className="text-end"),
    ]
    rows = []
    for budget, y in zip(activity.years, output.years, strict=True):
        money = budget.spent if y.basis == "spent" else budget.adopted
        rows.append(
            html.Tr(
                [
                    html.Th(f"FY{y.fiscal_year}", scope="row"),
                    _num(bf.dollars(money) + (" (adopted)" if y.basis == "adopted" else "")),
                    _num(number(y.output) if y.output is not None else bf.DASH),
                    html.Td(
                        _cost_cell(y) if y.cost_per_unit is not None else (y.reason or bf.DASH),
                        className="text-end",
                        **_data(
                            year=str(y.fiscal_year),
                            cost="" if y.cost_per_unit is None else f"{y.cost_per_unit:.6f}",
                        ),
                    ),
                    _num(
                        f"{bf.signed_dollars(y.change_amount).replace('$', '$', 1)} ({bf.percent(y.change)})"
                        if y.change is not None
                        else bf.DASH
                    ),
                ]
            )
        )
    return _table(
        f"{activity.name}: spending, {output.name.lower()} and cost per {unit.rstrip('s')} by fiscal year "
        "(the chart's numbers)",
        head,
        [html.Tbody(rows)],
        table_id=f"output-{output.code}",
    )


def _unpriced(o: OutcomeView) -> str:
    """Why an outcome has no spending per unit of improvement, in words (never a giant number)."""
    if o.reason == TOO_SMALL and o.min_improvement is not None:
        return f"{TOO_SMALL} (less than {amount(o.min_improvement, o.unit_kind, o.unit_label)})"
    return o.reason or bf.DASH


def _outcome_row(o: OutcomeView) -> html.Tr:
    improvement = bf.DASH
    if o.improvement is not None:
        improvement = amount(o.improvement, o.unit_kind, o.unit_label)
        if o.improvement > 0:
            improvement = f"better by {improvement}"
        elif o.improvement < 0:
            improvement = f"worse by {amount(-o.improvement, o.unit_kind, o.unit_label)}"
        else:
            improvement = "no change"
    return html.Tr(
        [
            html.Th(dcc.Link(o.name, href=f"/measures/{o.code}"), scope="row"),
            _num(amount(o.actual, o.unit_kind, o.unit_label)),
            _num(amount(o.previous, o.unit_kind, o.unit_label) if o.previous is not None else bf.DASH),
            html.Td(improvement, className="text-end"),
            html.Td(
                bf.dollars(o.spending_per_unit) if o.spending_per_unit is not None else _unpriced(o),
                className="text-end small" if o.spending_per_unit is None else "text-end text-nowrap",
            ),
            html.Td(status_badge(o.status)),
            _num(fmt.score(o.score)),
            _num(bf.DASH if o.score_change is None else f"{o.score_change:+.2f}"),
            html.Td(fmt.TREND_TEXT.get(o.trend or "", "Not enough data")),
        ]
    )


def outcome_table(activity: ActivityBudget, year: int) -> html.Div:
    head = [
        html.Th(h, scope="col", className="" if i in (0, 5, 8) else "text-end")
        for i, h in enumerate(
            [
                "Outcome",
                f"FY{year}",
                f"FY{year - 1}",
                "Change",
                "Spending per unit of improvement",
                "Status",
                "Score",
                "Score change",
                "Trend",
            ]
        )
    ]
    return _table(
        f"{activity.name}: outcomes in fiscal {year} beside the year's spending (not a causal claim; a "
        f"change under {MIN_PRICED_SHARE:.0%} of the outcome's target is too small to price; see the "
        "methodology)",
        head,
        [html.Tbody([_outcome_row(o) for o in activity.outcomes])],
    )


def activity_budget(activity: ActivityBudget, year: int) -> html.Div:
    """An activity's outputs (table, chart) and outcomes; what replaces the old one-line budget."""
    parts: list = []
    if not activity.outputs:
        parts.append(
            html.P(
                "This activity names no output measure, so it has no cost per unit.",
                className="small text-body-secondary",
            )
        )
    for output in activity.outputs:
        parts += [
            html.H3(f"Output: {output.name}", className="h6 mt-3"),
            output_table(activity, output),
            html.Figure(
                [
                    dcc.Graph(
                        figure=output_chart(activity, output),
                        config={"displayModeBar": False, "responsive": True},
                    ),
                    html.Figcaption(
                        f"Spending (bars) against {output.name.lower()} (line), fiscal "
                        f"{activity.years[0].fiscal_year} to {activity.years[-1].fiscal_year}. "
                        "The table above has the same numbers.",
                        className="small text-body-secondary",
                    ),
                ],
                **aria(label=f"Chart of spending against {output.name.lower()}"),
            ),
        ]
    if activity.outcomes:
        parts += [html.H3("Outcomes and spending", className="h6 mt-3"), outcome_table(activity, year)]
    return html.Div(parts, className="activity-budget")


def budget_as_of_note(published_on: date | None) -> dbc.Alert | None:
    """What "as published on" does to budgets: nothing. The budget table keeps no publication date,
    so the money is today's, set beside the outputs and outcomes published by that day."""
    if published_on is None:
        return None
    return dbc.Alert(
        [
            html.Strong(f"Budgets are today's figures, not those of {published_on:%Y-%m-%d}. "),
            "The city's budget records carry no publication date, so the adopted budgets, spending and "
            "funded positions below are the current ones. The outputs and outcomes are those published "
            "by the end of that day, and each cost per unit divides today's money by those outputs.",
        ],
        color="secondary",
        className="small",
        id=ids.BUDGET_AS_OF_NOTE,
    )


def resources_section(view: DepartmentBudget, published_on: date | None = None) -> html.Section:
    return html.Section(
        [
            html.H2("Resources", className="h4 mt-4", id="resources"),
            budget_as_of_note(published_on),
            html.P(
                [
                    "Adopted budget, spending and funded positions over five fiscal years. Cost per unit "
                    "is spending divided by output (the adopted budget before spending is reported); ",
                    dcc.Link("the methodology", href="/methodology"),
                    " explains every figure and what they cannot show.",
                ],
                className="small",
            ),
            resource_table(view),
        ],
        **aria(labelledby="resources"),
    )
