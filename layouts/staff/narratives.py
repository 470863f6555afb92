"""The staff page of priority narratives (/review-room/narratives): every priority's narrative for a
period at a glance, and the chosen one's form (the Mayor's Office drafts and publishes) with every
version kept. Pure builders of aim.schemas view models; text is always shown as text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.schemas import NarrativeDesk, NarrativeRow, NarrativeVersion, PeriodOption, SiteInfo
from layouts import ids
from layouts.components import aria, demonstration_notice, filter_form, select
from layouts.public.narrative import paragraphs
from layouts.staff.review import query_string, table

TITLE = "Priority narratives"
PATH = "/review-room/narratives"


def skeleton() -> html.Div:
    """The ids the write callback needs, for Dash's validation layout."""
    return html.Div(
        [
            html.H1(TITLE),
            html.Div(id=ids.NARRATIVE_MESSAGE),
            html.Div(id=ids.NARRATIVE_STATE),
            html.Div(id=ids.NARRATIVE_HISTORY),
            html.Div(id=ids.NARRATIVE_SEEING_ERROR),
            html.Div(id=ids.NARRATIVE_DOING_ERROR),
            dcc.Textarea(id=ids.NARRATIVE_SEEING),
            dcc.Textarea(id=ids.NARRATIVE_DOING),
            dcc.Store(id=ids.NARRATIVE_STORE),
            html.Button(id=ids.NARRATIVE_SAVE),
            html.Button(id=ids.NARRATIVE_PUBLISH),
        ]
    )


def _when(at: datetime | None) -> str:
    return f"{at:%d %B %Y, %H:%M} UTC" if at else ""


def state_text(latest: NarrativeVersion | None, published: NarrativeVersion | None, slug: str) -> html.Div:
    """Where the chosen narrative stands, in words: what the public sees and what is in progress."""
    public = (
        html.P(
            [
                f"Public: version {published.version}, published {_when(published.published_at)} by "
                f"{published.published_by}. ",
                dcc.Link("See it on the priority page", href=f"/priorities/{slug}"),
                ".",
            ],
            className="mb-1",
        )
        if published
        else html.P("Nothing is published for this period yet.", className="mb-1")
    )
    if latest is not None and latest.state == "draft":
        progress = html.P(
            [
                html.Span("Draft", className="badge text-bg-warning me-1"),
                f"Version {latest.version}, saved {_when(latest.updated_at)} by {latest.updated_by}; "
                "not public until it is published.",
            ],
            className="mb-1",
        )
    else:
        progress = None
    return html.Div([public, progress], className="mb-2")


def history(versions: Sequence[NarrativeVersion]) -> html.Div | html.P:
    if not versions:
        return html.P("No version yet.", className="text-body-secondary")
    rows = [
        html.Tr(
            [
                html.Th(f"Version {v.version}", scope="row", className="text-nowrap"),
                html.Td("Published" if v.state == "published" else "Draft"),
                html.Td(
                    _when(v.published_at if v.state == "published" else v.updated_at),
                    className="small text-nowrap",
                ),
                html.Td(v.published_by if v.state == "published" else v.updated_by, className="small"),
                html.Td(paragraphs(v.seeing), className="small"),
                html.Td(paragraphs(v.doing), className="small"),
            ]
        )
        for v in versions
    ]
    return table(
        "Every version, the latest first (a published version is never changed)",
        ("Version", "State", "When", "By", "What we are seeing", "What we are doing"),
        rows,
    )


def _overview(desk: NarrativeDesk) -> html.Div:
    def words(row: NarrativeRow) -> str:
        if not row.state:
            return "Not written"
        if row.state == "draft":
            before = f"; {row.published_versions} published before it" if row.published_versions else ""
            return f"Draft of version {row.version}{before}"
        return f"Published (version {row.version})"

    rows = [
        html.Tr(
            [
                html.Th(
                    dcc.Link(row.title, href=PATH + query_string(period=desk.period, priority=row.slug)),
                    scope="row",
                ),
                html.Td(words(row)),
            ],
            className="table-active" if row.slug == desk.priority_slug else None,
        )
        for row in desk.overview
    ]
    return table(f"Narratives for {desk.period_label}", ("Priority", "Narrative"), rows)


