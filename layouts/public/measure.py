"""A measure's page: its status with the reason in words, a trend chart of actuals against targets
(tolerance band shaded, selected period marked) and the same numbers as a table, what it counts and
how, published explanations, and downloads."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html
from dash.development.base_component import Component

from aim.explain import DIRECTION_WORDS, FREQUENCY_WORDS, amount, status_reason
from aim.periods import FiscalCalendar
from aim.schemas import MeasureDetail, PeriodOption, SeriesPoint, SiteInfo
from layouts import format as fmt
from layouts import ids
from layouts.components import aria, demonstration_notice, measure_status, status_badge
from layouts.figures import figure_text, figure_texts
from layouts.public.home import period_form

TARGET_COLOUR = "#6c757d"
ACTUAL_COLOUR = "#0b5ed7"
BAND_COLOUR = "rgba(255, 193, 7, 0.25)"


def skeleton() -> html.Div:
    return html.Div(html.H1("Measure"))


def _band(point: SeriesPoint, direction: str, tolerance: float) -> tuple[float | None, float | None]:
    """The at-risk zone next to the target: what "within tolerance" looks like on the chart."""
    if point.target_low is not None and point.target_high is not None:
        return point.target_low - tolerance * abs(point.target_low), point.target_high + tolerance * abs(
            point.target_high
        )
    if point.target is None:
        return None, None
    margin = tolerance * abs(point.target)
    return (
        (point.target - margin, point.target) if direction == "up" else (point.target, point.target + margin)
    )


def chart(detail: MeasureDetail, calendar: FiscalCalendar) -> go.Figure:
    """plotly.graph_objects, not plotly.express: much cheaper per call in a page request. Every
    text from data goes through figure_text (Plotly renders HTML in figure text)."""
    info, points = detail.info, detail.series
    x = [calendar.start_date(calendar.parse(p.period)) for p in points]
    labels = figure_texts(p.label for p in points)
    figure = go.Figure()
    bands = [_band(p, info.direction, info.tolerance) for p in points]
    if any(b[0] is not None for b in bands):
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[b[0] for b in bands],
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                line_shape="hv",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[b[1] for b in bands],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=BAND_COLOUR,
                hoverinfo="skip",
                name="Tolerance band",
                line_shape="hv",
            )
        )
    if info.direction == "range":
        for bound, name in (("target_low", "Target range, low"), ("target_high", "Target range, high")):
            figure.add_trace(
                go.Scatter(
                    x=x,
                    y=[getattr(p, bound) for p in points],
                    mode="lines",
                    name=name,
                    line={"color": TARGET_COLOUR, "dash": "dash"},
                    line_shape="hv",
                    text=labels,
                    hovertemplate="%{text}: %{y:,.2f}<extra>" + name + "</extra>",
                )
            )
    else:
        figure.add_trace(
            go.Scatter(
                x=x,
                y=[p.target for p in points],
                mode="lines",
                name="Target",
                line={"color": TARGET_COLOUR, "dash": "dash"},
                line_shape="hv",
                text=labels,
                hovertemplate="%{text}: %{y:,.2f}<extra>Target</extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=x,
            y=[p.actual for p in points],
            mode="lines+markers",
            name="Actual",
            line={"color": ACTUAL_COLOUR, "width": 2},
            marker={"size": 5},
            text=labels,
            hovertemplate="%{text}: %{y:,.2f}<extra>Actual</extra>",
        )
    )
    selected = calendar.parse(detail.period)
    figure.add_vrect(
        x0=calendar.start_date(selected),
        x1=calendar.end_date(selected),
        fillcolor="#212529",
        opacity=0.08,
        line_width=0,
        annotation_text=f"Selected: {figure_text(detail.period_label)}",
        annotation_position="top left",
    )
    figure.update_layout(
        margin={"l": 50, "r": 10, "t": 30, "b": 40},
        height=360,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.15},
        plot_bgcolor="white",
        yaxis={
            "title": figure_text(info.unit_label or ("percent" if info.unit_kind == "percent" else "")),
            "gridcolor": "#dee2e6",
            "rangemode": "tozero" if info.unit_kind in ("count", "currency") else "normal",
        },
        xaxis={"gridcolor": "#f1f3f5"},
    )
    return figure


def data_table(detail: MeasureDetail) -> html.Div:
    """The chart's numbers as a table (its accessible alternative), newest first."""
    info = detail.info

    def target(p: SeriesPoint) -> str:
        if p.target_low is not None and p.target_high is not None:
            high = amount(p.target_high, info.unit_kind, info.unit_label)
            return f"{amount(p.target_low, info.unit_kind)} to {high}"
        return amount(p.target, info.unit_kind, info.unit_label) if p.target is not None else "\u2014"

    rows = [
        html.Tr(
            [
                html.Th(p.label, scope="row"),
                html.Td(
                    [
                        amount(p.actual, info.unit_kind, info.unit_label),
                        html.Div(
                            f"revised on {p.revised_on:%Y-%m-%d}, "
                            f"was {amount(p.was, info.unit_kind, info.unit_label)}",
                            className="small text-body-secondary",
                        )
                        if p.revised_on
                        else None,
                    ],
                    className="text-end",
                ),
                html.Td(target(p), className="text-end"),
                html.Td(status_badge(p.status)),
                html.Td(fmt.score(p.score), className="text-end"),
            ]
        )
        for p in reversed(detail.series)
    ]
    caption = f"{info.name}: every published value, newest first ({len(rows)} periods)"
    return html.Div(
        dbc.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(
                    html.Tr(
                        [html.Th(h, scope="col") for h in ("Period", "Actual", "Target", "Status", "Score")]
                    )
                ),
                html.Tbody(rows),
            ],
            size="sm",
            striped=True,
            className="align-middle",
        ),
        className="table-responsive data-table-scroll",
        tabIndex="0",
        role="region",
        id=ids.MEASURE_TABLE,
        **aria(label=caption),
    )


