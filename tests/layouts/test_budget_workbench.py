"""The workbench grid's rows (layouts/budget/workbench.py GridRows) reach the browser as exactly the
JSON a plain list of them gives, through the encoder Dash uses for pages and callbacks."""

from __future__ import annotations

import json

from dash._utils import to_json

from aim.budget_schemas import Column
from layouts.budget.workbench import GridRows, grid

ROWS = [
    {"measure": "Tons <collected>", "value": 13_200.0, "cost_per_unit": None, "priority_slugs": ["a", "b"]},
    {"measure": "Crimes / 1,000 \u2028 people", "value": -0.0, "cost_per_unit": 1e-17, "priority_slugs": []},
]
COLUMNS = [Column(field="measure", header="Measure", kind="text", meaning="The measure's name")]


def test_the_grid_rows_are_encoded_as_the_plain_list_would_be():
    wrapped = grid(COLUMNS, ROWS, None)
    assert isinstance(wrapped.rowData, GridRows) and wrapped.rowData.tolist() is ROWS
    plain = grid(COLUMNS, ROWS, None)
    plain.rowData = ROWS
    response = {"response": {"grid": {"children": wrapped}}}
    assert to_json(response) == to_json({"response": {"grid": {"children": plain}}})
    assert json.loads(to_json(response))["response"]["grid"]["children"]["props"]["rowData"] == ROWS
    # A callback output of the rows alone, as the update callback sends them.
    assert to_json({"rowData": GridRows(ROWS)}) == to_json({"rowData": ROWS})


def _scatter_as_go_figure(points, year: int, before: int) -> dict:
    """The scatter as go.Figure builds it: what scatter's dict must equal."""
    import plotly.graph_objects as go

    from layouts.budget import format as bf

    figure = go.Figure(
        go.Scatter(
            x=[p.cost_change for p in points],
            y=[p.score_change for p in points],
            mode="markers+text",
            text=[bf.plain(p.activity_name) for p in points],
            textposition="top center",
            textfont={"size": 10},
            customdata=[p.activity_code for p in points],
            marker={"size": 10, "color": "#1f5f8b", "line": {"width": 1, "color": "white"}},
            hovertemplate="%{text}<br>Cost per unit %{x:+.1%}<br>Outcome score %{y:+.2f}<extra></extra>",
        )
    )
    figure.add_hline(y=0, line_color="#6c757d", line_width=1)
    figure.add_vline(x=0, line_color="#6c757d", line_width=1)
    figure.update_layout(
        height=460,
        margin={"l": 70, "r": 20, "t": 20, "b": 60},
        plot_bgcolor="white",
        xaxis={
            "title": f"Cost per unit, change {before} to {year}",
            "tickformat": "+.0%",
            "gridcolor": "#eee",
        },
        yaxis={"title": "Outcomes' average score, change", "tickformat": "+.2f", "gridcolor": "#eee"},
        clickmode="event",
    )
    return figure.to_plotly_json()


def test_the_scatter_written_as_a_dict_is_the_figure_plotly_would_build():
    import plotly.graph_objects as go

    from aim.budget_schemas import ScatterPoint
    from layouts.budget.workbench import scatter

    points = [
        ScatterPoint(
            activity_code="DPW-POT",
            activity_name="Potholes <b>& ruts</b>",
            department_code="DPW",
            department_name="Public Works",
            cost_change=0.125,
            score_change=-0.25,
        ),
        ScatterPoint(
            activity_code="MPD-PATROL",
            activity_name="Patrol",
            department_code="MPD",
            department_name="Police",
            cost_change=-0.5,
            score_change=0.75,
        ),
    ]
    for shown in (points, []):
        assert scatter(shown, 2025, 2024) == _scatter_as_go_figure(shown, 2025, 2024)
        go.Figure(scatter(shown, 2025, 2024))  # and go.Figure accepts it
    assert "<b>" not in json.dumps(scatter(points, 2025, 2024))
