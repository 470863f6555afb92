"""The home page: the citywide index and, for each priority, its index, counts by status, a
one-sentence summary and its key measures."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.explain import priority_summary
from aim.schemas import IndexPoint, MeasureStatus, PeriodOption, PriorityScore, Scorecard, SiteInfo
from layouts import format as fmt
from layouts import ids
from layouts.components import aria, demonstration_notice, filter_form, measure_table, select, status_counts
from layouts.staff.review import index_section

#: The span of the index chart on the home page (aim.services.review.SPANS).
INDEX_SPAN = "quarters"


def skeleton() -> html.Div:
    """The page without data: what Dash validates callbacks against."""
    return html.Div(html.H1("How is the city doing?"))


def period_form(
    action: str, periods: Sequence[PeriodOption], current: str, hidden: dict[str, str] | None = None
) -> html.Form:
    options = [(p.key, p.label) for p in periods] or [(current, current)]
    return filter_form(
        action,
        [select("period", "Period", options, current, id=ids.PERIOD_SELECT)],
        submit="Show",
        hidden=hidden,
        label="Choose the period",
    )


def _priority_card(priority: PriorityScore, key_measures: list[MeasureStatus], period: str) -> dbc.Col:
    heading_id = f"priority-{priority.slug}"
    return dbc.Col(
        html.Section(
            dbc.CardBody(
                [
                    html.H2(
                        dcc.Link(priority.title, href=f"/priorities/{priority.slug}?period={period}"),
                        className="h5",
                        id=heading_id,
                    ),
                    html.P(priority_summary(key_measures), className="priority-summary"),
                    html.P(
                        [
                            html.Span("Index ", className="text-body-secondary"),
                            html.Span(fmt.score(priority.index), className="fs-3 fw-bold"),
                            html.Span(
                                f" from {len(priority.key_measures)} key measures; "
                                f"{priority.measure_count} measures in all",
                                className="small text-body-secondary",
                            ),
                        ],
                        className="mb-2",
                    ),
                    status_counts(
                        priority.counts.as_dict(),
                        label=f"Measures by status: {priority.title}",
                        link=f"/priorities/{priority.slug}",
                        period=period,
                    ),
                    measure_table(
                        key_measures,
                        caption=f"Key measures: {priority.title}",
                        period=period,
                        columns=("value", "target", "status", "trend"),
                    )
                    if key_measures
                    else None,
                ]
            ),
            className="card h-100",
            **aria(labelledby=heading_id),
        ),
        width=12,
        className="mb-4",
    )


def _index(points: Sequence[IndexPoint], card: Scorecard) -> html.Section | None:
    """The review room's index chart with its table, on public figures only."""
    if not points or all(p.index is None for p in points):
        return None
    return html.Section(
        [
            html.H2("The index over time", className="h4 mt-4", id="index-over-time"),
            html.P(
                "The citywide index and each priority's index for the last eight quarters, from "
                "published figures of public measures.",
                className="small text-body-secondary",
            ),
            index_section(
                points,
                [(p.slug, p.title) for p in card.priorities],
                "Index over the last 8 quarters",
                graph_id=ids.HOME_INDEX_CHART,
            ),
        ],
        **aria(labelledby="index-over-time"),
    )


def build(
    card: Scorecard,
    site: SiteInfo,
    periods: list[PeriodOption],
    *,
    notice: str | None = None,
    index: Sequence[IndexPoint] = (),
) -> html.Div:
    """The home page for one scorecard; `notice` is shown above it (e.g. a bad period in the URL)."""
    if not card.measures and not card.priorities:
        return html.Div(
            [
                html.H1("City performance"),
                dbc.Alert("No performance data has been loaded yet.", color="info"),
            ]
        )
    by_code = {m.code: m for m in card.measures}
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.H1(f"How is {site.name or 'the city'} doing?" if site.name else "How is the city doing?"),
            html.P(
                [
                    f"Performance in {card.period_label}. Citywide index ",
                    html.Strong(fmt.score(card.index), id=ids.CITY_INDEX),
                    " (1.00 means key measures exactly meet their targets on average; ",
                    dcc.Link("how it is calculated", href="/methodology"),
                    ").",
                ],
                className="lead",
            ),
            period_form("/", periods, card.period),
            status_counts(
                card.counts.as_dict(), label="All measures by status", link="/measures", period=card.period
            ),
            _index(index, card),
            dbc.Row(
                [
                    _priority_card(p, [by_code[c] for c in p.key_measures], card.period)
                    for p in card.priorities
                ],
                className="mt-4",
            ),
        ]
    )
