"""The home page: the citywide index and, for each priority, its index and counts by status."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from aim.schemas import PriorityScore, Scorecard
from aim.services.site import SiteInfo
from layouts import format as fmt
from layouts.components import demonstration_notice, status_counts


def _priority_card(priority: PriorityScore) -> dbc.Col:
    heading_id = f"priority-{priority.slug}"
    return dbc.Col(
        html.Section(
            dbc.CardBody([
                html.H2(priority.title, className="h5", id=heading_id),
                html.P(priority.description, className="small text-body-secondary")
                if priority.description else None,
                html.P([
                    html.Span("Index ", className="text-body-secondary"),
                    html.Span(fmt.score(priority.index), className="fs-3 fw-bold"),
                    html.Span(f" from {len(priority.key_measures)} key measures; "
                              f"{priority.measure_count} measures in all",
                              className="small text-body-secondary"),
                ], className="mb-2"),
                status_counts(priority.counts.as_dict(), label=f"Measures by status: {priority.title}"),
            ]),
            className="card h-100",
            **{"aria-labelledby": heading_id},
        ),
        md=6, className="mb-4",
    )


def skeleton() -> html.Div:
    """The page without data: what Dash validates callbacks against."""
    return html.Div(html.H1("How is the city doing?"))


def build(card: Scorecard, site: SiteInfo, *, notice: str | None = None) -> html.Div:
    """The home page for one scorecard; `notice` is shown above it (e.g. a bad period in the URL)."""
    if not card.measures and not card.priorities:
        return html.Div([
            html.H1("City performance"),
            dbc.Alert("No performance data has been loaded yet.", color="info"),
        ])
    return html.Div([
        demonstration_notice(site),
        dbc.Alert(notice, color="warning") if notice else None,
        html.H1("How is the city doing?"),
        html.P([
            f"Performance in {card.period_label}. Citywide index ",
            html.Strong(fmt.score(card.index)),
            " (1.00 means key measures exactly meet their targets on average).",
        ], className="lead"),
        status_counts(card.counts.as_dict(), label="All measures by status"),
        dbc.Row([_priority_card(p) for p in card.priorities], className="mt-4"),
    ])
