"""The internal measure browser: every measure the signed-in user may see, internal ones included,
with the latest value in any workflow state."""

from __future__ import annotations

from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import html

from aim.auth import Principal
from aim.explain import amount
from aim.schemas import InternalView, SiteInfo
from layouts.components import aria, demonstration_notice, filter_form, select

STATE_TEXT = {
    "draft": "Draft",
    "submitted": "Submitted",
    "returned": "Returned",
    "approved": "Approved",
    "published": "Published",
}
STATE_CLASS = {
    "draft": "text-bg-light border",
    "submitted": "text-bg-info",
    "returned": "text-bg-warning",
    "approved": "text-bg-primary",
    "published": "text-bg-success",
}


def skeleton() -> html.Div:
    return html.Div(html.H1("Internal measures"))


def sign_in_prompt(path: str) -> html.Div:
    return html.Div(
        [
            html.H1("Internal measures"),
            html.P("This page is for city staff. Sign in to see the measures your role allows."),
            html.A("Sign in", href="/login?" + urlencode({"next": path}), className="btn btn-primary"),
        ]
    )


def build(view: InternalView, user: Principal, department: str, site: SiteInfo) -> html.Div:
    if not view.allowed:
        return html.Div(
            [
                html.H1("Internal measures"),
                dbc.Alert("Your role manages accounts; it does not read internal figures.", color="info"),
            ]
        )
    rows = [
        html.Tr(
            [
                html.Th(m.name, scope="row"),
                html.Td(m.department_name),
                html.Td("Public" if m.is_public else "Internal"),
                html.Td(m.latest_period or "\u2014"),
                html.Td(
                    amount(m.latest_value, m.unit_kind, m.unit_label) if m.latest_period else "\u2014",
                    className="text-end text-nowrap",
                ),
                html.Td(
                    html.Span(STATE_TEXT[m.latest_state], className=f"badge {STATE_CLASS[m.latest_state]}")
                    if m.latest_state
                    else "\u2014"
                ),
                html.Td(m.updated_by or "\u2014"),
            ]
        )
        for m in view.measures
    ]
    caption = f"{len(view.measures)} measures you may see, with their latest value in any state"
    return html.Div(
        [
            demonstration_notice(site),
            html.H1("Internal measures"),
            html.P(
                "Every measure your role may see, internal ones included. Values that are not yet "
                "published are shown with their state; the public sees published values only.",
                className="lead",
            ),
            filter_form(
                "/internal/measures",
                [
                    select(
                        "department",
                        "Department",
                        [("", "All my departments")] + view.departments,
                        department,
                        id="internal-department",
                    ),
                ],
                label="Filter internal measures",
            ),
            html.Div(
                dbc.Table(
                    [
                        html.Caption(caption, className="caption-top"),
                        html.Thead(
                            html.Tr(
                                [
                                    html.Th(h, scope="col")
                                    for h in (
                                        "Measure",
                                        "Department",
                                        "Visibility",
                                        "Latest period",
                                        "Value",
                                        "State",
                                        "Updated by",
                                    )
                                ]
                            )
                        ),
                        html.Tbody(rows),
                    ],
                    size="sm",
                    hover=True,
                    className="align-middle",
                ),
                className="table-responsive",
                tabIndex="0",
                role="region",
                **aria(label=caption),
            ),
        ]
    )
