"""The frame around every page: skip link, navigation bar, main landmark and footer."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts import ids

NAVIGATION = [("Home", "/"), ("All measures", "/measures"), ("Methodology", "/methodology")]


def frame(content, *, site_name: str) -> html.Div:
    return html.Div(
        [
            html.A("Skip to main content", href=f"#{ids.SKIP_TARGET}",
                   className="visually-hidden-focusable btn btn-light m-2 position-absolute"),
            html.Header(
                html.Nav(
                    dbc.Container([
                        dcc.Link(site_name, href="/", className="navbar-brand"),
                        html.Ul([html.Li(dcc.Link(text, href=href, className="nav-link"), className="nav-item")
                                 for text, href in NAVIGATION], className="navbar-nav flex-row flex-wrap gap-3"),
                    ], className="d-flex flex-wrap align-items-center justify-content-between"),
                    className="navbar navbar-dark bg-dark", id=ids.NAVBAR, **{"aria-label": "Main"},
                ),
            ),
            html.Main(dbc.Container(content, className="py-4"), id=ids.SKIP_TARGET, tabIndex="-1"),
            html.Footer(
                dbc.Container(
                    html.P([
                        "Performance figures are published under the city's open data policy. ",
                        html.A("Open data API", href="/api/v1/scorecard"), ".",
                    ], className="small text-body-secondary mb-0"),
                    className="py-3",
                ),
                className="border-top",
            ),
        ]
    )
