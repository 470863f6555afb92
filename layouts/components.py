"""Building blocks shared by the pages: status badges, sparklines, measure tables and the GET
forms that keep every filter and the period in the URL."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.explain import amount, number, target_text
from aim.schemas import MeasureStatus, SiteInfo
from layouts import format as fmt


def aria(**attributes: str) -> dict[str, Any]:
    """ARIA attributes for a Dash component: `html.Nav(..., **aria(label="Breadcrumb"))`.

    Dash takes `aria-*` only as keyword arguments that are not Python names; this spells them
    once, and types them as Dash's **kwargs expect."""
    return {f"aria-{name}": value for name, value in attributes.items()}


def demonstration_notice(site: SiteInfo) -> dbc.Alert | None:
    """The banner every page shows while demonstration data is loaded."""
    if not site.demonstration:
        return None
    return dbc.Alert(
        [html.Strong("Demonstration data. "), site.notice],
        color="warning",
        className="demo-notice",
        id="demo-notice",
    )


def as_published_notice(day: date | None, problem: str | None = None) -> dbc.Alert:
    """The label of a page showing what the public saw at the end of an earlier day."""
    if day is None:
        return dbc.Alert(problem, color="warning")
    return dbc.Alert(
        [
            html.Strong(f"As published on {day:%Y-%m-%d}. "),
            "These are the figures the public saw at the end of that day; later corrections are not shown.",
        ],
        color="info",
        id="as-published-label",
    )


def icon(symbol: str) -> dict[str, Any]:
    """The props that put `symbol` before an element's text, drawn by CSS and left out of its
    accessible name (assets/aim.css, [data-icon]::before): the icon beside a status word, with no
    component of its own (a badge in every row of a table was two components)."""
    return {"data-icon": symbol}


def status_badge(status: str) -> html.Span:
    """A status as icon and word (never colour alone)."""
    return html.Span(
        fmt.STATUS_TEXT[status],
        className=f"badge {fmt.STATUS_CLASS[status]} status-badge",
        **icon(fmt.STATUS_ICON[status]),
    )


def measure_status(m: MeasureStatus) -> html.Span:
    """The status badge, and a "late" badge beside it when the latest due value is missing."""
    if not m.stale:  # most rows: the badge alone, one component fewer per row (issue 16)
        return status_badge(m.status)
    return html.Span([status_badge(m.status), " ", status_badge("stale")])


def status_counts(
    counts: dict[str, int], *, label: str, link: str | None = None, period: str | None = None
) -> html.Ul:
    """Counts by status as a list; statuses with zero measures are left out. With `link` (a list
    page's path), each count links to that list filtered by the status, for the same period."""

    def item(status: str, count: int):
        body = [status_badge(status), html.Span(f" {count}", className="ms-1 fw-semibold")]
        if link is None:
            return body
        query = urlencode({"status": status, **({"period": period} if period else {})})
        return dcc.Link(
            body, href=f"{link}?{query}", className="status-count-link", title=f"Show these {count}"
        )

    items = [
        html.Li(item(status, count), className="list-inline-item mb-1")
        for status, count in counts.items()
        if count
    ]
    if not items:
        items = [html.Li("No measures", className="list-inline-item text-body-secondary")]
    # A space between the items: inline blocks with nothing between them copy (and read, in a
    # reader mode) as "On track 82At risk 31".
    spaced = [part for li in items for part in (" ", li)][1:]
    return html.Ul(spaced, className="list-inline mb-0 status-counts", **aria(label=label))


#: A sparkline's bar, and the dotted stub that stands for a period without a value (see
#: sparkline); their colours are assets/aim.css's, system colours in forced-colours mode.
SPARK_BAR = "linear-gradient(var(--spark-bar),var(--spark-bar))"
SPARK_MISSING = "repeating-linear-gradient(90deg,var(--spark-missing) 0 2px,transparent 2px 4px)"


def sparkline(values: Sequence[float | None], periods: Sequence[str], m: MeasureStatus) -> html.Span:
    """Bars for the last periods, drawn with CSS (no charting library on list pages): one element,
    a background layer a bar, where a bar an element made seven components a sparkline, an eighth
    of a department page's. A period without a value is a dotted 2px stub. The numbers are in its
    accessible name; the trend word beside it says what they mean."""
    present = [v for v in values if v is not None]
    low, high = (min(present), max(present)) if present else (0.0, 0.0)
    span = (high - low) or 1.0
    n = len(values)
    width = 100 / (n + (n - 1) / 4) if n else 0  # gaps a quarter of a bar wide
    heights = [f"{20 + 80 * (v - low) / span:.0f}%" if v is not None else "2px" for v in values]
    spoken = ", ".join(
        f"{p}: {amount(v, m.unit_kind, m.unit_label)}" for p, v in zip(periods, values, strict=True)
    )
    style = {
        "backgroundImage": ", ".join(SPARK_MISSING if v is None else SPARK_BAR for v in values),
        "backgroundSize": ", ".join(f"{width:.1f}% {h}" for h in heights),
        # Evenly from the left edge to the right one, standing on the bottom.
        "backgroundPosition": ", ".join(f"{100 * i / (n - 1) if n > 1 else 0:.0f}% 100%" for i in range(n)),
    }
    return html.Span(className="sparkline", role="img", style=style, **aria(label=f"Last periods: {spoken}"))


def trend(m: MeasureStatus) -> html.Span:
    if not m.trend:
        return html.Span("Not enough data", className="text-body-secondary small")
    return html.Span(
        [
            sparkline(m.window, m.window_periods, m),
            " ",
            html.Span(fmt.TREND_TEXT[m.trend], **icon(fmt.TREND_ICON[m.trend])),
        ],
        className="text-nowrap",
    )


