"""The data coordinator's desk (/data/manage): the moderation queue, answers to approved requests,
an inventory entry's form, and the inventory's CSV import. Its buttons call write callbacks
(callbacks/opendata/manage.py) that only a data coordinator may call."""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.opendata import (
    ASSET_CLASSIFICATIONS,
    CLASSIFICATION_TEXT,
    FREQUENCY_TEXT,
    RELEASE_STATUSES,
    RELEASE_TEXT,
    UPDATE_FREQUENCIES,
    InventoryEntry,
    RequestView,
)
from aim.opendata import INVENTORY_CSV_COLUMNS as CSV_COLUMNS
from aim.schemas import SiteInfo
from layouts import ids
from layouts.components import aria
from layouts.opendata.catalog import breadcrumb, section_nav, table, when
from layouts.opendata.inventory import answer_badge

#: Fixed messages after a successful write (the page reloads with ?done=<key>): never text from the URL.
DONE = {
    "moderated": "The request was moderated.",
    "answered": "The answer is published on the requests page.",
    "saved": "The inventory entry was saved.",
    "imported": "The inventory file was imported.",
}
#: The inventory entry form's fields: (name, label, kind, choices).
ASSET_FIELDS: list[tuple[str, str, str, Sequence[tuple[str, str]]]] = [
    ("slug", "Short name (in web addresses)", "text", ()),
    ("name", "Name", "text", ()),
    ("steward", "Steward department (its code)", "text", ()),
    (
        "classification",
        "Classification",
        "select",
        [(c, CLASSIFICATION_TEXT[c]) for c in ASSET_CLASSIFICATIONS],
    ),
    ("release_status", "Release status", "select", [(s, RELEASE_TEXT[s]) for s in RELEASE_STATUSES]),
    ("status_reason", "Reason for the status (required when it will not be released)", "textarea", ()),
    ("update_frequency", "Update frequency", "select", [(f, FREQUENCY_TEXT[f]) for f in UPDATE_FREQUENCIES]),
    ("priority", "Priority (1 is released first)", "select", [(str(p), str(p)) for p in range(1, 6)]),
    ("system_of_record", "System of record", "text", ()),
    ("description", "Description", "textarea", ()),
    ("access_url", "Where the city publishes it (web address)", "text", ()),
    ("keywords", "Keywords (separated by commas)", "text", ()),
]


def skeleton() -> html.Div:
    """Every id the desk's callbacks use, with no data (Dash's validation layout)."""
    return build([], [], [], SiteInfo())


def not_allowed() -> html.Div:
    return html.Div(
        [
            html.H1("Open data desk"),
            html.P(
                [
                    "This page is for the city's data coordinators. ",
                    html.A("Sign in", href="/login?next=/data/manage"),
                    " with a data coordinator account.",
                ]
            ),
        ]
    )


def _field(name: str, label: str, kind: str, choices, value: str, *, id_: str, rows: int = 3) -> html.Div:
    if kind == "select":
        control = dbc.Select(id=id_, options=[{"label": t, "value": v} for v, t in choices], value=value)
    elif kind == "textarea":
        control = dbc.Textarea(id=id_, value=value, rows=rows, maxLength=2000)
    else:
        control = dbc.Input(id=id_, value=value, type="text", maxLength=500)
    return html.Div([dbc.Label(label, html_for=id_), control], className="mb-3")


def _status(id_: str) -> html.Div:
    # role=status: a screen reader announces the outcome of a button press without moving focus.
    return html.Div(id=id_, role="status", className="mt-2")


def _request_label(r: RequestView) -> str:
    return f"#{r.id}: {r.title[:80]}"


def _queue(pending: Sequence[RequestView]) -> html.Section:
    rows = [
        html.Tr(
            [
                html.Th(f"#{r.id}", scope="row"),
                html.Td(r.title),
                html.Td(r.asset_name or "\u2014"),
                html.Td(r.need, className="pre-wrap"),
                html.Td(r.reason, className="pre-wrap"),
                html.Td(when(r.created_at)),
            ]
        )
        for r in pending
    ]
    form = html.Div(
        [
            html.P("Nothing is waiting.", className="text-body-secondary") if not pending else None,
            _field(
                "request",
                "Request",
                "select",
                [(str(r.id), _request_label(r)) for r in pending],
                str(pending[0].id) if pending else "",
                id_=ids.MODERATE_REQUEST,
            ),
            _field(
                "action",
                "Decision",
                "select",
                [("approve", "Approve: show it publicly"), ("reject", "Reject: never shown")],
                "approve",
                id_=ids.MODERATE_ACTION,
            ),
            dbc.Button("Moderate", id=ids.MODERATE_SUBMIT, color="primary", disabled=not pending),
        ]
    )
    return html.Section(
        [
            html.H2(f"Waiting for moderation ({len(pending)})", id="queue"),
            table(
                "Requests waiting for moderation",
                ("Request", "Title", "Supports", "Need", "Why", "Sent"),
                rows,
            )
            if pending
            else None,
            form,
            _status(ids.MODERATE_MESSAGE),
        ],
        **aria(labelledby="queue"),
        className="mb-5",
    )


