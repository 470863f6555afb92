"""The remaining pages: a department's activities and measures, the methodology, and not found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.budget_schemas import DepartmentBudget
from aim.explain import FREQUENCY_WORDS
from aim.schemas import DepartmentView, PeriodOption, ScheduleRow, SiteInfo
from layouts.budget.department import activity_budget, resources_section
from layouts.components import aria, demonstration_notice, measure_table
from layouts.public.home import period_form


def department_skeleton() -> html.Div:
    return html.Div(html.H1("Department"))


def build_department(
    view: DepartmentView,
    periods: Sequence[PeriodOption],
    period: str,
    period_label: str,
    site: SiteInfo,
    notice: str | None = None,
    budget: DepartmentBudget | None = None,
    *,
    published_on: date | None = None,
) -> html.Div:
    sections = []
    budgets = {a.code: a for a in budget.activities} if budget else {}
    for activity in view.activities:
        money = budgets.get(activity.code)
        sections.append(
            html.Section(
                [
                    html.H2(activity.name, className="h4 mt-4", id=f"activity-{activity.code}"),
                    html.P(activity.description) if activity.description else None,
                    html.P(
                        [
                            "Serves: ",
                            *_join([dcc.Link(t, href=f"/priorities/{s}") for s, t in activity.priorities]),
                        ]
                        if activity.priorities
                        else "Serves no stated priority.",
                        className="small",
                    ),
                    activity_budget(money, budget.fiscal_year) if money and budget else None,
                    html.H3(f"Measures, {period_label}", className="h6 mt-3"),
                    measure_table(
                        activity.measures,
                        caption=f"{activity.name}: measures for {period_label}",
                        period=period,
                    )
                    if activity.measures
                    else html.P("No public measures.", className="text-body-secondary"),
                ],
                **aria(labelledby=f"activity-{activity.code}"),
            )
        )
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.Nav(
                html.Ol(
                    [
                        html.Li(dcc.Link("Home", href="/"), className="breadcrumb-item"),
                        html.Li(dcc.Link("Departments", href="/departments"), className="breadcrumb-item"),
                        html.Li("Department", className="breadcrumb-item active", **aria(current="page")),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1(view.name),
            html.P(view.description) if view.description else None,
            html.P(f"{len(view.activities)} activities; measures for {period_label}.", className="lead"),
            period_form(f"/departments/{view.code}", periods, period),
            resources_section(budget, published_on) if budget else None,
            *sections,
        ]
    )


def _join(items: list) -> list:
    joined: list = []
    for i, item in enumerate(items):
        joined += ([", "] if i else []) + [item]
    return joined


def methodology_skeleton() -> html.Div:
    return html.Div(html.H1("Methodology"))


def build_methodology(text: str, schedule: Sequence[ScheduleRow], site: SiteInfo) -> html.Div:
    rows = [
        html.Tr(
            [
                html.Th(dcc.Link(r.name, href=f"/measures/{r.code}"), scope="row"),
                html.Td(r.department),
                html.Td(FREQUENCY_WORDS[r.frequency]),
                html.Td(r.last_period or "\u2014"),
            ]
        )
        for r in schedule
    ]
    return html.Div(
        [
            demonstration_notice(site),
            # Our own document, rendered as Markdown without raw HTML.
            dcc.Markdown(text, className="methodology"),
            html.H2("How often each measure is updated", id="schedule"),
            html.Div(
                dbc.Table(
                    [
                        html.Caption(
                            "Public measures, how often each is reported and the latest period published",
                            className="caption-top",
                        ),
                        html.Thead(
                            html.Tr(
                                [
                                    html.Th(h, scope="col")
                                    for h in ("Measure", "Department", "Updated", "Latest period published")
                                ]
                            )
                        ),
                        html.Tbody(rows),
                    ],
                    size="sm",
                    striped=True,
                ),
                className="table-responsive",
                tabIndex="0",
                role="region",
                **aria(label="How often each measure is updated"),
            ),
        ]
    )


def not_found_skeleton() -> html.Div:
    return html.Div(html.H1("Page not found"))


def build_not_found(path: str) -> html.Div:
    return html.Div(
        [
            html.H1("Page not found"),
            html.P(["Nothing lives at ", html.Code(path), "."]),
            html.Ul(
                [
                    html.Li(dcc.Link("The city's performance at a glance", href="/")),
                    html.Li(dcc.Link("Search all measures", href="/measures")),
                    html.Li(dcc.Link("How the figures are calculated", href="/methodology")),
                ]
            ),
        ]
    )
