"""The frame around every page: skip link, navigation bar (and, for signed-in staff, the internal
one), main landmark and footer."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.auth import Principal, may_use_review_room, sees_all_departments
from layouts import ids
from layouts.components import aria

NAVIGATION = [
    ("Home", "/"),
    ("All measures", "/measures"),
    ("Departments", "/departments"),
    ("Open data", "/data"),
    ("Methodology", "/methodology"),
]
ROLE_NAMES = {
    "department_editor": "Department editor",
    "budget_analyst": "Budget analyst",
    "mayors_office": "Mayor's Office",
    "admin": "Administrator",
    "data_coordinator": "Data coordinator",
}


def _role_name(user: Principal) -> str:
    role = str(user.role or "")  # a signed-in user always has one
    return ROLE_NAMES.get(role, role)


def _staff_bar(user: Principal, csrf_token: str) -> html.Nav:
    sign_out = html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token),
            html.Button("Sign out", type="submit", className="btn btn-sm btn-outline-dark"),
        ],
        action="/logout",
        method="post",
        className="d-inline",
    )
    return html.Nav(
        dbc.Container(
            [
                html.Span(
                    ["Signed in as ", html.Strong(user.email), f" ({_role_name(user)})"],
                    className="small me-3",
                ),
                html.Ul(
                    [
                        *[
                            html.Li(
                                dcc.Link(text, href=href, className="nav-link py-0"), className="nav-item"
                            )
                            for text, href in (
                                ("Review room", "/review-room"),
                                ("Briefing", "/briefing"),
                                ("Follow-ups", "/follow-ups"),
                            )
                            if may_use_review_room(user)
                        ],
                        html.Li(
                            dcc.Link(
                                "Internal measures", href="/internal/measures", className="nav-link py-0"
                            ),
                            className="nav-item",
                        ),
                        *[
                            html.Li(
                                dcc.Link(text, href=href, className="nav-link py-0"), className="nav-item"
                            )
                            for text, href, role in (
                                ("My reporting", "/reporting", "department_editor"),
                                ("Follow-ups", "/follow-ups", "department_editor"),
                                ("Review queue", "/review", "budget_analyst"),
                                ("Review queue", "/review", "mayors_office"),
                            )
                            if str(user.role) == role
                        ],
                        html.Li(
                            dcc.Link("Analyst workbench", href="/analysis", className="nav-link py-0"),
                            className="nav-item",
                        )
                        if sees_all_departments(user)
                        else None,
                        html.Li(
                            html.A("Change password", href="/account/password", className="nav-link py-0"),
                            className="nav-item",
                        ),
                        html.Li(sign_out, className="nav-item"),
                    ],
                    className="navbar-nav flex-row flex-wrap gap-3 align-items-center",
                ),
            ],
            className="d-flex flex-wrap align-items-center justify-content-between",
        ),
        className="navbar bg-warning-subtle py-1",
        id=ids.STAFF_NAVBAR,
        **aria(label="Staff"),
    )


def loading_indicator() -> html.Div:
    """What shows while a page is on its way: a bar across the top and the word "Loading", fixed
    in view however far down the reader has scrolled; the old page stays, dimmed, beneath it."""
    return html.Div(
        [html.Div(className="page-loading-bar"), html.Span("Loading\u2026", className="page-loading-text")],
        className="page-loading",
        role="status",
    )


def navigation_indicator() -> html.Div:
    """The same bar, shown by assets/navigation.js the instant a link or form is used (before
    Dash's router has started); hidden from screen readers, which hear the one of page_area."""
    return html.Div(
        [html.Div(className="page-loading-bar"), html.Span("Loading\u2026", className="page-loading-text")],
        className="page-loading navigation-indicator",
        **aria(hidden="true"),
    )


def page_area(content) -> dcc.Loading:
    """The page's content, with a loading state from the moment Dash's router starts fetching a
    page until it arrives: in place, over the old page (never a blank page)."""
    # Only the router's output: Dash's generated type for this prop is an empty TypedDict.
    router_output: Any = {"_pages_content": "children"}
    return dcc.Loading(
        content,
        id=ids.PAGE_LOADING,
        target_components=router_output,
        overlay_style={"visibility": "visible", "opacity": 0.5, "filter": "grayscale(0.5)"},
        custom_spinner=loading_indicator(),
        delay_show=0,
        parent_className="page-area",
    )


def frame(
    content, *, site_name: str, user: Principal | None = None, csrf_token: str | None = None
) -> html.Div:
    staff = _staff_bar(user, csrf_token or "") if user is not None else None
    return html.Div(
        [
            html.A(
                "Skip to main content",
                href=f"#{ids.SKIP_TARGET}",
                className="visually-hidden-focusable btn btn-light m-2 position-absolute",
            ),
            html.Header(
                [
                    html.Nav(
                        dbc.Container(
                            [
                                dcc.Link(site_name, href="/", className="navbar-brand"),
                                html.Ul(
                                    [
                                        html.Li(
                                            dcc.Link(text, href=href, className="nav-link"),
                                            className="nav-item",
                                        )
                                        for text, href in NAVIGATION
                                    ],
                                    className="navbar-nav flex-row flex-wrap gap-3",
                                ),
                            ],
                            className="d-flex flex-wrap align-items-center justify-content-between",
                        ),
                        className="navbar navbar-dark bg-dark",
                        id=ids.NAVBAR,
                        **aria(label="Main"),
                    ),
                    staff,
                ]
            ),
            navigation_indicator(),
            html.Main(dbc.Container(page_area(content), className="py-4"), id=ids.SKIP_TARGET, tabIndex="-1"),
            html.Footer(
                dbc.Container(
                    html.P(
                        [
                            "Performance figures are published under the city's open data policy. ",
                            html.A("Open data API", href="/api/v1/scorecard"),
                            ". ",
                            html.A("Staff sign in", href="/login") if user is None else None,
                        ],
                        className="small text-body-secondary mb-0",
                    ),
                    className="py-3",
                ),
                className="border-top",
            ),
        ]
    )
