"""The pages that list measures: a priority's, and the browse-and-search page. Both share the
filter form and the department-grouped tables."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.explain import FREQUENCY_WORDS, priority_summary
from aim.schemas import (
    MeasureFilter,
    MeasureStatus,
    Named,
    PeriodOption,
    PriorityScore,
    PublishedNarrative,
    SiteInfo,
)
from layouts import format as fmt
from layouts import ids
from layouts.components import aria, demonstration_notice, filter_form, measure_table, select, status_counts
from layouts.public.narrative import section as narrative_section

SORT_OPTIONS = [
    ("department", "Department"),
    ("name", "Name"),
    ("status", "Status, worst first"),
    ("score", "Score, lowest first"),
    ("change", "Biggest change from a year earlier"),
]
STATUS_OPTIONS = [("", "Any status")] + [
    (s, fmt.STATUS_TEXT[s]) for s in ("on_track", "at_risk", "off_track", "no_target", "no_data", "stale")
]
FREQUENCY_OPTIONS = [("", "Any frequency")] + [
    (f, FREQUENCY_WORDS[f]) for f in ("monthly", "quarterly", "annual")
]


def _filters(
    wanted: MeasureFilter,
    departments: Sequence[Named],
    periods: Sequence[PeriodOption],
    period: str,
    priorities: Sequence[tuple[str, str]] | None = None,
) -> list:
    fields = []
    if priorities is not None:
        fields.append(
            select(
                "priority",
                "Priority",
                [("", "Any priority")] + list(priorities),
                wanted.priority,
                id=ids.FILTER_PRIORITY,
            )
        )
    fields += [
        select(
            "department",
            "Department",
            [("", "Any department")] + [(d.code, d.name) for d in departments],
            wanted.department,
            id=ids.FILTER_DEPARTMENT,
        ),
        select("status", "Status", STATUS_OPTIONS, wanted.status, id=ids.FILTER_STATUS),
        select("frequency", "Updated", FREQUENCY_OPTIONS, wanted.frequency, id=ids.FILTER_FREQUENCY),
        select("sort", "Sort by", SORT_OPTIONS, wanted.sort, id=ids.FILTER_SORT),
        select(
            "period",
            "Period",
            [(p.key, p.label) for p in periods] or [(period, period)],
            period,
            id=ids.PERIOD_SELECT,
        ),
    ]
    return fields


def _grouped(measures: Sequence[MeasureStatus], period: str, grouped: bool) -> list:
    if not measures:
        return [dbc.Alert("No measures match these filters.", color="info")]
    if not grouped:
        return [measure_table(measures, caption="Measures", period=period, show_department=True)]
    sections: list = []
    by_department: dict[tuple[str, str], list[MeasureStatus]] = {}
    for m in measures:
        by_department.setdefault((m.department_code, m.department_name), []).append(m)
    for (code, name), group in by_department.items():
        sections.append(
            html.Section(
                [
                    html.H2(dcc.Link(name, href=f"/departments/{code}?period={period}"), className="h4 mt-4"),
                    measure_table(group, caption=f"{name}: {len(group)} measures", period=period),
                ]
            )
        )
    return sections


#: Measures per page of a list: a phone shows them as cards, and 174 cards are 22,000 px.
PAGE_SIZE = 25


def page_count(found: int) -> int:
    return max(1, -(-found // PAGE_SIZE))


def _pager(base: str, query: dict[str, str], page: int, pages: int, found: int) -> html.Nav | None:
    """Previous and next pages of a long list, as links that keep every filter in the URL."""
    if pages <= 1:
        return None

    def href(number: int) -> str:
        return f"{base}?{urlencode({**{k: v for k, v in query.items() if v}, 'page': number})}"

    first, last = (page - 1) * PAGE_SIZE + 1, min(page * PAGE_SIZE, found)
    items = [
        html.Li(
            dcc.Link("\u2190 Previous", href=href(page - 1), className="page-link")
            if page > 1
            else html.Span("\u2190 Previous", className="page-link"),
            className="page-item" + ("" if page > 1 else " disabled"),
        ),
        html.Li(
            html.Span(f"Page {page} of {pages} ({first}\u2013{last})", className="page-link text-body"),
            className="page-item",
            **aria(current="page"),
        ),
        html.Li(
            dcc.Link("Next \u2192", href=href(page + 1), className="page-link")
            if page < pages
            else html.Span("Next \u2192", className="page-link"),
            className="page-item" + ("" if page < pages else " disabled"),
        ),
    ]
    return html.Nav(html.Ul(items, className="pagination flex-wrap mt-3"), **aria(label="Pages of the list"))


def _page_of(measures: list[MeasureStatus], page: int) -> list[MeasureStatus]:
    return measures[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]


def _query(wanted: MeasureFilter, period: str, *, with_priority: bool) -> dict[str, str]:
    fields = ["q", "priority"] if with_priority else []
    fields += ["department", "status", "frequency"]
    query = {f: getattr(wanted, f) for f in fields}
    if wanted.sort != "department":
        query["sort"] = wanted.sort
    return {**query, "period": period}


def _count(shown: int, total: int) -> html.P:
    return html.P(
        f"{shown} of {total} measures shown.",
        id=ids.RESULT_COUNT,
        role="status",
        className="text-body-secondary",
    )


def build_priority(
    priority: PriorityScore,
    measures: list[MeasureStatus],
    all_measures: list[MeasureStatus],
    wanted: MeasureFilter,
    departments: Sequence[Named],
    periods: Sequence[PeriodOption],
    period: str,
    period_label: str,
    site: SiteInfo,
    notice: str | None = None,
    page: int = 1,
    narrative: PublishedNarrative | None = None,
) -> html.Div:
    key = [m for m in all_measures if m.is_key]
    pages = page_count(len(measures))
    page = min(max(page, 1), pages)
    pager = _pager(
        f"/priorities/{priority.slug}",
        _query(wanted, period, with_priority=False),
        page,
        pages,
        len(measures),
    )
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.Nav(
                html.Ol(
                    [
                        html.Li(dcc.Link("Home", href=f"/?period={period}"), className="breadcrumb-item"),
                        html.Li("Priority", className="breadcrumb-item active", **aria(current="page")),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1(priority.title),
            html.P(priority.description) if priority.description else None,
            html.P(
                [
                    f"{period_label}: index ",
                    html.Strong(fmt.score(priority.index)),
                    ". ",
                    priority_summary(key),
                ],
                className="lead",
            ),
            status_counts(
                priority.counts.as_dict(),
                label=f"Measures by status: {priority.title}",
                link=f"/priorities/{priority.slug}",
                period=period,
            ),
            narrative_section(narrative),
            html.H2("Measures", className="h4 mt-4"),
            filter_form(
                f"/priorities/{priority.slug}",
                _filters(wanted, departments, periods, period),
                label="Filter the measures",
            ),
            _count(len(measures), len(all_measures)),
            *_grouped(_page_of(measures, page), period, grouped=wanted.sort == "department"),
            pager,
        ]
    )


def build_browse(
    measures: list[MeasureStatus],
    total: int,
    wanted: MeasureFilter,
    departments: Sequence[Named],
    priorities: Sequence[tuple[str, str]],
    periods: Sequence[PeriodOption],
    period: str,
    period_label: str,
    site: SiteInfo,
    notice: str | None = None,
    corrected: dict[str, str] | None = None,
    page: int = 1,
) -> html.Div:
    pages = page_count(len(measures))
    page = min(max(page, 1), pages)
    pager = _pager("/measures", _query(wanted, period, with_priority=True), page, pages, len(measures))
    search = html.Div(
        [
            dbc.Label(
                "Search names and definitions", html_for=ids.SEARCH_TEXT, className="form-label small mb-1"
            ),
            dbc.Input(id=ids.SEARCH_TEXT, name="q", type="search", value=wanted.q, size="sm", maxLength=200),
        ],
        className="me-2 mb-2",
    )
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.H1("All measures"),
            html.P(f"Every public measure, with its status for {period_label}.", className="lead"),
            filter_form(
                "/measures",
                [search] + _filters(wanted, departments, periods, period, priorities),
                submit="Search",
                label="Search and filter measures",
            ),
            _spelling(corrected or {}),
            _count(len(measures), total),
            _downloads(wanted, period),
            *_grouped(_page_of(measures, page), period, grouped=wanted.sort == "department"),
            pager,
        ]
    )


def _downloads(wanted: MeasureFilter, period: str) -> html.P:
    """This list, with its filters and period, as CSV and as an Excel workbook."""
    query = urlencode({k: v for k, v in {**wanted.model_dump(), "period": period}.items() if v})
    return html.P(
        [
            "Download this list: ",
            html.A("CSV", href=f"/downloads/measures.csv?{query}"),
            " \u00b7 ",
            html.A("Excel", href=f"/downloads/measures.xlsx?{query}"),
        ],
        className="small",
    )


def _spelling(corrected: dict[str, str]) -> html.P | None:
    """Say which typed words were read as other words, so a surprising result explains itself."""
    if not corrected:
        return None
    read = "; ".join(f"\u201c{typed}\u201d as \u201c{word}\u201d" for typed, word in corrected.items())
    return html.P(f"Nothing matched as typed, so the search read {read}.", className="small mb-1")


def skeleton() -> html.Div:
    return html.Div(html.H1("Measures"))
