"""The frame around every page: skip link, navigation bar (and, for signed-in staff, the internal
one), main landmark and footer."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.auth import Principal, may_review
from layouts import ids
from layouts.components import aria

NAVIGATION = [("Home", "/"), ("All measures", "/measures"), ("Methodology", "/methodology")]
ROLE_NAMES = {
    "department_editor": "Department editor",
    "budget_analyst": "Budget analyst",
    "mayors_office": "Mayor's Office",
    "admin": "Administrator",
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
                            for text, href in (("Review room", "/review-room"), ("Briefing", "/briefing"))
                            if may_review(user)
                        ],
                        html.Li(
                            dcc.Link(
                                "Internal measures", href="/internal/measures", className="nav-link py-0"
                            ),
                            className="nav-item",
                        ),
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
            html.Main(dbc.Container(content, className="py-4"), id=ids.SKIP_TARGET, tabIndex="-1"),
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