def measure_link(
    m: MeasureStatus, period: str | None = None, href: Callable[[MeasureStatus], str] | None = None
) -> dcc.Link:
    if href is not None:
        return dcc.Link(m.name, href=href(m))
    query = f"?{urlencode({'period': period})}" if period else ""
    return dcc.Link(m.name, href=f"/measures/{m.code}{query}")


COLUMNS = ("value", "target", "status", "score", "trend")
_HEADINGS = {
    "department": "Department",
    "value": "Value",
    "target": "Target",
    "status": "Status",
    "score": "Score",
    "trend": "Trend",
}


def _cell(m: MeasureStatus, column: str) -> html.Td:
    # data-label: on a phone each row becomes a card, and each cell says what it is (assets/aim.css).
    label: dict[str, Any] = {"data-label": _HEADINGS[column]}
    if column == "department":
        return html.Td(dcc.Link(m.department_name, href=f"/departments/{m.department_code}"), **label)
    if column == "value":
        return html.Td(amount(m.actual, m.unit_kind, m.unit_label), className="text-end text-nowrap", **label)
    if column == "target":
        has_target = m.target is not None or m.target_low is not None
        return html.Td(target_text(m) if has_target else "\u2014", className="text-end text-nowrap", **label)
    if column == "status":
        return html.Td(measure_status(m), className="status-cell", **label)
    if column == "score":
        return html.Td(fmt.score(m.score), className="text-end", **label)
    return html.Td(trend(m), **label)


def measure_table(
    measures: Sequence[MeasureStatus],
    *,
    caption: str,
    period: str | None = None,
    show_department: bool = False,
    columns: Sequence[str] = COLUMNS,
    href: Callable[[MeasureStatus], str] | None = None,
) -> html.Div:
    """Measures with the chosen columns (value, target, status, score, trend); the caption names it.
    `href` gives each measure's link when it is not the public measure page (internal measures)."""
    columns = (("department",) if show_department else ()) + tuple(columns)
    head = ["Measure"] + [_HEADINGS[c] for c in columns]
    rows = [
        html.Tr([html.Th(measure_link(m, period, href), scope="row")] + [_cell(m, c) for c in columns])
        for m in measures
    ]
    return html.Div(
        dbc.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
                html.Tbody(rows),
            ],
            hover=True,
            size="sm",
            className="align-middle measure-table",
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **aria(label=caption),
    )


#: The value of an "any" choice in a filter. dbc.Select reserves "" for its hidden placeholder.
ANY = "all"


def select(name: str, label: str, options: Sequence[tuple[str, str]], value: str, *, id: str) -> html.Div:  # noqa: A002
    """A labelled native <select> inside a GET form: its value goes into the URL on submit."""
    return html.Div(
        [
            dbc.Label(label, html_for=id, className="form-label small mb-1"),
            dbc.Select(
                id=id,
                name=name,
                value=value or ANY,
                size="sm",
                options=[{"label": t, "value": v or ANY} for v, t in options],
            ),
        ],
        className="me-2 mb-2",
    )


def filter_form(
    action: str, fields: list, *, submit: str = "Apply", hidden: dict[str, str] | None = None, label: str
) -> html.Form:
    """A GET form: choosing filters and pressing the button changes the URL, so every view can be
    shared and the back button returns to the previous one. An explicit button, not a change
    event, because changing a select must not move the reader somewhere unexpected (WCAG 3.2.2)."""
    hidden_inputs = [dcc.Input(type="hidden", name=k, value=v) for k, v in (hidden or {}).items() if v]
    return html.Form(
        [
            html.Div(
                fields
                + [html.Div(dbc.Button(submit, type="submit", color="primary", size="sm"), className="mb-2")]
                + hidden_inputs,
                className="d-flex flex-wrap align-items-end",
            )
        ],
        action=action,
        method="get",
        role="search",
        **aria(label=label),
    )


def _components(tree: Any):
    """Every component of a built page, parents before their children (a parent's children may be
    changed by the caller before they are visited)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
            continue
        if not hasattr(node, "_prop_names"):
            continue  # text, numbers, None
        yield node
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str | int | float):
            stack.append(children)


def keep_in_forms(tree: Any, name: str, value: str) -> None:
    """Add a hidden field to every filter and period form (filter_form's) in a built page, so that
    submitting one keeps `name` in the URL (a page as published on a day stays on that day)."""
    for node in _components(tree):
        if isinstance(node, html.Form) and getattr(node, "role", None) == "search":
            node.children = [*_as_list(node.children), dcc.Input(type="hidden", name=name, value=value)]


#: The public pages that show figures as published on a day (`?as_of=`).
AS_OF_PATH = re.compile(r"^/(measures(/[^/]+)?|departments(/[^/]+)?|priorities/[^/]+(/narratives)?)?$")


def keep_in_links(tree: Any, name: str, value: str, paths: re.Pattern[str] = AS_OF_PATH) -> None:
    """Set `name=value` in every link of a built page to a page `paths` matches, so that following
    one keeps it (from a page as published on a day, the measure it lists as published that day)."""
    for node in _components(tree):
        href = getattr(node, "href", None)
        if not isinstance(href, str) or not href.startswith("/") or href.startswith("//"):
            continue
        parts = urlsplit(href)
        if paths.match(parts.path):
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
            node.href = urlunsplit(("", "", parts.path, urlencode([*query, (name, value)]), parts.fragment))


def _as_list(children: Any) -> list:
    if children is None:
        return []
    return list(children) if isinstance(children, list | tuple) else [children]


def money(value) -> str:
    return "\u2014" if value is None else f"${number(float(value), 0)}"
