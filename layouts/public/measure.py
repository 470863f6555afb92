"""A measure's page: its status with the reason in words, a trend chart of actuals against targets
(tolerance band shaded, selected period marked) and the same numbers as a table, what it counts and
how, published explanations, and downloads."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from aim.explain import DIRECTION_WORDS, FREQUENCY_WORDS, amount, status_reason
from aim.periods import FiscalCalendar
from aim.schemas import MeasureDetail, PeriodOption, SeriesPoint, SiteInfo
from layouts import format as fmt
from layouts import ids
from layouts.components import aria, demonstration_notice, measure_status, status_badge
from layouts.figures import default_template, figure_text
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


CHART_HEIGHT = 360  # reserved before Plotly loads, so nothing below the chart moves


def shown_series(detail: MeasureDetail, view: str) -> list[SeriesPoint]:
    """The points the chart and its table show: the yearly roll-up or every reported period."""
    return detail.yearly if view == "year" and detail.yearly else detail.series


def _span(calendar: FiscalCalendar, point: SeriesPoint) -> tuple[date, date, date]:
    """Where a period sits on the time axis: its first day, the first day of the next period,
    and the middle, where its value is drawn."""
    period = calendar.parse(point.period)
    start, end = calendar.start_date(period), calendar.end_date(period) + timedelta(days=1)
    return start, end, start + (end - start) / 2


def _segments(spans: list[tuple[date, date, date]], values: list[float | None]) -> tuple[list, list]:
    """One horizontal segment per period, from its first day to the next period's, at that
    period's own value; None between segments so no line joins two periods' targets."""
    xs: list = []
    ys: list = []
    for (start, end, _mid), value in zip(spans, values, strict=True):
        if value is None:
            continue
        xs += [start, end, None]
        ys += [value, value, None]
    return xs, ys


def _boxes(spans: list[tuple[date, date, date]], bands: list[tuple[float | None, float | None]]):
    """The tolerance band as one closed box per period (Plotly fills each gap-separated shape)."""
    xs: list = []
    ys: list = []
    for (start, end, _mid), (low, high) in zip(spans, bands, strict=True):
        if low is None or high is None:
            continue
        xs += [start, end, end, start, start, None]
        ys += [low, low, high, high, low, None]
    return xs, ys


def point_label(point: SeriesPoint, frequency: str) -> str:
    """The period's name; a year made of fewer reported periods than it has says so."""
    if point.expected and point.reported is not None and point.reported < point.expected:
        unit = "months" if frequency == "monthly" else "quarters"
        return f"{point.label} ({point.reported} of {point.expected} {unit})"
    return point.label


def target_words(point: SeriesPoint, unit_kind: str, unit_label: str) -> str:
    if point.target_low is not None and point.target_high is not None:
        return f"{amount(point.target_low, unit_kind)} to {amount(point.target_high, unit_kind, unit_label)}"
    return amount(point.target, unit_kind, unit_label) if point.target is not None else "no target"