def _field(label: str, hint: str, component_id: str, error_id: str, value: str, disabled: bool):
    # dcc.Textarea takes no aria-describedby: the hint is part of the label, so it is read with it.
    return html.Div(
        [
            dbc.Label(
                [
                    html.Span(label, className="fw-semibold d-block"),
                    html.Span(hint, className="small text-body-secondary"),
                ],
                html_for=component_id,
            ),
            dcc.Textarea(
                id=component_id,
                value=value,
                className="form-control",
                rows=5,
                maxLength=2000,
                disabled=disabled,
            ),
            html.Div(id=error_id, className="invalid-feedback d-block", role="alert"),
        ],
        className="mb-3",
    )


def _form(desk: NarrativeDesk) -> html.Div:
    latest = desk.latest
    store = {
        "priority": desk.priority_slug,
        "period": desk.period,
        "version": latest.version if latest else None,
        "revision": latest.revision if latest else None,
    }
    disabled = not desk.may_write
    return html.Div(
        [
            _field(
                "What we are seeing",
                "What the figures show for this priority in the period, in plain words.",
                ids.NARRATIVE_SEEING,
                ids.NARRATIVE_SEEING_ERROR,
                latest.seeing if latest else "",
                disabled,
            ),
            _field(
                "What we are doing",
                "What the city is doing about it, and what residents can expect next.",
                ids.NARRATIVE_DOING,
                ids.NARRATIVE_DOING_ERROR,
                latest.doing if latest else "",
                disabled,
            ),
            dcc.Store(id=ids.NARRATIVE_STORE, data=store),
            html.Div(
                [
                    html.Button(
                        "Save draft",
                        id=ids.NARRATIVE_SAVE,
                        type="button",
                        className="btn btn-outline-primary",
                        disabled=disabled,
                    ),
                    html.Button(
                        "Publish",
                        id=ids.NARRATIVE_PUBLISH,
                        type="button",
                        className="btn btn-primary",
                        disabled=disabled,
                        **aria(describedby="narrative-publish-hint"),
                    ),
                ],
                className="d-flex gap-2",
            ),
            html.P(
                "Publishing saves the text above and shows it on the public priority page, signed "
                "\u201cMayor's Office\u201d. Editing a published narrative starts a new version; the "
                "published one stays public until the new one is published.",
                id="narrative-publish-hint",
                className="small text-body-secondary mt-2",
            ),
            None
            if desk.may_write
            else dbc.Alert(
                "Narratives are written and published by the Mayor's Office; you may read them here.",
                color="info",
                className="mt-2",
            ),
        ]
    )


def build(
    desk: NarrativeDesk, periods: Sequence[PeriodOption], site: SiteInfo, notice: str | None = None
) -> html.Div:
    options = [(p.key, p.label) for p in periods]
    if desk.period not in {k for k, _ in options}:
        options = [(desk.period, desk.period_label), *options]
    heading = f"{desk.priority_title}: {desk.period_label}" if desk.priority_slug else "No priorities"
    return html.Div(
        [
            demonstration_notice(site),
            dbc.Alert(notice, color="warning") if notice else None,
            html.Nav(
                html.Ol(
                    [
                        html.Li(
                            dcc.Link("Review room", href="/review-room" + query_string(period=desk.period)),
                            className="breadcrumb-item",
                        ),
                        html.Li(TITLE, className="breadcrumb-item active", **aria(current="page")),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1(TITLE),
            html.P(
                "The Mayor's Office's account of each priority for a period: what we are seeing, and "
                "what we are doing. Drafts are seen only here; a published one appears on the public "
                "priority page and in the briefing.",
                className="lead",
            ),
            html.Div(
                filter_form(
                    PATH,
                    [
                        select("period", "Period", options, desk.period, id=ids.NARRATIVE_PERIOD),
                        select(
                            "priority",
                            "Priority",
                            [(row.slug, row.title) for row in desk.overview],
                            desk.priority_slug,
                            id=ids.NARRATIVE_PRIORITY,
                        ),
                    ],
                    submit="Show",
                    label="Choose the narrative",
                ),
                className="d-print-none",
            ),
            _overview(desk),
            html.Section(
                [
                    html.H2(heading, className="h4 mt-3", id="narrative-heading"),
                    html.Div(
                        state_text(desk.latest, desk.published, desk.priority_slug), id=ids.NARRATIVE_STATE
                    ),
                    html.Div(id=ids.NARRATIVE_MESSAGE, role="status", **aria(live="polite")),
                    _form(desk) if desk.priority_slug else None,
                    html.H3("History", className="h5 mt-4"),
                    html.Div(history(desk.history), id=ids.NARRATIVE_HISTORY),
                ],
                **aria(labelledby="narrative-heading"),
            ),
        ]
    )
