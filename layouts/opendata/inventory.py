"""The data inventory (/data/inventory) and the community's requests (/data/requests). Everything
a member of the public typed is shown as text: never Markdown, never HTML."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.opendata import (
    ANSWER_TEXT,
    CLASSIFICATION_TEXT,
    FREQUENCY_TEXT,
    RELEASE_TEXT,
    InventoryEntry,
    RequestView,
)
from aim.schemas import SiteInfo
from layouts.components import aria, demonstration_notice
from layouts.opendata.catalog import breadcrumb, section_nav, table, when

SECTION_TEXT = {
    "published": "Published: served in the catalog, or linked from it.",
    "planned": "Planned: in the order the city means to release them (priority, then the public's support).",
    "under_review": "Under review: the city is deciding whether and how they can be released.",
    "will_not_release": "Will not be released, and why.",
}
ANSWER_CLASS = {
    "open": "text-bg-light border",
    "planned": "text-bg-info",
    "released": "text-bg-success",
    "declined": "text-bg-secondary",
}
REQUEST_FORM = "/data/requests/new"


def skeleton() -> html.Div:
    return html.Div(html.H1("Data inventory"))


def _name(entry: InventoryEntry) -> str | dcc.Link:
    if entry.release_status == "published":
        return dcc.Link(entry.name, href=f"/data/{entry.slug}")
    return entry.name


def _support(entry: InventoryEntry) -> str | html.Span:
    if entry.release_status not in ("planned", "under_review"):
        return str(entry.support) if entry.support else "\u2014"
    return html.Span(
        [
            f"{entry.support} ",
            html.A(
                "Support",
                href=f"{REQUEST_FORM}?asset={entry.slug}",
                className="btn btn-sm btn-outline-primary ms-1",
                **aria(label=f"Support the release of {entry.name}"),
            ),
        ]
    )


def _row(entry: InventoryEntry) -> html.Tr:
    details: list = (
        [entry.description, html.Br(), html.Small(f"System of record: {entry.system_of_record}")]
        if entry.restricted_details and entry.system_of_record
        else [entry.description]
        if entry.restricted_details
        else [html.Em("Details are restricted.")]
    )
    return html.Tr(
        [
            html.Th(_name(entry), scope="row"),
            html.Td(entry.steward or "\u2014"),
            html.Td(details),
            html.Td(CLASSIFICATION_TEXT[entry.classification]),
            html.Td(
                [RELEASE_TEXT[entry.release_status]]
                + ([html.Br(), html.Small(entry.status_reason)] if entry.status_reason else [])
            ),
            html.Td(FREQUENCY_TEXT.get(entry.update_frequency, entry.update_frequency)),
            html.Td(str(entry.priority)),
            html.Td(_support(entry)),
        ]
    )


HEADERS = (
    "Data asset",
    "Steward",
    "What it holds",
    "Classification",
    "Status",
    "Updated",
    "Priority",
    "Support",
)


def build_inventory(entries: Sequence[InventoryEntry], site: SiteInfo) -> html.Div:
    sections = []
    for status, intro in SECTION_TEXT.items():
        group = [e for e in entries if e.release_status == status]
        heading = f"inventory-{status}"
        sections.append(
            html.Section(
                [
                    html.H2(f"{RELEASE_TEXT[status]} ({len(group)})", id=heading, className="h4 mt-4"),
                    html.P(intro, className="text-body-secondary"),
                    table(f"{RELEASE_TEXT[status]} data assets", HEADERS, [_row(e) for e in group])
                    if group
                    else html.P("None.", className="text-body-secondary"),
                ],
                **aria(labelledby=heading),
            )
        )
    return html.Div(
        [
            demonstration_notice(site),
            breadcrumb(("Open data", "/data"), ("Data inventory", None)),
            html.H1("Data inventory"),
            section_nav("/data/inventory"),
            html.P(
                "The city's formal list of its data: what is published, what is planned, what is under "
                "review and what will not be released. Priority 1 is released first; within a priority, "
                "the entries the public supports most come first.",
                className="lead",
            ),
            html.P(
                [
                    "Missing something? ",
                    html.A("Ask for a dataset", href=REQUEST_FORM),
                    ", or press Support beside a planned entry.",
                ]
            ),
            *sections,
        ]
    )


def requests_skeleton() -> html.Div:
    return html.Div(html.H1("Data requests"))


def answer_badge(status: str) -> html.Span:
    return html.Span(ANSWER_TEXT[status], className=f"badge {ANSWER_CLASS[status]}")


def _request(r: RequestView) -> html.Article:
    heading = f"request-{r.id}"
    subject = (
        html.P(["Supports: ", dcc.Link(r.asset_name, href="/data/inventory")], className="small mb-1")
        if r.asset_name
        else None
    )
    answer = [html.H3("The city's answer", className="h6 mt-2 mb-1"), answer_badge(r.answer_status)]
    if r.answer:
        answer.append(html.P(r.answer, className="mb-1 mt-1 pre-wrap"))
    if r.answer_url:
        answer.append(html.P(html.A("The released data", href=r.answer_url), className="mb-0"))
    if r.answered_at:
        answer.append(html.P(f"Answered {when(r.answered_at)}", className="small text-body-secondary mb-0"))
    return html.Article(
        dbc.Card(
            dbc.CardBody(
                [
                    html.H2(r.title, id=heading, className="h5"),
                    html.P(f"Asked {when(r.created_at)}", className="small text-body-secondary mb-1"),
                    subject,
                    html.P(["What is needed: ", r.need], className="mb-1 pre-wrap") if r.need else None,
                    html.P(["Why: ", r.reason], className="mb-1 pre-wrap") if r.reason else None,
                    *answer,
                ]
            ),
            className="mb-3",
        ),
        className="data-request",
        **aria(labelledby=heading),
    )


def build_requests(requests: Sequence[RequestView], site: SiteInfo, *, sent: bool) -> html.Div:
    return html.Div(
        [
            demonstration_notice(site),
            breadcrumb(("Open data", "/data"), ("Requests", None)),
            html.H1("Data requests"),
            section_nav("/data/requests"),
            dbc.Alert(
                "Thank you. Your request will appear here once a coordinator has reviewed it.",
                color="success",
                id="request-sent",
            )
            if sent
            else None,
            html.P(
                "What residents have asked the city to publish, and the city's answers. Requests are "
                "reviewed before they appear here.",
                className="lead",
            ),
            html.P(html.A("Ask for a dataset", href=REQUEST_FORM, className="btn btn-primary")),
            html.Div([_request(r) for r in requests])
            if requests
            else html.P("No request has been published yet.", className="text-body-secondary"),
        ]
    )
