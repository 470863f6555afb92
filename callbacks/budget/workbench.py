"""The analyst workbench: its page loader and its three callbacks (the grid and chart for the chosen
year, filters and grouping; the downloads; a chart point opening its department). Each reads the
user from the session: the policy lets only budget analysts and the Mayor's Office in, and the
service checks again. Inputs only choose among what the server already knows; anything else is
treated as "all"."""

from __future__ import annotations

from dash import Input, Output, State, ctx, dcc
from dash.exceptions import PreventUpdate

from aim.auth import Role, is_signed_in, roles, sees_all_departments
from aim.budget_schemas import Workbench
from aim.explain import STATUS_WORDS
from aim.exports import table_csv, table_xlsx
from aim.periods import Kind
from aim.services.budgets import activity_department, budget_years, shape_workbench, workbench
from aim.services.scorecard import default_period
from aim.services.site import site_info
from callbacks._common import current_principal, page, runtime
from callbacks._policy import callback
from layouts import ids
from layouts.budget import workbench as layout_module

POLICY = roles(Role.BUDGET_ANALYST, Role.MAYORS_OFFICE)
PATH = "/analysis"


def _year(session, rt, text: object, known: list[int]):
    """The fiscal year asked for, if the city has budgets for it; else the default period's year."""
    if isinstance(text, str) and text.isdigit() and int(text) in known:
        return rt.calendar.year(int(text))
    return rt.calendar.containing(default_period(session, rt.calendar), Kind.YEAR)


def _load(year: object) -> tuple[Workbench, list[int]]:
    rt = runtime()
    with rt.database.read() as session:
        known = budget_years(session)
        view = workbench(session, rt.calendar, _year(session, rt, year, known), user=current_principal())
    return view, known


def _choice(value: object, allowed: set[str]) -> str:
    return value if isinstance(value, str) and value in allowed else ""


def _shape(view: Workbench, priority: object, department: object, group: object):
    return shape_workbench(
        view,
        priority=_choice(priority, {s for s, _ in view.priorities}),
        department=_choice(department, {c for c, _ in view.departments}),
        group=_choice(group, {"department", "priority"}),
    )


def _shown(value: object) -> list[str]:
    return (
        [v for v in value if isinstance(v, str)]
        if isinstance(value, list)
        else list(layout_module.DEFAULT_COLUMNS)
    )


@page(layout_module.skeleton)
def layout(year=None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return layout_module.sign_in_prompt(PATH)
    if not sees_all_departments(user):
        return layout_module.not_for_role()
    view, known = _load(year)
    with runtime().database.read() as session:
        site = site_info(session)
    return layout_module.build(view, view.rows, known, user, site)


@callback(
    POLICY,
    Output(ids.WORKBENCH_GRID, "columnDefs"),
    Output(ids.WORKBENCH_GRID, "rowData"),
    Output(ids.WORKBENCH_COUNT, "children"),
    Output(ids.WORKBENCH_SCATTER, "figure"),
    Output(ids.WORKBENCH_SCATTER_TABLE, "children"),
    Input(ids.WORKBENCH_YEAR, "value"),
    Input(ids.WORKBENCH_PRIORITY, "value"),
    Input(ids.WORKBENCH_DEPARTMENT, "value"),
    Input(ids.WORKBENCH_GROUP, "value"),
    Input(ids.WORKBENCH_COLUMNS, "value"),
    Input(ids.WORKBENCH_PIN, "value"),
    prevent_initial_call=True,
)
def update(year, priority, department, group, shown, pinned):
    view, _known = _load(year)
    columns, rows = _shape(view, priority, department, group)
    grouped = columns is not view.columns
    kind = _choice(group, {"department", "priority"}) if grouped else ""
    return (
        layout_module.column_defs(
            columns,
            None if grouped else _shown(shown),
            _choice(pinned, {c.field for c in view.columns if c.kind == "text"}) or "measure",
        ),
        layout_module.GridRows(rows),
        layout_module.count_text(len(rows), kind, view.fiscal_year, view.previous_year),
        layout_module.scatter(view.points, view.fiscal_year, view.previous_year),
        layout_module.scatter_table(view.points, view.fiscal_year, view.previous_year),
    )


@callback(
    POLICY,
    Output(ids.WORKBENCH_DOWNLOAD, "data"),
    Input(ids.WORKBENCH_XLSX, "n_clicks"),
    Input(ids.WORKBENCH_CSV, "n_clicks"),
    State(ids.WORKBENCH_YEAR, "value"),
    State(ids.WORKBENCH_PRIORITY, "value"),
    State(ids.WORKBENCH_DEPARTMENT, "value"),
    State(ids.WORKBENCH_GROUP, "value"),
    State(ids.WORKBENCH_COLUMNS, "value"),
    State(ids.WORKBENCH_GRID, "virtualRowData"),
    prevent_initial_call=True,
)
def download(_xlsx, _csv, year, priority, department, group, shown, visible):
    view, _known = _load(year)
    columns, rows = _shape(view, priority, department, group)
    grouped = columns is not view.columns
    key = "group" if grouped else "code"
    if isinstance(visible, list):
        # The grid's own filter and sort decide which rows and in what order; the figures are
        # always the server's, so a forged row can only leave a row out, never change a number.
        by_key = {r[key]: r for r in rows}
        wanted = [r.get(key) for r in visible if isinstance(r, dict)]
        rows = [by_key[k] for k in dict.fromkeys(w for w in wanted if isinstance(w, str)) if k in by_key]
    if not grouped:
        chosen = set(_shown(shown)) | set(layout_module.PINNED)
        columns = [c for c in columns if c.field in chosen]
    readable = [
        {**r, "status": STATUS_WORDS.get(r["status"], r["status"])} if "status" in r else r for r in rows
    ]
    name = f"aim-workbench-{view.fiscal_year}"
    if ctx.triggered_id == ids.WORKBENCH_CSV:
        return {
            "content": table_csv([(c.field, c.header) for c in columns], readable),
            "filename": f"{name}.csv",
            "type": "text/csv",
        }
    filters = [
        ("Fiscal year", f"{view.fiscal_year}, beside {view.previous_year}"),
        ("Priority", dict(view.priorities).get(_choice(priority, {s for s, _ in view.priorities}), "All")),
        (
            "Department",
            dict(view.departments).get(_choice(department, {c for c, _ in view.departments}), "All"),
        ),
        ("Grouped by", _choice(group, {"department", "priority"}) or "not grouped: one row per measure"),
        ("Which rows", "as filtered and sorted in the grid when downloaded"),
        ("Internal data", "Includes internal measures: not for publication"),
    ]
    content = table_xlsx(
        [(c.field, c.header, c.kind, c.meaning) for c in columns],
        readable,
        title="AIM analyst workbench",
        notes=filters,
    )
    return dcc.send_bytes(content, f"{name}.xlsx")


@callback(
    POLICY,
    Output(ids.WORKBENCH_LOCATION, "href"),
    Input(ids.WORKBENCH_SCATTER, "clickData"),
    prevent_initial_call=True,
)
def open_activity(click):
    try:
        code = click["points"][0]["customdata"]
    except (KeyError, IndexError, TypeError):
        raise PreventUpdate from None
    if not isinstance(code, str) or len(code) > 64:
        raise PreventUpdate
    with runtime().database.read() as session:
        department = activity_department(session, code)
    if department is None:
        raise PreventUpdate
    return f"/departments/{department}#activity-{code}"
