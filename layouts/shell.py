"""The frame around every page: skip link, navigation bar, main landmark and footer."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts import ids


def frame(content, *, site_name: str) -> html.Div:
    return html.Div(
        [
            html.A("Skip to main content", href=f"#{ids.SKIP_TARGET}",
                   className="visually-hidden-focusable btn btn-light m-2 position-absolute"),
            html.Header(
                dbc.Navbar(
                    dbc.Container(dbc.NavbarBrand(site_name, href="/")),
                    color="dark", dark=True, id=ids.NAVBAR,
                ),
            ),
            html.Main(dbc.Container(content, className="py-4"), id=ids.SKIP_TARGET, tabIndex="-1"),
            html.Footer(
                dbc.Container(
                    html.P(
                        "Performance figures are published under the city's open data policy.",
                        className="small text-body-secondary mb-0",
                    ),
                    className="py-3",
                ),
                className="border-top",
            ),
        ]
    )