def _facts(detail: MeasureDetail) -> html.Dl:
    info = detail.info
    facts: list[tuple[str, str | Component]] = [
        ("What it counts", info.definition or "\u2014"),
        ("How it is calculated", info.calculation or "\u2014"),
        ("Data source", info.data_source or "\u2014"),
        ("Department", dcc.Link(info.department_name, href=f"/departments/{info.department_code}")),
        ("Activity", info.activity_name),
        (
            "Priorities",
            html.Ul(
                [html.Li(dcc.Link(title, href=f"/priorities/{slug}")) for slug, title in info.priorities],
                className="list-unstyled mb-0",
            )
            if info.priorities
            else "\u2014",
        ),
        ("Updated", FREQUENCY_WORDS[info.frequency]),
        ("Direction", DIRECTION_WORDS[info.direction]),
        ("Tolerance", f"{info.tolerance * 100:.0f}% of the target"),
        ("Kind of measure", info.measure_type.capitalize()),
        ("Last updated", _when(detail.last_updated)),
    ]
    items = []
    for term, description in facts:
        items += [html.Dt(term, className="col-sm-3"), html.Dd(description, className="col-sm-9")]
    return html.Dl(items, className="row")


def _when(moment: datetime | None) -> str:
    return "\u2014" if moment is None else f"{moment:%d %B %Y}"