def chart(detail: MeasureDetail, calendar: FiscalCalendar, view: str = "period") -> dict:
    """Actuals against the target in force for each period: every period's target (and the
    tolerance band beside it) is drawn over that period only, and its value in the middle of it.
    Written out as the dict go.Figure gives for these traces, the selected period's shading
    (add_vrect) and this layout (tests/layouts/test_measure_chart.py holds the two equal): building
    the go.Figure was a quarter of the measure page's callback (17 of 68 ms)."""
    info = detail.info
    points = shown_series(detail, view)
    spans = [_span(calendar, p) for p in points]
    data: list[dict] = []
    band_x, band_y = _boxes(spans, [_band(p, info.direction, info.tolerance) for p in points])
    if band_x:
        data.append(
            {
                "fill": "toself",
                "fillcolor": BAND_COLOUR,
                "hoverinfo": "skip",
                "line": {"width": 0},
                "mode": "lines",
                "name": "Tolerance band",
                "x": band_x,
                "y": band_y,
                "type": "scatter",
            }
        )
    bounds = ["target_low", "target_high"] if info.direction == "range" else ["target"]
    for index, bound in enumerate(bounds):
        xs, ys = _segments(spans, [getattr(p, bound) for p in points])
        data.append(
            {
                "hoverinfo": "skip",
                "legendgroup": "target",
                "line": {"color": TARGET_COLOUR, "dash": "dash", "width": 2},
                "mode": "lines",
                "name": "Target" if len(bounds) == 1 else "Target range",
                "showlegend": index == 0,
                "x": xs,
                "y": ys,
                "type": "scatter",
            }
        )
    unit_kind, unit_label = info.unit_kind, info.unit_label
    data.append(
        {
            "customdata": [
                [
                    figure_text(point_label(p, info.frequency)),
                    figure_text(amount(p.actual, unit_kind, unit_label)),
                    figure_text(target_words(p, unit_kind, unit_label)),
                    figure_text(fmt.STATUS_TEXT[p.status]),
                ]
                for p in points
            ],
            # The period once, then the value with its unit, the target and the status.
            "hovertemplate": (
                "<b>%{customdata[0]}</b><br>Actual: %{customdata[1]}<br>Target: %{customdata[2]}"
                "<br>Status: %{customdata[3]}<extra></extra>"
            ),
            "line": {"color": ACTUAL_COLOUR, "width": 2},
            "marker": {"size": 6 if view == "year" else 5},
            "mode": "lines+markers",
            "name": "Actual",
            "x": [mid for _start, _end, mid in spans],
            "y": [p.actual for p in points],
            "type": "scatter",
        }
    )
    selected = calendar.parse(detail.period)
    start, end = calendar.start_date(selected), calendar.end_date(selected) + timedelta(days=1)
    return {
        "data": data,
        "layout": {
            "template": default_template(),
            # The selected period shaded, and labelled at its top left.
            "shapes": [
                {
                    "fillcolor": "#212529",
                    "line": {"width": 0},
                    "opacity": 0.08,
                    "type": "rect",
                    "x0": start,
                    "x1": end,
                    "xref": "x",
                    "y0": 0,
                    "y1": 1,
                    "yref": "y domain",
                }
            ],
            "annotations": [
                {
                    "showarrow": False,
                    "text": figure_text(f"Selected: {detail.period_label}"),
                    "x": start,
                    "xanchor": "left",
                    "xref": "x",
                    "y": 1,
                    "yanchor": "top",
                    "yref": "y domain",
                }
            ],
            "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
            "legend": {"orientation": "h", "y": -0.15},
            "yaxis": {
                "title": {"text": figure_text(unit_label or ("percent" if unit_kind == "percent" else ""))},
                "gridcolor": "#dee2e6",
                "rangemode": "tozero" if unit_kind in ("count", "currency") else "normal",
            },
            "xaxis": {"gridcolor": "#f1f3f5"},
            "height": CHART_HEIGHT,
            "hovermode": "closest",
            "plot_bgcolor": "white",
        },
    }


def view_switch(detail: MeasureDetail, view: str) -> html.Nav | None:
    """Links between the reporting periods and the yearly roll-up; only for measures that report
    more often than yearly. Links, not a control with a callback: each view has its own URL."""
    if not detail.yearly:
        return None
    unit = "month" if detail.info.frequency == "monthly" else "quarter"
    names = {"period": f"By {unit}", "year": "By year"}
    links = []
    for key, text in names.items():
        query = urlencode({"period": detail.period, **({"view": key} if key == "year" else {})})
        # The view shown is text marked as current, not a link to itself.
        item = (
            html.Span(text, className="nav-link active", **aria(current="true"))
            if key == view
            else dcc.Link(text, href=f"/measures/{detail.info.code}?{query}", className="nav-link")
        )
        links.append(html.Li(item, className="nav-item"))
    return html.Nav(
        html.Ul(links, className="nav nav-pills nav-sm"),
        className="mb-2",
        id=ids.MEASURE_VIEW_SWITCH,
        **aria(label="Show the chart"),
    )


def data_table(detail: MeasureDetail, view: str = "period") -> html.Div:
    """The chart's numbers as a table (its accessible alternative), newest first: the same view
    (every period, or by year) as the chart above it."""
    info = detail.info
    points = shown_series(detail, view)
    rows = [
        html.Tr(
            [
                html.Th(point_label(p, info.frequency), scope="row"),
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
                html.Td(
                    target_words(p, info.unit_kind, info.unit_label)
                    if p.target is not None or p.target_low is not None
                    else "\u2014",
                    className="text-end",
                ),
                html.Td(status_badge(p.status)),
                html.Td(fmt.score(p.score), className="text-end"),
            ]
        )
        for p in reversed(points)
    ]
    what = "every year" if points is detail.yearly else "every published value"
    caption = f"{info.name}: {what}, newest first ({len(rows)} periods)"
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


