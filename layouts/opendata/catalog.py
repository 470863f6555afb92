"""The catalog (/data) and a dataset's page (/data/<slug>): what each dataset is, who keeps it, how
often it changes, its licence, its columns, and its downloads and history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.opendata import BULK_ZIP, FORMATS, FREQUENCY_TEXT, CatalogView, DatasetView, ReleaseView
from aim.schemas import SiteInfo
from layouts.components import aria, demonstration_notice

SECTIONS = [
    ("Catalog", "/data"),
    ("Data inventory", "/data/inventory"),
    ("Requests", "/data/requests"),
    ("Archive", "/data/archive"),
]


def when(moment: datetime | date | None) -> str:
    return "\u2014" if moment is None else f"{moment:%d %B %Y}"


def section_nav(current: str) -> html.Nav:
    """The open data site's own navigation, on each of its pages."""
    return html.Nav(
        html.Ul(
            [
                html.Li(
                    html.Span(text, className="nav-link active", **aria(current="page"))
                    if href == current
                    else dcc.Link(text, href=href, className="nav-link"),
                    className="nav-item",
                )
                for text, href in SECTIONS
            ],
            className="nav nav-pills flex-wrap mb-3",
        ),
        **aria(label="Open data"),
    )


def breadcrumb(*trail: tuple[str, str | None]) -> html.Nav:
    items = [html.Li(dcc.Link("Home", href="/"), className="breadcrumb-item")]
    for text, href in trail:
        if href:
            items.append(html.Li(dcc.Link(text, href=href), className="breadcrumb-item"))
        else:
            items.append(html.Li(text, className="breadcrumb-item active", **aria(current="page")))
    return html.Nav(html.Ol(items, className="breadcrumb"), **aria(label="Breadcrumb"))


def table(caption: str, headers: Sequence[str], rows: list, *, label: str | None = None) -> html.Div:
    """A captioned, scrollable, keyboard-reachable table."""
    return html.Div(
        dbc.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                html.Tbody(rows),
            ],
            size="sm",
            striped=True,
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **aria(label=label or caption),
    )


def skeleton() -> html.Div:
    return html.Div(html.H1("Open data"))


def _dataset_rows(datasets: Sequence[DatasetView]) -> list:
    return [
        html.Tr(
            [
                html.Th(dcc.Link(d.title, href=f"/data/{d.slug}"), scope="row"),
                html.Td(d.description),
                html.Td(d.steward or "\u2014"),
                html.Td(FREQUENCY_TEXT.get(d.update_frequency, d.update_frequency)),
                html.Td(when(d.modified)),
            ]
        )
        for d in datasets
    ]


HEADERS = ("Dataset", "What it holds", "Steward", "Updated", "Last updated")


def build_catalog(view: CatalogView, site: SiteInfo) -> html.Div:
    performance = [d for d in view.datasets if d.kind == "performance"]
    linked = [d for d in view.datasets if d.kind == "linked"]
    return html.Div(
        [
            demonstration_notice(site),
            breadcrumb(("Open data", None)),
            html.H1("Open data"),
            section_nav("/data"),
            html.P(
                [
                    f"{view.publisher} publishes its data here, in one place, under the ",
                    html.A(view.license_title, href=view.license_url),
                    ". Every dataset can be downloaded as CSV, JSON and Excel, with a ",
                    html.A("Frictionless data package", href="https://datapackage.org/"),
                    " describing its columns. Catalogs and harvesters read ",
                    html.A("data.json", href="/data.json"),
                    " (DCAT-US 1.1); programs can also use the ",
                    html.A("open data API", href="/api/v1"),
                    ".",
                ],
                className="lead",
            ),
            html.P(
                [
                    html.A(
                        "Download all performance data (zip)",
                        href=f"/data/{BULK_ZIP}",
                        className="btn btn-primary me-2 mb-2",
                    ),
                    dcc.Link(
                        "Ask for a dataset", href="/data/requests", className="btn btn-outline-primary mb-2"
                    ),
                ]
            ),
            html.H2("Performance data", id="performance"),
            table("Performance datasets", HEADERS, _dataset_rows(performance)),
            html.H2("Other city data", id="other", className="mt-4"),
            table("Datasets the city publishes elsewhere", HEADERS, _dataset_rows(linked))
            if linked
            else html.P(
                [
                    "No other dataset is published yet. The ",
                    dcc.Link("data inventory", href="/data/inventory"),
                    " lists what the city holds and what is planned.",
                ]
            ),
        ]
    )