def _answers(approved: Sequence[RequestView], entries: Sequence[InventoryEntry]) -> html.Section:
    rows = [
        html.Tr(
            [
                html.Th(f"#{r.id}", scope="row"),
                html.Td(r.title),
                html.Td(answer_badge(r.answer_status)),
                html.Td(r.answer, className="pre-wrap"),
            ]
        )
        for r in approved
    ]
    form = html.Div(
        [
            html.P("No approved request yet.", className="text-body-secondary") if not approved else None,
            _field(
                "request",
                "Request",
                "select",
                [(str(r.id), _request_label(r)) for r in approved],
                str(approved[0].id) if approved else "",
                id_=ids.ANSWER_REQUEST,
            ),
            _field(
                "status",
                "Answer",
                "select",
                [("planned", "Planned"), ("released", "Released"), ("declined", "Declined")],
                "planned",
                id_=ids.ANSWER_STATUS,
            ),
            _field("text", "The answer, as the public will read it", "textarea", (), "", id_=ids.ANSWER_TEXT),
            _field("url", "Link to the released data (when released)", "text", (), "", id_=ids.ANSWER_URL),
            _field(
                "asset",
                "Inventory entry it concerns (adds to its support)",
                "select",
                [("none", "None")] + [(e.slug, e.name) for e in entries if not e.performance],
                "none",
                id_=ids.ANSWER_ASSET,
            ),
            dbc.Button("Publish the answer", id=ids.ANSWER_SUBMIT, color="primary", disabled=not approved),
        ]
    )
    return html.Section(
        [
            html.H2(f"Answers ({len(approved)})", id="answers"),
            table("Approved requests and their answers", ("Request", "Title", "Answer", "Text"), rows)
            if approved
            else None,
            form,
            _status(ids.ANSWER_MESSAGE),
        ],
        **aria(labelledby="answers"),
        className="mb-5",
    )


def _asset_form(editing: InventoryEntry | None) -> html.Section:
    values = {
        "classification": "public",
        "release_status": "planned",
        "update_frequency": "irregular",
        "priority": "3",
    }
    if editing is not None:
        values.update(
            {
                "slug": editing.slug,
                "name": editing.name,
                "steward": editing.steward_code,
                "classification": editing.classification,
                "release_status": editing.release_status,
                "status_reason": editing.status_reason,
                "update_frequency": editing.update_frequency,
                "priority": str(editing.priority),
                "system_of_record": editing.system_of_record,
                "description": editing.description,
                "access_url": editing.access_url,
                "keywords": editing.keywords,
            }
        )
    return html.Section(
        [
            html.H2("Edit an inventory entry" if editing else "Add an inventory entry", id="entry"),
            html.P("Saving an existing short name updates that entry.", className="text-body-secondary"),
            *[
                _field(name, label, kind, choices, values.get(name, ""), id_=ids.ASSET_FIELD_PREFIX + name)
                for name, label, kind, choices in ASSET_FIELDS
            ],
            dbc.Button("Save the entry", id=ids.ASSET_SUBMIT, color="primary"),
            _status(ids.ASSET_MESSAGE),
        ],
        **aria(labelledby="entry"),
        className="mb-5",
    )


def _import() -> html.Section:
    return html.Section(
        [
            html.H2("Import the inventory from a CSV file", id="import"),
            html.P(
                [
                    "Columns: ",
                    html.Code(", ".join(CSV_COLUMNS)),
                    ". slug, name, classification and release_status are required. Every row is "
                    "checked first; one bad row means nothing is written.",
                ]
            ),
            # The label wraps the upload so that its file input is named (WCAG 1.3.1, 4.1.2).
            html.Label(
                [
                    html.Span("Inventory CSV file", className="form-label d-block"),
                    dcc.Upload(
                        html.Div(
                            [
                                "Drop a CSV file here, or ",
                                html.Span("choose one", className="text-decoration-underline"),
                            ]
                        ),
                        id=ids.INVENTORY_UPLOAD,
                        accept=".csv,text/csv",
                        max_size=2_000_000,
                        className="border border-2 rounded p-4 text-center",
                    ),
                ],
                className="d-block",
            ),
            _status(ids.INVENTORY_UPLOAD_MESSAGE),
        ],
        **aria(labelledby="import"),
        className="mb-5",
    )


def _inventory(entries: Sequence[InventoryEntry]) -> html.Section:
    rows = [
        html.Tr(
            [
                html.Th(e.name, scope="row"),
                html.Td(RELEASE_TEXT[e.release_status]),
                html.Td(CLASSIFICATION_TEXT[e.classification]),
                html.Td(str(e.priority)),
                html.Td(str(e.support)),
                html.Td(
                    html.A("Edit", href=f"/data/manage?edit={e.slug}#entry", **aria(label=f"Edit {e.name}"))
                ),
            ]
        )
        for e in entries
        if not e.performance
    ]
    return html.Section(
        [
            html.H2("The inventory", id="inventory"),
            table(
                "Inventory entries",
                ("Entry", "Status", "Classification", "Priority", "Support", "Action"),
                rows,
            )
            if rows
            else html.P("The inventory is empty.", className="text-body-secondary"),
        ],
        **aria(labelledby="inventory"),
    )


def build(
    pending: Sequence[RequestView],
    approved: Sequence[RequestView],
    entries: Sequence[InventoryEntry],
    site: SiteInfo,
    *,
    editing: InventoryEntry | None = None,
    done: str = "",
) -> html.Div:
    return html.Div(
        [
            # One per callback: after a successful write, its callback reloads the desk.
            *[dcc.Location(id=f"{ids.MANAGE_RELOAD}-{key}", refresh=True) for key in DONE],
            breadcrumb(("Open data", "/data"), ("Open data desk", None)),
            html.H1("Open data desk"),
            section_nav(""),
            dbc.Alert(DONE[done], color="success", id="manage-done") if done in DONE else None,
            _queue(pending),
            _answers(approved, entries),
            _asset_form(editing),
            _import(),
            _inventory(entries),
        ]
    )