def _summary(detail: MeasureDetail) -> list:
    info, status = detail.info, detail.status
    if status is None:
        return [
            html.P(
                f"This measure is updated {FREQUENCY_WORDS[info.frequency].lower()}, so it has no "
                f"status for {detail.period_label}. Choose a year.",
                className="mb-0",
            )
        ]
    return [
        html.P([measure_status(status)], className="mb-2"),
        html.P(status_reason(status), className="lead mb-1"),
        html.P(
            f"Score {fmt.score(status.score)}; trend: "
            f"{fmt.TREND_TEXT.get(status.trend or '', 'not enough data')}; "
            f"change from a year earlier: {fmt.change(status.change)}.",
            className="mb-0",
        ),
    ]


def _breadcrumb(detail: MeasureDetail) -> html.Nav:
    info = detail.info
    return html.Nav(
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
    )


def status_section(detail: MeasureDetail) -> html.Section:
    return html.Section(
        [html.H2(f"Status for {detail.period_label}", className="h5"), *_summary(detail)],
        className="card card-body mb-3",
        id=ids.MEASURE_STATUS,
        **aria(label=f"Status for {detail.period_label}"),
    )


def chart_section(detail: MeasureDetail, calendar: FiscalCalendar, view: str) -> html.Section | dbc.Alert:
    if not detail.series:
        return dbc.Alert("No values have been published for this measure yet.", color="info")
    by_year = view == "year" and bool(detail.yearly)
    rule = {"sum": "added up", "mean": "averaged", "last": "the latest value of each year"}
    combined = (
        f" Each year's value is its {'months' if detail.info.frequency == 'monthly' else 'quarters'} "
        f"{rule.get(detail.info.aggregation, 'combined')}, as the yearly scorecard does."
        if by_year
        else ""
    )
    return html.Section(
        [
            html.H2("Trend", className="h4"),
            view_switch(detail, "year" if by_year else "period"),
            html.Figure(
                [
                    dcc.Graph(
                        id=ids.MEASURE_CHART,
                        figure=chart(detail, calendar, "year" if by_year else "period"),
                        config={"displayModeBar": False, "responsive": True},
                        # The chart's height is held before Plotly has loaded, so the text below
                        # it does not jump when it draws.
                        style={"height": f"{CHART_HEIGHT}px"},
                        className="chart-box",
                    ),
                    html.Figcaption(
                        "Actual values against the target in force for each period, with the "
                        f"tolerance band shaded and {detail.period_label} marked.{combined} The table "
                        "under Values by period has the same numbers.",
                        className="small text-body-secondary",
                    ),
                ],
                **aria(label=f"Chart of {detail.info.name}"),
            ),
        ]
    )


def downloads_section(code: str, query: str = "") -> html.Section:
    """The series as files; `query` carries as_of, so a download matches the page shown."""
    return html.Section(
        [
            html.H2("Download the data", className="h4 mt-4"),
            html.Ul(
                [
                    html.Li(html.A("CSV (spreadsheet)", href=f"/api/v1/measures/{code}/series.csv{query}")),
                    html.Li(html.A("JSON", href=f"/api/v1/measures/{code}/series.json{query}")),
                ]
            ),
        ]
    )


def build(
    detail: MeasureDetail,
    calendar: FiscalCalendar,
    periods: list[PeriodOption],
    site: SiteInfo,
    notice: str | None = None,
    view: str = "period",
) -> html.Div:
    """The measure page, section by section (each a function, so that others can be added)."""
    info = detail.info
    by_year = view == "year" and bool(detail.yearly)
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            as_published_label(info.code, detail.period, detail.published_on),
            _breadcrumb(detail),
            html.H1(info.name),
            status_section(detail),
            period_form(
                f"/measures/{info.code}",
                periods,
                detail.period,
                # Another period of the page as published on a day stays on that day.
                hidden={"view": "year" if by_year else "", "as_of": _as_of_day(detail)},
            ),
            as_published_form(info.code, detail.period, detail.published_on),
            chart_section(detail, calendar, view),
            html.Section([html.H2("About this measure", className="h4 mt-4"), _facts(detail)]),
            html.Section(
                [
                    html.H2("Values by period", className="h4 mt-4"),
                    data_table(detail, "year" if by_year else "period"),
                ]
            )
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
            downloads_section(info.code, _as_of_query(detail)),
        ]
    )


def _as_of_day(detail: MeasureDetail) -> str:
    return f"{detail.published_on:%Y-%m-%d}" if detail.published_on else ""


def _as_of_query(detail: MeasureDetail) -> str:
    return f"?as_of={_as_of_day(detail)}" if detail.published_on else ""


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
