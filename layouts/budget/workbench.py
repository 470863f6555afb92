"""The analyst workbench (/analysis): one AG Grid over every department, activity and measure
(internal ones included) with two fiscal years side by side, filters, grouping, a column chooser,
xlsx and CSV downloads, and a scatter of cost-per-unit change against outcome score change with
its table alternative."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.auth import Principal
from aim.budget_schemas import Column, ScatterPoint, Workbench
from aim.schemas import SiteInfo
from layouts import ids
from layouts.budget import format as bf
from layouts.components import aria, demonstration_notice
from layouts.figures import default_template

TITLE = "Analyst workbench"
#: Shown unless the analyst hides them; the others can be added from the column chooser.
DEFAULT_COLUMNS = (
    "department",
    "activity",
    "measure",
    "code",
    "measure_type",
    "visibility",
    "value_before",
    "value",
    "value_change",
    "status",
    "score",
    "score_change",
    "spent",
    "variance_percent",
    "cost_per_unit_before",
    "cost_per_unit",
    "cost_per_unit_change",
)
PINNED = ("measure", "group")
GROUP_CHOICES = [
    ("", "No grouping: one row per measure"),
    ("department", "Department"),
    ("priority", "Priority"),
]
STATUS_WORDS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_target": "No target",
    "no_data": "No data",
}
# d3-format patterns, applied by dash-ag-grid's own function parser (no eval, CSP-safe).
_FORMATS = {
    "money": "d3.format('$,.2f')(params.value)",
    "number": "d3.format(',.4~f')(params.value)",
    "percent": "d3.format('+.1%')(params.value)",
    "score": "d3.format('.2f')(params.value)",
}


_WIDTHS = {"measure": 300, "group": 300, "activity": 240, "department": 220, "priorities": 260, "status": 120}


def skeleton() -> html.Div:
    """The page without data: every component its callbacks name, so Dash can check them."""
    return html.Div(
        [
            html.H1(TITLE),
            dcc.Location(id=ids.WORKBENCH_LOCATION, refresh=True),
            *[dbc.Select(id=i, options=[]) for i in (ids.WORKBENCH_YEAR, ids.WORKBENCH_PRIORITY)],
            *[dbc.Select(id=i, options=[]) for i in (ids.WORKBENCH_DEPARTMENT, ids.WORKBENCH_GROUP)],
            dcc.Checklist(id=ids.WORKBENCH_COLUMNS, options=[]),
            dbc.Select(id=ids.WORKBENCH_PIN, options=[]),
            html.P(id=ids.WORKBENCH_COUNT),
            dbc.Button(id=ids.WORKBENCH_XLSX),
            dbc.Button(id=ids.WORKBENCH_CSV),
            dcc.Download(id=ids.WORKBENCH_DOWNLOAD),
            grid([], [], None),
            dcc.Graph(id=ids.WORKBENCH_SCATTER),
            html.Div(id=ids.WORKBENCH_SCATTER_TABLE),
        ],
        hidden=True,
    )


def sign_in_prompt(path: str) -> html.Div:
    return html.Div(
        [
            html.H1(TITLE),
            html.P("This page is for the city's budget analysts and the Mayor's Office. Sign in to use it."),
            html.A("Sign in", href="/login?" + urlencode({"next": path}), className="btn btn-primary"),
        ]
    )


def not_for_role() -> html.Div:
    return html.Div(
        [
            html.H1(TITLE),
            dbc.Alert(
                "The workbench shows every department's internal measures; it is for budget analysts and "
                "the Mayor's Office. The public department pages show budgets and public measures.",
                color="info",
            ),
            dcc.Link("Departments", href="/departments"),
        ]
    )


def column_defs(
    columns: Sequence[Column], shown: Sequence[str] | None = None, pinned: str = "measure"
) -> list[dict[str, Any]]:
    """AG Grid column definitions: numbers right-aligned and formatted, text filtered as text; the
    group column (grouped views) or the `pinned` one stays on the left while scrolling across."""
    defs = []
    for c in columns:
        definition: dict[str, Any] = {
            "field": c.field,
            "headerName": c.header,
            "headerTooltip": c.meaning,
            "width": _WIDTHS.get(c.field, 150 if c.kind != "text" else 180),
        }
        if c.kind in _FORMATS:
            definition.update(
                type="numericColumn",
                filter="agNumberColumnFilter",
                valueFormatter={"function": f"params.value == null ? '' : {_FORMATS[c.kind]}"},
            )
        else:
            definition["filter"] = "agTextColumnFilter"
        if c.kind == "status":
            definition["valueFormatter"] = {
                "function": "params.value == null ? '' : ("
                + " : ".join(f"params.value == '{k}' ? '{v}'" for k, v in STATUS_WORDS.items())
                + " : params.value)"
            }
        if c.field == "group" or c.field == pinned:
            definition["pinned"] = "left"
        if shown is not None and c.field not in shown and c.field not in PINNED and c.field != pinned:
            definition["hide"] = True
        defs.append(definition)
    return defs


class GridRows:
    """The grid's rows (plain JSON values: str, float, None, lists of str), handed to the JSON
    encoder whole. Dash encodes a response holding components with plotly's encoder, which walks
    every value in Python before orjson writes it: 70,000 values took 60 to 100 ms of the
    page. Like a numpy array, an object with `tolist()` is taken as ready and not walked; orjson
    writes the same bytes."""

    __slots__ = ("rows",)

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def tolist(self) -> list[dict[str, Any]]:
        return self.rows


def grid(columns: Sequence[Column], rows: list[dict[str, Any]], shown: Sequence[str] | None) -> dag.AgGrid:
    return dag.AgGrid(
        id=ids.WORKBENCH_GRID,
        columnDefs=column_defs(columns, shown),
        rowData=GridRows(rows),
        defaultColDef={
            "sortable": True,
            "filter": True,
            "resizable": True,
            "floatingFilter": True,
            "minWidth": 110,
        },
        dashGridOptions={
            "animateRows": False,
            "enableCellTextSelection": True,
            "ensureDomOrder": True,  # screen readers read the rows in order
            "tooltipShowDelay": 300,
            "rowHeight": 34,
        },
        style={"height": "560px", "width": "100%"},
        className="ag-theme-quartz",
    )


def count_text(rows: int, group: str, year: int, before: int) -> str:
    what = {"department": "departments", "priority": "priorities"}.get(group, "measures")
    return f"{rows} {what}, fiscal {year} beside {before}."


def scatter(points: Sequence[ScatterPoint], year: int, before: int) -> dict:
    """Each activity as a labelled point: its cost-per-unit change (x) and its outcomes' average score
    change (y). Up and to the left is better: cheaper units and better outcomes. Written out as the
    dict go.Figure gives for this trace, the lines at zero (add_hline, add_vline) and this layout
    (tests/layouts/test_budget_workbench.py holds the two equal), without the 8 ms of building it."""
    axis_line = {"color": "#6c757d", "width": 1}
    return {
        "data": [
            {
                "customdata": [p.activity_code for p in points],
                "hovertemplate": (
                    "%{text}<br>Cost per unit %{x:+.1%}<br>Outcome score %{y:+.2f}<extra></extra>"
                ),
                "marker": {"color": "#1f5f8b", "line": {"color": "white", "width": 1}, "size": 10},
                "mode": "markers+text",
                "text": [bf.plain(p.activity_name) for p in points],
                "textfont": {"size": 10},
                "textposition": "top center",
                "x": [p.cost_change for p in points],
                "y": [p.score_change for p in points],
                "type": "scatter",
            }
        ],
        "layout": {
            "template": default_template(),
            "shapes": [  # y = 0 across the plot, then x = 0 up it
                {
                    "line": axis_line,
                    "type": "line",
                    "x0": 0,
                    "x1": 1,
                    "xref": "x domain",
                    "y0": 0,
                    "y1": 0,
                    "yref": "y",
                },
                {
                    "line": axis_line,
                    "type": "line",
                    "x0": 0,
                    "x1": 0,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "y domain",
                },
            ],
            "margin": {"l": 70, "r": 20, "t": 20, "b": 60},
            "xaxis": {
                "title": {"text": f"Cost per unit, change {before} to {year}"},
                "tickformat": "+.0%",
                "gridcolor": "#eee",
            },
            "yaxis": {
                "title": {"text": "Outcomes' average score, change"},
                "tickformat": "+.2f",
                "gridcolor": "#eee",
            },
            "height": 460,
            "plot_bgcolor": "white",
            "clickmode": "event",
        },
    }


def scatter_table(points: Sequence[ScatterPoint], year: int, before: int) -> html.Div:
    caption = (
        "The chart's points: each activity's cost-per-unit change and outcome score change, "
        f"{before} to {year}"
    )
    rows = [
        html.Tr(
            [
                html.Th(
                    dcc.Link(
                        p.activity_name, href=f"/departments/{p.department_code}#activity-{p.activity_code}"
                    ),
                    scope="row",
                ),
                html.Td(p.department_name),
                html.Td(bf.percent(p.cost_change), className="text-end"),
                html.Td(f"{p.score_change:+.2f}", className="text-end"),
            ]
        )
        for p in sorted(points, key=lambda p: p.activity_name.lower())
    ]
    return html.Div(
        dbc.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(
                    html.Tr(
                        [
                            html.Th("Activity", scope="col"),
                            html.Th("Department", scope="col"),
                            html.Th("Cost per unit change", scope="col", className="text-end"),
                            html.Th("Outcome score change", scope="col", className="text-end"),
                        ]
                    )
                ),
                html.Tbody(rows),
            ],
            size="sm",
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **aria(label=caption),
    )


def _select(label: str, id_: str, options: Sequence[tuple[str, str]], value: str) -> html.Div:
    return html.Div(
        [
            dbc.Label(label, html_for=id_, className="form-label small mb-1"),
            dbc.Select(
                id=id_, options=[{"label": t, "value": v} for v, t in options], value=value, size="sm"
            ),
        ],
        className="me-3 mb-2",
    )


def build(
    view: Workbench,
    rows: list[dict[str, Any]],
    years: Sequence[int],
    user: Principal,
    site: SiteInfo,
) -> html.Div:
    ANY = "all"  # noqa: N806 - a select cannot hold "" as a value (dbc reserves it for its placeholder)
    optional = [c for c in view.columns if c.field not in PINNED]
    return html.Div(
        [
            demonstration_notice(site),
            dcc.Location(id=ids.WORKBENCH_LOCATION, refresh=True),
            html.H1(TITLE),
            html.P(
                [
                    "Every department, activity and measure, internal ones included, with two fiscal years "
                    "side by side: values, status and score, the activity's budget, variance and cost per "
                    "unit. Sort, filter and resize columns in the grid; choose which column stays "
                    "pinned on the left. ",
                    dcc.Link("How each figure is calculated", href="/methodology"),
                    ".",
                ],
                className="lead",
            ),
            dbc.Alert(
                "Internal measures are included: do not share downloads outside the city.",
                color="warning",
                className="py-2 small",
            ),
            html.Div(
                [
                    _select(
                        "Fiscal year",
                        ids.WORKBENCH_YEAR,
                        [(str(y), str(y)) for y in years],
                        str(view.fiscal_year),
                    ),
                    _select(
                        "Priority", ids.WORKBENCH_PRIORITY, [(ANY, "All priorities"), *view.priorities], ANY
                    ),
                    _select(
                        "Department",
                        ids.WORKBENCH_DEPARTMENT,
                        [(ANY, "All departments"), *view.departments],
                        ANY,
                    ),
                    _select(
                        "Group by", ids.WORKBENCH_GROUP, [(v or "none", t) for v, t in GROUP_CHOICES], "none"
                    ),
                    _select(
                        "Pin on the left",
                        ids.WORKBENCH_PIN,
                        [(c.field, c.header) for c in view.columns if c.kind == "text"],
                        "measure",
                    ),
                ],
                className="d-flex flex-wrap align-items-end",
                role="group",
                **aria(label="Choose the year, filters and grouping"),
            ),
            html.Details(
                [
                    html.Summary("Choose columns", className="small"),
                    dcc.Checklist(
                        id=ids.WORKBENCH_COLUMNS,
                        options=[{"label": c.header, "value": c.field} for c in optional],
                        value=[c.field for c in optional if c.field in DEFAULT_COLUMNS],
                        inline=True,
                        inputClassName="me-1",
                        labelClassName="me-3 small",
                    ),
                ],
                className="mb-2",
            ),
            html.Div(
                [
                    html.P(
                        count_text(len(rows), "", view.fiscal_year, view.previous_year),
                        id=ids.WORKBENCH_COUNT,
                        className="mb-2 me-auto",
                        role="status",
                    ),
                    dbc.Button(
                        "Download Excel (xlsx)", id=ids.WORKBENCH_XLSX, size="sm", className="me-2 mb-2"
                    ),
                    dbc.Button(
                        "Download CSV", id=ids.WORKBENCH_CSV, size="sm", color="secondary", className="mb-2"
                    ),
                    dcc.Download(id=ids.WORKBENCH_DOWNLOAD),
                ],
                className="d-flex flex-wrap align-items-center",
            ),
            grid(view.columns, rows, DEFAULT_COLUMNS),
            html.Section(
                [
                    html.H2("Cost per unit against outcomes", className="h4 mt-4", id="scatter-heading"),
                    html.P(
                        "Each point is an activity with an output and outcomes: how its cost per unit "
                        "changed (across) and how its outcomes' average score changed (up). Select a point "
                        "to open its department. This shows what moved together, not what caused what.",
                        className="small",
                    ),
                    html.Figure(
                        [
                            dcc.Graph(
                                id=ids.WORKBENCH_SCATTER,
                                figure=scatter(view.points, view.fiscal_year, view.previous_year),
                                config={"displayModeBar": False, "responsive": True},
                            ),
                            html.Figcaption(
                                "The table below lists the same points, each linked to its department.",
                                className="small text-body-secondary",
                            ),
                        ],
                        **aria(label="Scatter of cost-per-unit change against outcome score change"),
                    ),
                    html.Div(
                        scatter_table(view.points, view.fiscal_year, view.previous_year),
                        id=ids.WORKBENCH_SCATTER_TABLE,
                    ),
                ],
                **aria(labelledby="scatter-heading"),
            ),
        ]
    )
