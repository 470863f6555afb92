"""The Mayor's Office's narrative on the public priority page, and the page of its earlier published
versions (/priorities/<slug>/narratives). Published versions only ever reach these builders; the
text is shown as text (paragraphs split on blank lines), never as markup."""

from __future__ import annotations

from datetime import datetime

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from aim.schemas import NarrativeHistory, PublishedNarrative, SiteInfo
from layouts.components import aria, demonstration_notice


def skeleton() -> html.Div:
    return html.Div(html.H1("Narratives"))


def paragraphs(text: str) -> list[html.P]:
    """Blank lines separate paragraphs; a single line break stays one (CSS white-space: pre-line)."""
    parts = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n")]
    return [html.P(p, className="narrative-text mb-2") for p in parts if p]


def _date(at: datetime) -> str:
    return f"{at:%d %B %Y}".lstrip("0")


def history_href(slug: str) -> str:
    return f"/priorities/{slug}/narratives"


def _body(n: PublishedNarrative, level: int) -> list:
    heading = html.H3 if level == 3 else html.H4
    return [
        heading("What we are seeing", className="h6 mt-2"),
        *paragraphs(n.seeing),
        heading("What we are doing", className="h6 mt-2"),
        *paragraphs(n.doing),
    ]


def byline(n: PublishedNarrative) -> html.P:
    return html.P(
        [
            html.Span(n.author, className="fw-semibold"),
            f" \u00b7 on {n.period_label} \u00b7 published {_date(n.published_at)}",
            f" (version {n.version})" if n.version > 1 else "",
        ],
        className="small text-body-secondary mb-2 narrative-byline",
    )


def section(n: PublishedNarrative | None) -> html.Section | None:
    """The narrative on the priority page: nothing at all when none is published."""
    if n is None:
        return None
    return html.Section(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2("From the Mayor's Office", className="h5", id="narrative"),
                    byline(n),
                    *_body(n, 3),
                    html.P(
                        dcc.Link("Earlier accounts and versions", href=history_href(n.priority_slug)),
                        className="small mb-0",
                    ),
                ]
            ),
            className="narrative mb-3",
        ),
        **aria(labelledby="narrative"),
    )


def briefing_block(n: PublishedNarrative | None) -> html.Div | html.P:
    """The published narrative inside a briefing section (the briefing is staff-only, but it shows
    what the public sees: published text only)."""
    if n is None:
        return html.P("No narrative is published for this period.", className="text-body-secondary small")
    return html.Div([byline(n), *_body(n, 4)], className="narrative border-start border-3 ps-2 mb-3")


def not_found(slug: str) -> html.Div:
    return html.Div(
        [
            html.H1("Priority not found"),
            html.P(f"There is no priority {slug!r}."),
            dcc.Link("Back to the home page", href="/"),
        ]
    )


def build_history(history: NarrativeHistory, site: SiteInfo) -> html.Div:
    slug = history.priority_slug
    articles: list[Component] = [
        html.Article(
            [
                html.H2(
                    f"{n.period_label}" + (f", version {n.version}" if n.version > 1 else ""),
                    className="h5",
                    id=f"narrative-{n.period}-{n.version}",
                ),
                byline(n),
                *_body(n, 3),
            ],
            className="border-bottom pb-2 mb-3",
            **aria(labelledby=f"narrative-{n.period}-{n.version}"),
        )
        for n in history.versions
    ]
    nothing: Component = html.P("Nothing has been published yet.", className="text-body-secondary")
    return html.Div(
        [
            demonstration_notice(site),
            html.Nav(
                html.Ol(
                    [
                        html.Li(dcc.Link("Home", href="/"), className="breadcrumb-item"),
                        html.Li(
                            dcc.Link(history.priority_title, href=f"/priorities/{slug}"),
                            className="breadcrumb-item",
                        ),
                        html.Li("Narratives", className="breadcrumb-item active", **aria(current="page")),
                    ],
                    className="breadcrumb",
                ),
                **aria(label="Breadcrumb"),
            ),
            html.H1(f"{history.priority_title}: what the Mayor's Office says"),
            html.P(
                "Every account the Mayor's Office has published for this priority, the latest first. "
                "A published account is never changed; a later version replaces it on the priority page "
                "and is listed here with it.",
                className="lead",
            ),
            *(articles or [nothing]),
        ]
    )