def build(
    detail: MeasureDetail,
    calendar: FiscalCalendar,
    periods: list[PeriodOption],
    site: SiteInfo,
    notice: str | None = None,
) -> html.Div:
    info, status = detail.info, detail.status
    if status is not None:
        summary = [
            html.P([measure_status(status)], className="mb-2"),
            html.P(status_reason(status), className="lead mb-1"),
            html.P(
                f"Score {fmt.score(status.score)}; trend: "
                f"{fmt.TREND_TEXT.get(status.trend or '', 'not enough data')}; "
                f"change from a year earlier: {fmt.change(status.change)}.",
                className="mb-0",
            ),
        ]
    else:
        summary = [
            html.P(
                f"This measure is updated {FREQUENCY_WORDS[info.frequency].lower()}, so it has no "
                f"status for {detail.period_label}. Choose a year.",
                className="mb-0",
            )
        ]
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            as_published_label(info.code, detail.period, detail.published_on),
            html.Nav(
                html.Ol(
                    [
                        html.Li(dcc.Link("Home", href="/"), className="breadcrumb-item"),
                        html.Li(
                            dcc.Link(info.department_name, href=f"/departments/{info.department_code}"),
                            className="breadcrumb-item",
                        ),
                        html.Li(info.name, className="breadcrumb-item active", **aria(current="page")),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1(info.name),
            html.Section(
                [html.H2(f"Status for {detail.period_label}", className="h5"), *summary],
                className="card card-body mb-3",
                id=ids.MEASURE_STATUS,
                **aria(label=f"Status for {detail.period_label}"),
            ),
            period_form(f"/measures/{info.code}", periods, detail.period),
            as_published_form(info.code, detail.period, detail.published_on),
            html.Section(
                [
                    html.H2("Trend", className="h4"),
                    html.Figure(
                        [
                            dcc.Graph(
                                id=ids.MEASURE_CHART,
                                figure=chart(detail, calendar),
                                config={"displayModeBar": False, "responsive": True},
                            ),
                            html.Figcaption(
                                f"Actual values against the target, with the tolerance band shaded and "
                                f"{detail.period_label} marked. The table under Values by period has the "
                                "same numbers.",
                                className="small text-body-secondary",
                            ),
                        ],
                        **aria(label=f"Chart of {info.name}"),
                    ),
                ]
            )
            if detail.series
            else dbc.Alert("No values have been published for this measure yet.", color="info"),
            html.Section([html.H2("About this measure", className="h4 mt-4"), _facts(detail)]),
            html.Section([html.H2("Values by period", className="h4 mt-4"), data_table(detail)])
            if detail.series
            else None,
            html.Section(
                [
                    html.H2("Explanations from the department", className="h4 mt-4"),
                    html.Ul([html.Li([html.Strong(f"{e.label}: "), e.text]) for e in detail.explanations])
                    if detail.explanations
                    else html.P("None published."),
                ]
            ),
            html.Section(
                [
                    html.H2("Download the data", className="h4 mt-4"),
                    html.Ul(
                        [
                            html.Li(
                                html.A(
                                    "CSV (spreadsheet)",
                                    href=f"/api/v1/measures/{info.code}/series.csv{_as_of_query(detail)}",
                                )
                            ),
                            html.Li(
                                html.A(
                                    "JSON",
                                    href=f"/api/v1/measures/{info.code}/series.json{_as_of_query(detail)}",
                                )
                            ),
                        ]
                    ),
                ]
            ),
        ]
    )


def _as_of_query(detail: MeasureDetail) -> str:
    return f"?as_of={detail.published_on:%Y-%m-%d}" if detail.published_on else ""


def as_published_label(code: str, period: str, published_on: date | None) -> dbc.Alert | None:
    """The visible label of a page showing what the public saw on an earlier day."""
    if published_on is None:
        return None
    return dbc.Alert(
        [
            html.Strong(f"As published on {published_on:%Y-%m-%d}. "),
            "These are the figures the public saw at the end of that day; later corrections are not shown. ",
            dcc.Link(
                "See the current figures",
                href=f"/measures/{code}?" + urlencode({"period": period}),
                className="alert-link",
            ),
            ".",
        ],
        color="info",
        id=ids.AS_PUBLISHED_LABEL,
    )


def as_published_form(code: str, period: str, published_on: date | None) -> html.Form:
    """ "View as published on": a GET form, so the earlier view has its own address."""
    return html.Form(
        html.Div(
            [
                html.Div(
                    [
                        dbc.Label("View as published on", html_for=ids.AS_PUBLISHED_DATE, className="me-2"),
                        dbc.Input(
                            id=ids.AS_PUBLISHED_DATE,
                            type="date",
                            name="as_of",
                            value=f"{published_on:%Y-%m-%d}" if published_on else "",
                            max=f"{date.today():%Y-%m-%d}",
                            size="sm",
                        ),
                    ],
                    className="me-2 mb-2",
                ),
                dcc.Input(type="hidden", name="period", value=period),
                html.Div(dbc.Button("View", type="submit", color="secondary", size="sm"), className="mb-2"),
            ],
            className="d-flex flex-wrap align-items-end",
        ),
        action=f"/measures/{code}",
        method="get",
        **aria(label="View the figures as published on an earlier day"),
    )


def not_found(code: str, site: SiteInfo) -> html.Div:
    return html.Div(
        [
            demonstration_notice(site),
            html.H1("Measure not found"),
            html.P(["There is no public measure with the code ", html.Code(code), "."]),
            html.P(
                [
                    "It may have been renamed or retired, or it is not published. ",
                    dcc.Link("Search all measures", href="/measures?" + urlencode({"q": code})),
                    " or go ",
                    dcc.Link("back to the home page", href="/"),
                    ".",
                ]
            ),
        ]
    )