def _facts(dataset: DatasetView, view: CatalogView, row_count: int | None) -> html.Dl:
    facts: list[tuple[str, str | html.A | None]] = [
        ("Steward", dataset.steward or "\u2014"),
        ("Updated", FREQUENCY_TEXT.get(dataset.update_frequency, dataset.update_frequency)),
        ("Last updated", when(dataset.modified)),
        ("Licence", html.A(view.license_title, href=view.license_url)),
        ("Rows", f"{row_count:,}" if row_count is not None else None),
        ("Keywords", ", ".join(dataset.keywords) or None),
    ]
    items: list = []
    for term, value in facts:
        if value is None:
            continue
        items += [html.Dt(term, className="col-sm-3"), html.Dd(value, className="col-sm-9")]
    return html.Dl(items, className="row")


def _downloads(dataset: DatasetView) -> html.Section:
    links = [
        html.Li(html.A(f"{label}", href=f"/data/{dataset.slug}/{dataset.slug}.{ext}", download=""))
        for ext, _media, label in FORMATS
    ]
    links.append(
        html.Li(
            html.A(
                "Data package (datapackage.json)",
                href=f"/data/{dataset.slug}/datapackage.json",
            )
        )
    )
    return html.Section(
        [
            html.H2("Downloads", id="downloads"),
            html.Ul(links),
            html.P(
                [
                    f"The columns are those of the '{dataset.table}' table of the import format, so a "
                    "download can be imported into another copy of this software as it is. ",
                    "Text beginning with = + - or @ is prefixed with a quote in CSV and Excel files, so "
                    "that a spreadsheet shows it instead of running it.",
                ],
                className="small text-body-secondary",
            ),
        ],
        **aria(labelledby="downloads"),
    )


def _history(dataset: DatasetView, releases: Sequence[ReleaseView]) -> html.Section:
    if releases:
        body: html.Ul | html.P = html.Ul(
            [
                html.Li(
                    [
                        html.A(
                            f"Release of {when(r.release_date)}",
                            href=f"/data/archive/{r.folder}/{dataset.slug}.csv",
                            download="",
                        ),
                        " (CSV)",
                    ]
                )
                for r in releases
            ]
        )
    else:
        body = html.P("No release has been archived yet.")
    return html.Section(
        [
            html.H2("History", id="history"),
            html.P(
                [
                    "Every publication is archived and never changed afterwards; see the ",
                    dcc.Link("archive", href="/data/archive"),
                    ".",
                ]
            ),
            body,
        ],
        **aria(labelledby="history"),
    )


def build_dataset(
    dataset: DatasetView,
    view: CatalogView,
    site: SiteInfo,
    row_count: int | None,
    releases: Sequence[ReleaseView],
) -> html.Div:
    dictionary = table(
        f"Columns of {dataset.title}",
        ("Column", "Type", "Meaning"),
        [
            html.Tr([html.Th(html.Code(c.name), scope="row"), html.Td(c.type), html.Td(c.description)])
            for c in dataset.columns
        ],
    )
    if dataset.kind == "performance":
        body = [
            _downloads(dataset),
            html.H2("Column dictionary", id="columns"),
            dictionary,
            _history(dataset, releases),
        ]
    else:
        body = [
            html.H2("Where to get it", id="access"),
            html.P(html.A(f"{dataset.title} on the city's site", href=dataset.access_url))
            if dataset.access_url
            else html.P("Ask the steward department for a copy."),
        ]
    return html.Div(
        [
            demonstration_notice(site),
            breadcrumb(("Open data", "/data"), (dataset.title, None)),
            html.H1(dataset.title),
            section_nav(""),
            html.P(dataset.description, className="lead"),
            _facts(dataset, view, row_count),
            *body,
        ]
    )


def dataset_not_found(slug: str) -> html.Div:
    return html.Div(
        [
            breadcrumb(("Open data", "/data"), ("Not found", None)),
            html.H1("Dataset not found"),
            html.P(["No published dataset is called ", html.Code(slug), "."]),
            html.P(dcc.Link("See every published dataset", href="/data")),
        ]
    )
