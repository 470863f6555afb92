"""The departments index (/departments): every department with its budget for the fiscal year, its
public measures and their status counts, in a table sorted by any column through the URL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.budget_schemas import DepartmentsIndex, DepartmentSummary
from aim.schemas import PeriodOption, SiteInfo
from layouts.budget import format as bf
from layouts.budget.department import budget_as_of_note
from layouts.components import aria, demonstration_notice
from layouts.public.home import period_form

TABLE_ID = "departments-table"
#: (sort key, heading, value to sort by); the first sorts by name, the others biggest first.
COLUMNS: list[tuple[str, str]] = [
    ("name", "Department"),
    ("adopted", "Adopted budget"),
    ("spent", "Spent"),
    ("variance", "Variance"),
    ("fte", "FTE"),
    ("measures", "Measures"),
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("off_track", "Off track"),
    ("late", "Late"),
]
SORTS = tuple(key for key, _ in COLUMNS)


def _key(d: DepartmentSummary, sort: str):
    values = {
        "adopted": d.adopted,
        "spent": d.spent,
        "variance": d.variance,
        "fte": d.fte,
        "measures": d.measure_count,
        "on_track": d.counts.on_track,
        "at_risk": d.counts.at_risk,
        "off_track": d.counts.off_track,
        "late": d.counts.stale,
    }
    return values[sort]


def sort_departments(
    departments: Sequence[DepartmentSummary], sort: str, descending: bool
) -> list[DepartmentSummary]:
    """Sorted by `sort`; departments without the figure go last whichever the order."""
    if sort not in SORTS or sort == "name":
        return sorted(departments, key=lambda d: d.name.lower(), reverse=descending)
    present = [d for d in departments if _key(d, sort) is not None]
    missing = [d for d in departments if _key(d, sort) is None]
    ordered = sorted(present, key=lambda d: (_key(d, sort), d.name.lower()), reverse=descending)
    return ordered + sorted(missing, key=lambda d: d.name.lower())


def skeleton() -> html.Div:
    return html.Div(html.H1("Departments"))


def _as_of(published_on: date | None) -> dict[str, str]:
    """The query field that keeps a page "as published on" a day on that day."""
    return {"as_of": f"{published_on:%Y-%m-%d}"} if published_on else {}


def _heading(
    key: str, text: str, sort: str, descending: bool, period: str, published_on: date | None
) -> html.Th:
    active = key == sort
    # A second click on the sorted column reverses it; a new column starts biggest first (A-Z for names).
    next_descending = (not descending) if active else key != "name"
    query = urlencode(
        {
            "period": period,
            "sort": key,
            "order": "desc" if next_descending else "asc",
            **_as_of(published_on),
        }
    )
    arrow = ("\u25bc" if descending else "\u25b2") if active else ""
    state = ("descending" if descending else "ascending") if active else None
    return html.Th(
        dcc.Link(
            [text, html.Span(f" {arrow}", **aria(hidden="true")) if arrow else None],
            href=f"/departments?{query}",
            title=f"Sort by {text.lower()}",
        ),
        scope="col",
        className="text-nowrap" + ("" if key == "name" else " text-end"),
        **(aria(sort=state) if state else {}),
    )


def _row(d: DepartmentSummary, period: str, published_on: date | None) -> html.Tr:
    def cell(text: str) -> html.Td:
        return html.Td(text, className="text-end text-nowrap")

    query = urlencode({"period": period, **_as_of(published_on)})
    return html.Tr(
        [
            html.Th(dcc.Link(d.name, href=f"/departments/{d.code}?{query}"), scope="row"),
            cell(bf.dollars(d.adopted)),
            cell(bf.dollars(d.spent)),
            cell(
                f"{bf.signed_dollars(d.variance)} ({bf.percent(d.variance_percent)})"
                if d.variance is not None
                else bf.DASH
            ),
            cell(bf.fte(d.fte)),
            cell(str(d.measure_count)),
            cell(str(d.counts.on_track)),
            cell(str(d.counts.at_risk)),
            cell(str(d.counts.off_track)),
            cell(str(d.counts.stale)),
        ]
    )


def build(
    index: DepartmentsIndex,
    periods: Sequence[PeriodOption],
    site: SiteInfo,
    sort: str,
    descending: bool,
    notice: str | None = None,
    *,
    published_on: date | None = None,
) -> html.Div:
    rows = [
        _row(d, index.period, published_on) for d in sort_departments(index.departments, sort, descending)
    ]
    caption = (
        f"{len(index.departments)} departments: budget for fiscal {index.fiscal_year} and public "
        f"measures for {index.period_label}"
    )
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.H1("Departments"),
            html.P(
                [
                    "What each department was given and spent in fiscal ",
                    str(index.fiscal_year),
                    ", its funded positions (FTE), and how its public measures are doing. Variance is "
                    "spent minus adopted; it is blank while the year's spending is not reported. ",
                    dcc.Link("How the figures are calculated", href="/methodology"),
                    ".",
                ],
                className="lead",
            ),
            period_form("/departments", periods, index.period, hidden={"sort": sort}),
            budget_as_of_note(published_on),
            html.Div(
                dbc.Table(
                    [
                        html.Caption(caption + ". Select a heading to sort.", className="caption-top"),
                        html.Thead(
                            html.Tr(
                                [
                                    _heading(k, t, sort, descending, index.period, published_on)
                                    for k, t in COLUMNS
                                ]
                            )
                        ),
                        html.Tbody(rows),
                    ],
                    hover=True,
                    size="sm",
                    className="align-middle",
                    id=TABLE_ID,
                ),
                className="table-responsive",
                tabIndex="0",
                role="region",
                **aria(label=caption),
            ),
        ]
    )
