"""The printable briefing: the index over time, then for each priority its index, what changed and
its exceptions with their charts and the departments' explanations. assets/aim.css holds its print
stylesheet (no navigation or controls, no table cut inside a scroll box, a page break before each
priority); the "Print or save as PDF" button is wired in assets/print.js (no callback needed)."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.explain import amount, status_reason
from aim.follow_up_schemas import FollowUpView
from aim.schemas import Briefing, BriefingSection, MeasureStatus, PeriodOption, SiteInfo
from layouts import format as fmt
from layouts import ids
from layouts.components import (
    aria,
    demonstration_notice,
    filter_form,
    select,
    sparkline,
    status_badge,
    status_counts,
)
from layouts.public.narrative import briefing_block as narrative_block
from layouts.staff.follow_ups import panel as follow_up_panel
from layouts.staff.review import (
    CHANGE_HEAD,
    CHANGE_TITLES,
    COMPARE_TEXT,
    change_rows,
    index_section,
    measure_href,
    table,
)

TITLE = "Briefing"


def skeleton() -> html.Div:
    return html.Div(html.H1(TITLE))


def _exception(m: MeasureStatus, section: BriefingSection, period: str) -> html.Article:
    explanation = section.explanations.get(m.code)
    heading_id = f"exception-{section.slug}-{m.code}"
    values = "; ".join(
        f"{label}: {amount(v, m.unit_kind, m.unit_label)}"
        for label, v in zip(m.window_periods, m.window, strict=True)
    )
    return html.Article(
        [
            html.H4(
                [dcc.Link(m.name, href=measure_href(m, period)), " ", status_badge(m.status)],
                className="h6 mb-1",
                id=heading_id,
            ),
            html.P(
                [f"{m.department_name}. ", status_reason(m)],
                className="small mb-1",
            ),
            html.Div(
                [
                    sparkline(m.window, m.window_periods, m)
                    if any(v is not None for v in m.window)
                    else None,
                    html.Span(
                        f" Trend {fmt.TREND_TEXT[m.trend].lower()}. " if m.trend else " ",
                        className="small",
                    ),
                    html.Span(f"Last periods: {values}.", className="small text-body-secondary"),
                ],
                className="mb-1",
            ),
            html.P(
                [html.Span(f"Explanation ({explanation.label}): ", className="fw-semibold"), explanation.text]
                if explanation
                else html.Span("No explanation given.", className="text-body-secondary"),
                className="small mb-0",
            ),
        ],
        className="exception border-start border-3 ps-2 mb-3",
        **aria(labelledby=heading_id),
    )


def _section(section: BriefingSection, period: str, follow_ups: Sequence[FollowUpView] = ()) -> html.Section:
    heading_id = f"briefing-{section.slug}"
    return html.Section(
        [
            html.H2(section.title, className="h4", id=heading_id),
            html.P(
                [
                    "Index ",
                    html.Strong(fmt.score(section.index)),
                    f"; {len(section.exceptions)} exceptions (off track or at risk).",
                ]
            ),
            status_counts(section.counts.as_dict(), label=f"Measures by status: {section.title}"),
            html.H3("The Mayor's Office's narrative", className="h5 mt-3"),
            narrative_block(section.narrative),
            html.H3("What changed", className="h5 mt-3"),
            table(
                f"What changed: {section.title}",
                CHANGE_HEAD,
                change_rows(section.changes, period),
            )
            if section.changes
            else html.P("Nothing changed.", className="text-body-secondary"),
            html.H3("Exceptions", className="h5 mt-3"),
            *[_exception(m, section, period) for m in section.exceptions],
            html.P("No measure is off track or at risk.", className="text-body-secondary")
            if not section.exceptions
            else None,
            follow_up_panel(
                [f for f in follow_ups if section.slug in f.priority_slugs],
                "Open follow-ups",
                heading_id=f"briefing-follow-ups-{section.slug}",
                level=3,
                landmark=False,
                caption=f"Open follow-ups: {section.title}",
            ),
        ],
        className="briefing-section",
        **aria(labelledby=heading_id),
    )


def _summary(brief: Briefing) -> html.Div:
    rows = [
        html.Tr(
            [
                html.Th(CHANGE_TITLES[kind], scope="row"),
                html.Td(
                    str(sum(1 for s in brief.sections for r in s.changes if r.kind == kind)),
                    className="text-end",
                ),
            ]
        )
        for kind in CHANGE_TITLES
    ]
    return table("Changes, counted once per priority", ("Change", "Measures"), rows)


def build(
    brief: Briefing,
    periods: Sequence[PeriodOption],
    site: SiteInfo,
    notice: str | None,
    chosen_priority: str,
    compare: str,
    follow_ups: Sequence[FollowUpView] = (),
) -> html.Div:
    options = [(p.key, p.label) for p in periods]
    if brief.period not in {k for k, _ in options}:
        options = [(brief.period, brief.period_label), *options]
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.H1(f"{TITLE}: {brief.period_label}"),
            html.P(
                [
                    f"Compared with {brief.compare_label}. Citywide index ",
                    html.Strong(fmt.score(brief.index)),
                    f". Prepared {brief.as_of:%d %B %Y} from published figures; internal measures included.",
                ],
                className="lead",
            ),
            html.Div(
                [
                    filter_form(
                        "/briefing",
                        [
                            select("period", "Period", options, brief.period, id=ids.REVIEW_PERIOD),
                            select(
                                "priority",
                                "Priority",
                                [("", "Every priority"), *brief.priorities],
                                chosen_priority,
                                id=ids.REVIEW_PRIORITY,
                            ),
                            select(
                                "compare",
                                "Compare with",
                                list(COMPARE_TEXT.items()),
                                compare,
                                id=ids.REVIEW_COMPARE,
                            ),
                        ],
                        submit="Show",
                        label="Choose the briefing",
                    ),
                    html.Button(
                        "Print or save as PDF",
                        id=ids.PRINT_BUTTON,
                        type="button",
                        className="btn btn-outline-primary mb-3",
                    ),
                ],
                className="d-print-none",
            ),
            status_counts(brief.counts.as_dict(), label="All measures by status"),
            html.H2("Index over time", className="h4 mt-3"),
            index_section(
                brief.index_series, brief.priorities, "Index over time", graph_id=ids.BRIEFING_CHART
            ),
            _summary(brief),
            *[_section(s, brief.period, follow_ups) for s in brief.sections],
        ],
        className="briefing",
    )
