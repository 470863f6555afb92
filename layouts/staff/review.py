"""The Mayor's Office review room: what changed and why, late figures by department, the priority x
department matrix and the index over time (a chart with its table beside it), and the list behind
each matrix cell. Pure builders of aim.schemas view models."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.auth import Principal
from aim.explain import FREQUENCY_WORDS
from aim.schemas import ChangeRow, IndexPoint, MeasureStatus, PeriodOption, ReviewList, ReviewRoom, SiteInfo
from layouts import format as fmt
from layouts import ids
from layouts.components import (
    aria,
    demonstration_notice,
    filter_form,
    icon,
    measure_table,
    select,
    status_badge,
)
from layouts.figures import default_template, figure_text, figure_texts

TITLE = "Review room"
CHANGE_TITLES = {
    "newly_off_track": "Newly off track",
    "newly_at_risk": "Newly at risk",
    "recovered": "Recovered to on track",
    "worsening": "Trend turned worsening",
}
COMPARE_TEXT = {"previous": "The previous period", "year": "The same period a year earlier"}
SPAN_TEXT = {"months": "Last 12 months", "quarters": "Last 8 quarters", "years": "Last 5 years"}
#: Colours of the index lines: the city in black, priorities in distinct colours that meet 3:1
#: against white; each line is also named in the legend and the table (never colour alone).
LINE_COLOURS = ("#212529", "#0b5ed7", "#b02a37", "#146c43", "#6f42c1", "#995c00", "#0a7a83")
#: Rows of each kind of change shown on the landing page; the rest are one link (and a download) away.
SHOWN_CHANGES = 25
MATRIX_STATUSES = ("off_track", "at_risk", "on_track", "no_target", "no_data", "stale")


def skeleton() -> html.Div:
    return html.Div(html.H1(TITLE))


def refused(user: Principal, path: str, title: str = TITLE) -> html.Div:
    """What the public and the roles without the room see: a way to sign in, or who it is for."""
    if user.user_id is None:
        return html.Div(
            [
                html.H1(title),
                html.P("This page is for the Mayor's Office and budget analysts. Sign in to use it."),
                html.A("Sign in", href="/login?" + urlencode({"next": path}), className="btn btn-primary"),
            ]
        )
    return html.Div(
        [
            html.H1(title),
            dbc.Alert(
                "The review room is for the Mayor's Office and budget analysts; your role does not "
                "include it. Internal measures are under Internal measures.",
                color="info",
            ),
        ]
    )


def query_string(**params: str) -> str:
    kept = {k: v for k, v in params.items() if v}
    return f"?{urlencode(kept)}" if kept else ""


def measure_href(m: MeasureStatus, period: str) -> str:
    """A public measure's page; an internal one's department in the internal list (its own page
    comes with the workflow pages)."""
    if m.is_public:
        return f"/measures/{m.code}?period={period}"
    return f"/internal/measures?department={m.department_code}"


def downloads(what: str, label: str, **params: str) -> html.P:
    """Links to the same list as CSV and as an Excel workbook."""
    query = query_string(**params)
    return html.P(
        [
            html.Span("Download ", className="small"),
            html.A(
                ["CSV", html.Span(f" of {label}", className="visually-hidden")],
                href=f"/downloads/review-room/{what}.csv{query}",
                className="small",
            ),
            html.Span(" \u00b7 ", className="small", **aria(hidden="true")),
            html.A(
                ["Excel", html.Span(f" of {label}", className="visually-hidden")],
                href=f"/downloads/review-room/{what}.xlsx{query}",
                className="small",
            ),
        ],
        className="mb-1 d-print-none",
    )


def table(
    caption: str, head: Sequence[str], rows: list, *, scroll: bool = False, extra: str = ""
) -> html.Div:
    return html.Div(
        dbc.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                html.Tbody(rows),
            ],
            size="sm",
            hover=True,
            className="align-middle review-table",
        ),
        className="table-responsive"
        + (" data-table-scroll" if scroll else "")
        + (f" {extra}" if extra else ""),
        tabIndex="0",
        role="region",
        **aria(label=caption),
    )


def change_rows(
    rows: Sequence[ChangeRow], period: str, *, department: bool = True, follow_up: bool = False
) -> list[html.Tr]:
    out = []
    # What many rows show alike is built once: a component may appear any number of times in a
    # layout, and building Dash components is most of the page's own time at 2,500 measures.
    badges: dict[str, html.Span] = {}
    unexplained = html.Span("No explanation given", className="text-body-secondary")
    internal = html.Span(" (internal)", className="small text-body-secondary")
    for r in rows:
        m = r.measure
        badge = badges.get(m.status)
        if badge is None:
            badge = badges[m.status] = status_badge(m.status)
        explanation = (
            html.Span([html.Span(f"{r.explanation.label}: ", className="fw-semibold"), r.explanation.text])
            if r.explanation
            else unexplained
        )
        out.append(
            html.Tr(
                [
                    html.Th(
                        [
                            dcc.Link(m.name, href=measure_href(m, period)),
                            internal if not m.is_public else None,
                        ],
                        scope="row",
                    ),
                    html.Td(m.department_name) if department else None,
                    html.Td(badge),
                    html.Td(r.reason, className="small"),
                    html.Td(explanation, className="small change-explanation"),
                    html.Td(
                        dcc.Link(
                            ["Add a follow-up", html.Span(f" for {m.name}", className="visually-hidden")],
                            href="/follow-ups/new" + query_string(measure=m.code, period=period),
                            className="small text-nowrap",
                        ),
                        className="d-print-none",
                    )
                    if follow_up
                    else None,
                ]
            )
        )
    return out


CHANGE_HEAD = ("Measure", "Department", "Status now", "Why", "Department's explanation")


def _what_changed(room: ReviewRoom, follow_up: bool = False) -> html.Section:
    period = room.period
    cards = [
        dbc.Col(
            html.A(
                [
                    html.Span(str(room.change_counts.get(kind, 0)), className="fs-2 fw-bold d-block"),
                    html.Span(title),
                ],
                href=f"#change-{kind}",
                className="card card-body text-decoration-none h-100 change-count",
                id=f"count-{kind}",
            ),
            xs=6,
            md=3,
            className="mb-2",
        )
        for kind, title in CHANGE_TITLES.items()
    ]
    sections = []
    for kind, title in CHANGE_TITLES.items():
        rows = [r for r in room.changes if r.kind == kind]
        heading = f"{title} ({len(rows)})"
        everything = "/review-room/measures" + query_string(period=period, change=kind, compare=room.compare)
        more = (
            html.P(
                [
                    f"The {SHOWN_CHANGES} with the lowest scores are shown. ",
                    dcc.Link(f"All {len(rows)} measures {title.lower()}", href=everything),
                    "; the download has every one with its reason.",
                ],
                className="small",
            )
            if len(rows) > SHOWN_CHANGES
            else None
        )
        sections.append(
            html.Div(
                [
                    html.H3(heading, className="h5 mt-3", id=f"change-{kind}"),
                    downloads("changes", heading, period=period, compare=room.compare, change=kind)
                    if rows
                    else None,
                    table(
                        f"{title}: {room.period_label} against {room.compare_label}",
                        (*CHANGE_HEAD, "Follow-up") if follow_up else CHANGE_HEAD,
                        change_rows(rows[:SHOWN_CHANGES], period, follow_up=follow_up),
                    )
                    if rows
                    else html.P("None.", className="text-body-secondary"),
                    more,
                ]
            )
        )
    return html.Section(
        [
            html.H2("What changed", className="h4", id="what-changed"),
            html.P(
                f"{room.period_label} against {room.compare_label}. A measure is newly off track when it "
                "was not off track then, newly at risk when it was neither at risk nor off track, "
                "recovered when it is on track after missing, and its trend turned worsening when it "
                "was not worsening then.",
                className="small text-body-secondary",
            ),
            dbc.Row(cards, className="mb-2"),
            downloads("changes", "every change", period=period, compare=room.compare),
            *sections,
        ],
        className="mb-4",
        **aria(labelledby="what-changed"),
    )


def _late(room: ReviewRoom) -> html.Section:
    rows = []
    for d in room.late:
        for i, m in enumerate(d.measures):
            rows.append(
                html.Tr(
                    [
                        html.Td(
                            html.Strong(d.name) if i == 0 else html.Span(d.name, className="visually-hidden")
                        ),
                        html.Th(m.name, scope="row", className="fw-normal"),
                        html.Td(FREQUENCY_WORDS[m.frequency]),
                        html.Td(m.latest_label or "Nothing published"),
                        html.Td(m.last_due_label),
                        html.Td(str(m.missing), className="text-end"),
                        html.Td(f"{m.days_late} days", className="text-end text-nowrap"),
                    ]
                )
            )
    caption = f"{room.late_count} measures late, by department, as of {room.as_of:%d %B %Y}"
    return html.Section(
        [
            html.H2(f"Late and overdue ({room.late_count})", className="h4", id="late"),
            html.P(
                "Measures whose latest due figure is not published. A figure is due one reporting "
                "period after its period ends; days late count from when the first missing one was due.",
                className="small text-body-secondary",
            ),
            downloads("late", "late measures", period=room.period) if rows else None,
            table(
                caption,
                (
                    "Department",
                    "Measure",
                    "Reports",
                    "Latest published",
                    "Due by now",
                    "Periods missing",
                    "Late by",
                ),
                rows,
                scroll=True,
            )
            if rows
            else html.P("Nothing is late.", className="text-body-secondary"),
        ],
        className="mb-4",
        **aria(labelledby="late"),
    )


def _badge(status: str, count: int) -> html.Span:
    return html.Span(
        f"{count} {fmt.STATUS_TEXT[status].lower()}",
        className=f"badge {fmt.STATUS_CLASS[status]} status-badge me-1 mb-1",
        **icon(fmt.STATUS_ICON[status]),
    )


def _cell(
    room: ReviewRoom,
    department: tuple[str, str],
    priority: tuple[str, str],
    counts: dict,
    total: int,
    badges: dict[tuple[str, int], html.Span | html.Td],
):
    """A matrix cell; `badges` holds the badges already built for this matrix, by status and count
    (and the empty cell, by ("", 0)): the same few recur across its hundreds of cells, and one
    component may appear any number of times in a layout."""
    if not total:
        empty = badges.get(("", 0))
        if empty is None:
            empty = badges[("", 0)] = html.Td(
                html.Span("\u2014", **aria(label="No measures")), className="text-center"
            )
        return empty
    parts = []
    for s in MATRIX_STATUSES:
        if counts.get(s):
            badge = badges.get((s, counts[s]))
            if badge is None:
                badge = badges[(s, counts[s])] = _badge(s, counts[s])
            parts.append(badge)
    spoken = ", ".join(f"{counts[s]} {fmt.STATUS_TEXT[s].lower()}" for s in MATRIX_STATUSES if counts.get(s))
    href = "/review-room/measures" + query_string(
        period=room.period, priority=priority[0], department=department[0]
    )
    return html.Td(
        dcc.Link(
            [html.Span(f"{department[1]}, {priority[1]}: ", className="visually-hidden"), *parts],
            href=href,
            className="matrix-link d-inline-block text-decoration-none",
            title=f"{department[1]}, {priority[1]}: {spoken}",
        )
    )


def _matrix(room: ReviewRoom) -> html.Section:
    titles = dict(room.priorities)
    head = ["Department", *[titles[slug] for slug, _ in room.priorities]]
    badges: dict[tuple[str, int], html.Span | html.Td] = {}
    rows = [
        html.Tr(
            [
                html.Th(r.department_name, scope="row"),
                *[
                    _cell(
                        room,
                        (r.department_code, r.department_name),
                        (c.priority_slug, titles[c.priority_slug]),
                        c.counts.as_dict(),
                        c.total,
                        badges,
                    )
                    for c in r.cells
                ],
            ]
        )
        for r in room.matrix
    ]
    return html.Section(
        [
            html.H2("Priorities by department", className="h4", id="matrix"),
            html.P(
                "Each cell counts a department's measures serving a priority by status, with late "
                "ones counted beside their status; it links to the list of those measures.",
                className="small text-body-secondary",
            ),
            downloads("matrix", "the matrix", period=room.period),
            table(f"Measures by status, {room.period_label}", head, rows, extra="matrix"),
        ],
        className="mb-4",
        **aria(labelledby="matrix"),
    )


def index_figure(points: Sequence[IndexPoint], priorities: Sequence[tuple[str, str]]) -> dict:
    """The citywide index and each priority's over the span; data text escaped (figure_text).

    Written out as the dict go.Figure(...).to_plotly_json() gives for these traces, a horizontal
    line at 1.0 (add_hline) and this layout, key for key, so the page sends the same bytes without
    building a go.Figure for every page."""
    labels = figure_texts(p.label.split(" (")[0] for p in points)
    series = [("City", None), *[(title, slug) for slug, title in priorities]]
    data = []
    for i, (name, slug) in enumerate(series):
        values = [p.index if slug is None else p.priorities.get(slug) for p in points]
        short = figure_text(name if len(name) <= 40 else name[:38] + "\u2026")
        data.append(
            {
                "hovertemplate": "%{x}: %{y:.2f}<extra>" + short + "</extra>",
                "line": {"color": LINE_COLOURS[i % len(LINE_COLOURS)], "width": 3 if slug is None else 2},
                "marker": {
                    "symbol": ("circle", "square", "diamond", "triangle-up", "x", "cross", "star")[i % 7]
                },
                "mode": "lines+markers",
                "name": short,
                "x": labels,
                "y": values,
                "type": "scatter",
            }
        )
    line = {"color": "#6c757d", "dash": "dot"}
    return {
        "data": data,
        "layout": {
            "template": default_template(),
            "shapes": [
                {
                    "line": line,
                    "type": "line",
                    "x0": 0,
                    "x1": 1,
                    "xref": "x domain",
                    "y0": 1.0,
                    "y1": 1.0,
                    "yref": "y",
                }
            ],
            "margin": {"l": 40, "r": 10, "t": 10, "b": 40},
            "legend": {"orientation": "h", "y": -0.25},
            "yaxis": {"title": {"text": "Index (1.00 = on target)"}, "gridcolor": "#dee2e6"},
            "height": 340,
            "plot_bgcolor": "white",
        },
    }


def indextable(points: Sequence[IndexPoint], priorities: Sequence[tuple[str, str]], caption: str) -> html.Div:
    head = ["Period", "City", *[title for _, title in priorities]]
    rows = [
        html.Tr(
            [
                html.Th(p.label.split(" (")[0], scope="row", className="text-nowrap"),
                html.Td(fmt.score(p.index), className="text-end"),
                *[html.Td(fmt.score(p.priorities.get(slug)), className="text-end") for slug, _ in priorities],
            ]
        )
        for p in points
    ]
    return table(caption, head, rows)


def index_section(points, priorities, caption: str, *, graph_id: str = ids.INDEX_CHART) -> html.Div:
    return dbc.Row(
        [
            dbc.Col(
                html.Figure(
                    [
                        dcc.Graph(
                            id=graph_id,
                            figure=index_figure(points, priorities),
                            config={"displayModeBar": False, "responsive": True, "staticPlot": False},
                            className="print-chart",
                        ),
                        html.Figcaption(
                            "The index is the average score of key measures (1.00 = on target). "
                            "The table beside the chart has the same numbers.",
                            className="small text-body-secondary",
                        ),
                    ],
                    **aria(label=caption),
                ),
                lg=7,
            ),
            dbc.Col(indextable(points, priorities, caption), lg=5),
        ]
    )


def _index(room: ReviewRoom) -> html.Section:
    caption = f"Index over time: {SPAN_TEXT[room.span].lower()}"
    return html.Section(
        [
            html.H2("Index over time", className="h4", id="index-over-time"),
            downloads("index", "the index over time", period=room.period, span=room.span),
            index_section(room.index, room.priorities, caption),
        ],
        className="mb-4",
        **aria(labelledby="index-over-time"),
    )


def _controls(room: ReviewRoom, periods: Sequence[PeriodOption]) -> html.Form:
    options = [(p.key, p.label) for p in periods]
    if room.period not in {k for k, _ in options}:
        options = [(room.period, room.period_label), *options]
    return filter_form(
        "/review-room",
        [
            select("period", "Period", options, room.period, id=ids.REVIEW_PERIOD),
            select(
                "compare", "Compare with", list(COMPARE_TEXT.items()), room.compare, id=ids.REVIEW_COMPARE
            ),
            select("span", "Index over", list(SPAN_TEXT.items()), room.span, id=ids.REVIEW_SPAN),
        ],
        submit="Show",
        label="Choose what to review",
    )


def build(
    room: ReviewRoom,
    periods: Sequence[PeriodOption],
    site: SiteInfo,
    notice: str | None = None,
    follow_ups: html.Section | None = None,
) -> html.Div:
    """The landing page; `follow_ups` is the follow-ups section (layouts/staff/follow_ups.py), and
    with it each change gets an "Add a follow-up" link."""
    briefing = "/briefing" + query_string(period=room.period, compare=room.compare, span=room.span)
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.H1(TITLE),
            html.P(
                [
                    f"{room.period_label}, compared with {room.compare_label}. Internal measures are "
                    "included; figures are published values. ",
                    dcc.Link("Open the briefing", href=briefing),
                    " to print or save it as a PDF. ",
                    dcc.Link(
                        "Priority narratives",
                        href="/review-room/narratives" + query_string(period=room.period),
                    ),
                    ": the Mayor's Office's account of each priority for the period.",
                ],
                className="lead",
            ),
            html.Div(_controls(room, periods), className="d-print-none"),
            _what_changed(room, follow_up=follow_ups is not None),
            follow_ups,
            _late(room),
            _matrix(room),
            _index(room),
        ]
    )


def build_list(
    view: ReviewList, periods: Sequence[PeriodOption], site: SiteInfo, notice: str | None = None
) -> html.Div:
    q = view.query
    priority_title = dict(view.priorities).get(q.priority, "")
    department_name = dict(view.departments).get(q.department, "")
    described = ", ".join(
        t
        for t in (
            priority_title,
            department_name,
            fmt.STATUS_TEXT.get(q.status, "").lower(),
            CHANGE_TITLES.get(q.change, "").lower(),
        )
        if t
    )
    caption = (
        f"{len(view.measures)} measures" + (f": {described}" if described else "") + f", {view.period_label}"
    )
    options = [(p.key, p.label) for p in periods]
    if view.period not in {k for k, _ in options}:
        options = [(view.period, view.period_label), *options]
    params = {
        "period": view.period,
        "priority": q.priority,
        "department": q.department,
        "status": q.status,
        "change": q.change,
        "compare": q.compare if q.change else "",
    }
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.Nav(
                html.Ol(
                    [
                        html.Li(
                            dcc.Link(TITLE, href="/review-room" + query_string(period=view.period)),
                            className="breadcrumb-item",
                        ),
                        html.Li("Measures", className="breadcrumb-item active", **aria(current="page")),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1("Measures under review"),
            html.Div(
                filter_form(
                    "/review-room/measures",
                    [
                        select("period", "Period", options, view.period, id=ids.REVIEW_PERIOD),
                        select(
                            "priority",
                            "Priority",
                            [("", "Any priority"), *view.priorities],
                            q.priority,
                            id=ids.REVIEW_PRIORITY,
                        ),
                        select(
                            "department",
                            "Department",
                            [("", "Any department"), *view.departments],
                            q.department,
                            id=ids.REVIEW_DEPARTMENT,
                        ),
                        select(
                            "status",
                            "Status",
                            [("", "Any status"), *[(s, fmt.STATUS_TEXT[s]) for s in MATRIX_STATUSES]],
                            q.status,
                            id=ids.REVIEW_STATUS,
                        ),
                    ],
                    hidden={"change": q.change, "compare": q.compare if q.change else ""},
                    label="Filter the measures under review",
                ),
                className="d-print-none",
            ),
            downloads("measures", "these measures", **params),
            measure_table(
                view.measures,
                caption=caption,
                period=view.period,
                show_department=True,
                columns=("value", "target", "status", "score", "trend"),
                href=lambda m: measure_href(m, view.period),
            )
            if view.measures
            else html.P("No measures match.", className="text-body-secondary"),
        ]
    )
