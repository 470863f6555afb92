"""The review workflow's pages: My reporting (an editor's list of what is due), the figure form
(enter, correct, submit; errors beside their field; a stale edit keeps the input), and the review
queue (approve, return with a comment, publish). Pure builders of the views in aim.workflow_views."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.explain import amount
from aim.schemas import SiteInfo
from aim.workflow_views import CommentView, Figure, ReportingView, ReviewQueue, RevisionView, StaffMeasureView
from layouts import ids
from layouts.components import aria, demonstration_notice, status_badge

STATE_TEXT = {
    "draft": "Draft",
    "submitted": "Submitted",
    "returned": "Returned",
    "approved": "Approved",
    "published": "Published",
    "overdue": "Overdue",
    "due": "Due",
    "correction": "Correction in progress",
}
STATE_CLASS = {
    "draft": "text-bg-light border",
    "submitted": "text-bg-info",
    "returned": "text-bg-warning",
    "approved": "text-bg-primary",
    "published": "text-bg-success",
    "overdue": "text-bg-danger",
    "due": "text-bg-secondary",
    "correction": "text-bg-warning",
}


def state_badge(state: str) -> html.Span:
    """A workflow state as a word in a badge (never colour alone)."""
    return html.Span(
        STATE_TEXT.get(state, state), className=f"badge {STATE_CLASS.get(state, 'text-bg-light')}"
    )


def figure_href(measure: str, period: str) -> str:
    return f"/reporting/{quote(measure, safe='')}/{quote(period, safe='')}"


def _table(caption: str, headers: list[str], rows: list, **kwargs) -> html.Div:
    return html.Div(
        dbc.Table(
            [
                html.Caption(caption, className="caption-top"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                html.Tbody(rows),
            ],
            size="sm",
            className="align-middle",
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **aria(label=caption),
        **kwargs,
    )


def sign_in_prompt(title: str, path: str) -> html.Div:
    return html.Div(
        [
            html.H1(title),
            html.P("This page is for city staff. Sign in to see it."),
            html.A("Sign in", href=f"/login?next={quote(path)}", className="btn btn-primary"),
        ]
    )


def not_for_role(title: str, text: str) -> html.Div:
    return html.Div([html.H1(title), dbc.Alert(text, color="info")])


# -- My reporting ------------------------------------------------------------------------------
def reporting_skeleton() -> html.Div:
    return html.Div(html.H1("My reporting"))


def reporting(view: ReportingView, site: SiteInfo) -> html.Div:
    if not view.allowed:
        return not_for_role(
            "My reporting", "My reporting is for department editors: your role does not enter figures."
        )
    rows = []
    for r in view.rows:
        f = r.figure
        rows.append(
            html.Tr(
                [
                    html.Th(r.measure_name, scope="row"),
                    html.Td(r.department_name),
                    html.Td(r.period_label),
                    html.Td(f"{r.due:%Y-%m-%d}", className="text-nowrap"),
                    html.Td(state_badge(r.situation)),
                    html.Td(
                        amount(f.value, r.unit_kind, r.unit_label) if f else "\u2014", className="text-end"
                    ),
                    html.Td(f.review_comment if f and f.review_comment else ""),
                    html.Td(
                        dcc.Link(
                            [
                                "Enter value"
                                if f is None
                                else ("View" if r.situation in ("submitted", "approved") else "Edit"),
                                html.Span(
                                    f" {r.measure_name}, {r.period_label}", className="visually-hidden"
                                ),
                            ],
                            href=figure_href(r.measure, r.period),
                            className="btn btn-sm btn-outline-primary",
                        )
                    ),
                ]
            )
        )
    summary = ", ".join(f"{n} {STATE_TEXT.get(k, k).lower()}" for k, n in view.counts.items()) or "nothing"
    return html.Div(
        [
            demonstration_notice(site),
            html.H1("My reporting"),
            html.P(
                "Your departments' measures: what is due, overdue, drafted, returned with a comment, "
                "submitted and published. A period is due one reporting period after it ends.",
                className="lead",
            ),
            html.P(f"Today: {summary}.", id="reporting-summary"),
            dcc.Link(
                "Upload a file of values",
                href="/reporting/upload",
                className="btn btn-outline-secondary mb-3",
            ),
            _table(
                _reporting_caption(view),
                ["Measure", "Department", "Period", "Due", "Status", "Value", "Reviewer's comment", "Action"],
                rows,
            ),
            _reporting_pager(view),
        ]
    )


def _reporting_caption(view: ReportingView) -> str:
    if view.pages <= 1:
        return f"{view.total} figures of your departments, most urgent first"
    first = (view.page - 1) * view.page_size + 1
    return (
        f"Figures {first}\u2013{first + len(view.rows) - 1} of {view.total} of your departments, "
        "most urgent first"
    )


def _reporting_pager(view: ReportingView) -> html.Nav | None:
    """Previous and next pages of My reporting, as links (the page is in the URL)."""
    if view.pages <= 1:
        return None

    def item(text: str, number: int, enabled: bool) -> html.Li:
        return html.Li(
            dcc.Link(text, href=f"/reporting?page={number}", className="page-link")
            if enabled
            else html.Span(text, className="page-link"),
            className="page-item" + ("" if enabled else " disabled"),
        )

    return html.Nav(
        html.Ul(
            [
                item("\u2190 Previous", view.page - 1, view.page > 1),
                html.Li(
                    html.Span(f"Page {view.page} of {view.pages}", className="page-link text-body"),
                    className="page-item",
                    **aria(current="page"),
                ),
                item("Next \u2192", view.page + 1, view.page < view.pages),
            ],
            className="pagination flex-wrap mt-3",
        ),
        **aria(label="Pages of My reporting"),
    )


# -- one figure --------------------------------------------------------------------------------
def figure_skeleton() -> html.Div:
    return html.Div(
        [
            html.H1("Figure"),
            dcc.Input(id=ids.FIGURE_VALUE, type="text"),
            dcc.Textarea(id=ids.FIGURE_EXPLANATION),
            dcc.Store(id=ids.FIGURE_STORE),
            html.Button(id=ids.FIGURE_SAVE),
            html.Button(id=ids.FIGURE_SUBMIT),
            html.Div(id=ids.FIGURE_MESSAGE),
            html.Div(id=ids.FIGURE_VALUE_ERROR),
            html.Div(id=ids.FIGURE_EXPLANATION_ERROR),
            html.Div(id=ids.FIGURE_STATE),
            dcc.Textarea(id=ids.COMMENT_TEXT),
            html.Button(id=ids.COMMENT_ADD),
            html.Div(id=ids.COMMENT_LIST),
            html.Div(id=ids.COMMENT_MESSAGE),
        ]
    )


def figure_not_found(code: str) -> html.Div:
    return html.Div(
        [
            html.H1("Figure not found"),
            html.P(
                f"There is no measure {code!r} that you may report on, "
                "or that period is not one of its periods."
            ),
            dcc.Link("Back to My reporting", href="/reporting"),
        ]
    )


def figure_state(figure: Figure | None, editable: bool) -> list:
    """The figure's state, what the public sees, the comment and warnings."""
    if figure is None:
        return [html.P("No value has been entered for this period yet.")]
    parts: list = [
        html.P(
            [
                "State: ",
                state_badge("correction" if figure.is_correction else figure.state),
                f" (version {figure.version})",
            ]
        ),
    ]
    if figure.published_value is not None:
        parts.append(
            html.P(
                f"The public sees {amount(figure.published_value, figure.unit_kind, figure.unit_label)}"
                + (" until this correction is published." if figure.is_correction else ".")
            )
        )
    if figure.status:
        parts.append(html.P(["Against the target this value is ", status_badge(figure.status), "."]))
    if figure.review_comment:
        parts.append(
            dbc.Alert(
                [html.Strong("Returned by the budget office: "), figure.review_comment], color="warning"
            )
        )
    for flag in figure.flags:
        parts.append(dbc.Alert(flag, color="secondary"))
    if not editable:
        parts.append(html.P("You may read this figure; your role does not change it."))
    return parts


def _field_error(component_id: str) -> html.Div:
    return html.Div(id=component_id, className="invalid-feedback d-block", role="alert")


def figure_page(
    *,
    measure: str,
    measure_name: str,
    department_name: str,
    unit_kind: str,
    unit_label: str,
    period: str,
    period_label: str,
    figure: Figure | None,
    editable: bool,
    history: list[RevisionView],
    site: SiteInfo,
    comments: list[CommentView] | None = None,
) -> html.Div:
    unit = {"percent": "percent, 0 to 100", "count": "a count"}.get(unit_kind, unit_label or unit_kind)
    store = {"measure": measure, "period": period, "version": figure.version if figure else None}
    can_submit = figure is not None and figure.state in ("draft", "returned")
    form = html.Form(
        [
            html.Div(
                [
                    dbc.Label(f"Value ({unit})", html_for=ids.FIGURE_VALUE),
                    dcc.Input(
                        id=ids.FIGURE_VALUE,
                        type="text",
                        inputMode="numeric",
                        value="" if figure is None or figure.value is None else f"{figure.value:g}",
                        className="form-control",
                        disabled=not editable,
                    ),
                    _field_error(ids.FIGURE_VALUE_ERROR),
                ],
                className="mb-3",
            ),
            html.Div(
                [
                    dbc.Label(
                        "Explanation: what happened, and what the department is doing about it "
                        "(required when the value is off track or at risk)",
                        html_for=ids.FIGURE_EXPLANATION,
                    ),
                    dcc.Textarea(
                        id=ids.FIGURE_EXPLANATION,
                        value=figure.explanation if figure else "",
                        className="form-control",
                        rows=4,
                        maxLength=5000,
                        disabled=not editable,
                    ),
                    _field_error(ids.FIGURE_EXPLANATION_ERROR),
                ],
                className="mb-3",
            ),
            dcc.Store(id=ids.FIGURE_STORE, data=store),
            html.Div(
                [
                    html.Button(
                        "Save draft",
                        id=ids.FIGURE_SAVE,
                        type="button",
                        className="btn btn-primary",
                        disabled=not editable,
                    ),
                    html.Button(
                        "Submit for review",
                        id=ids.FIGURE_SUBMIT,
                        type="button",
                        className="btn btn-success",
                        disabled=not (editable and can_submit),
                    ),
                ],
                className="d-flex gap-2",
            ),
        ],
        noValidate=True,
    )
    return html.Div(
        [
            demonstration_notice(site),
            html.Nav(dcc.Link("\u2190 My reporting", href="/reporting"), **aria(label="Breadcrumb")),
            html.H1(f"{measure_name}: {period_label}"),
            html.P(
                [
                    department_name,
                    ". ",
                    dcc.Link("Targets and their history", href=f"/targets/{quote(measure, safe='')}"),
                ],
                className="lead",
            ),
            html.Div(figure_state(figure, editable), id=ids.FIGURE_STATE),
            html.Div(id=ids.FIGURE_MESSAGE, role="status", **aria(live="polite")),
            form,
            html.H2("History", className="h4 mt-4"),
            history_table(history, unit_kind, unit_label),
            html.Section(
                [
                    html.H2("Comments", className="h4 mt-4"),
                    html.Div(comment_list(comments or []), id=ids.COMMENT_LIST),
                    dbc.Label(
                        "Add a comment (staff who may read this figure see it)", html_for=ids.COMMENT_TEXT
                    ),
                    dcc.Textarea(id=ids.COMMENT_TEXT, className="form-control mb-2", rows=2, maxLength=2000),
                    html.Button(
                        "Add comment", id=ids.COMMENT_ADD, type="button", className="btn btn-outline-primary"
                    ),
                    html.Div(id=ids.COMMENT_MESSAGE, role="status"),
                ]
            )
            if figure is not None
            else None,
        ]
    )


def comment_list(comments: list[CommentView]) -> html.Div:
    if not comments:
        return html.Div(html.P("No comments yet."))
    return html.Div(
        html.Ul(
            [
                html.Li(
                    [html.Strong(f"{c.author} ({c.role.replace('_', ' ')}), {c.at:%Y-%m-%d %H:%M}: "), c.text]
                )
                for c in comments
            ]
        )
    )


def history_table(history: list[RevisionView], unit_kind: str, unit_label: str) -> html.Div:
    if not history:
        return html.Div(html.P("No changes yet."))
    rows = [
        html.Tr(
            [
                html.Td(f"{r.at:%Y-%m-%d %H:%M}", className="text-nowrap"),
                html.Td(r.by),
                html.Td(
                    (amount(r.old_value, unit_kind, unit_label) if r.old_state else "\u2014")
                    + " \u2192 "
                    + amount(r.new_value, unit_kind, unit_label)
                ),
                html.Td(
                    f"{STATE_TEXT.get(r.old_state or '', 'new')} \u2192 {STATE_TEXT.get(r.state, r.state)}"
                ),
                html.Td(r.reason or r.explanation),
            ]
        )
        for r in history
    ]
    return _table("Every change, newest first", ["When (UTC)", "Who", "Value", "State", "Why"], rows)


# -- the review queue --------------------------------------------------------------------------
def review_skeleton() -> html.Div:
    return html.Div(
        [
            html.H1("Review queue"),
            html.Div(id=ids.REVIEW_QUEUE),
            dcc.Textarea(id=ids.REVIEW_COMMENT),
            html.Div(id=ids.REVIEW_COMMENT_ERROR),
            html.Button(id=ids.REVIEW_APPROVE),
            html.Button(id=ids.REVIEW_RETURN),
            html.Button(id=ids.REVIEW_PUBLISH),
            html.Div(id=ids.REVIEW_MESSAGE),
        ]
    )


def _ref(f: Figure) -> str:
    return f"{f.measure}|{f.period}|{f.version}"


def queue_contents(queue: ReviewQueue, may_act: bool) -> list:
    if not queue.groups and not queue.approved:
        return [html.P("Nothing is waiting for review.", id="review-empty")]
    parts: list = []
    for n, group in enumerate(queue.groups):
        title = f"{group.department_name}, {group.period_label}"
        labels = [
            html.Span(
                [
                    html.Strong(f.measure_name),
                    f": {amount(f.value, f.unit_kind, f.unit_label)}",
                    f" (previous {amount(f.previous_value, f.unit_kind, f.unit_label)}",
                    f"; target {amount(f.target, f.unit_kind, f.unit_label)})"
                    if f.target is not None
                    else ")",
                    " ",
                    status_badge(f.status) if f.status else None,
                    " ",
                    state_badge("correction") if f.is_correction else None,
                    html.Br(),
                    html.Span(
                        f"Explanation: {f.explanation}" if f.explanation else "No explanation.",
                        className="small",
                    ),
                    html.Br(),
                    html.Span(f"Entered by {f.updated_by}", className="small text-body-secondary"),
                ]
            )
            for f in group.figures
        ]
        options = [{"label": label, "value": _ref(f)} for label, f in zip(labels, group.figures, strict=True)]
        parts.append(
            html.Fieldset(
                [
                    html.Legend(f"{title} ({len(group.figures)} submitted)", className="h5"),
                    html.Button(
                        f"Approve all {len(group.figures)} of {title}",
                        id={"type": ids.REVIEW_GROUP_APPROVE, "index": n},
                        type="button",
                        className="btn btn-sm btn-outline-success mb-2",
                    )
                    if may_act
                    else None,
                    dbc.Checklist(
                        id={"type": ids.REVIEW_SELECT, "index": n},
                        options=options,
                        value=[],
                        class_name="mb-2",
                    )
                    if may_act
                    else html.Ul([html.Li(label) for label in labels]),
                ],
                className="border rounded p-3 mb-3",
            )
        )
    if queue.approved:
        parts.append(html.H2("Approved, waiting for the publication day", className="h5"))
        texts = [
            f"{f.department_name}: {f.measure_name}, {f.period_label}: "
            + amount(f.value, f.unit_kind, f.unit_label)
            for f in queue.approved
        ]
        options = [{"label": text, "value": _ref(f)} for text, f in zip(texts, queue.approved, strict=True)]
        parts.append(
            html.Fieldset(
                [
                    html.Legend("Approved figures", className="visually-hidden"),
                    dbc.Checklist(
                        id={"type": ids.REVIEW_SELECT, "index": len(queue.groups)},
                        options=options,
                        value=[],
                        class_name="mb-2",
                    )
                    if may_act
                    else html.Ul([html.Li(text) for text in texts]),
                ],
                className="border rounded p-3 mb-3",
            )
        )
    return parts


def review(queue: ReviewQueue, may_act: bool, site: SiteInfo) -> html.Div:
    if not queue.allowed:
        return not_for_role(
            "Review queue", "The review queue is for the budget office and the Mayor's Office."
        )
    actions = html.Div(
        [
            dbc.Label("Comment for the department (required to return)", html_for=ids.REVIEW_COMMENT),
            dcc.Textarea(
                id=ids.REVIEW_COMMENT,
                className="form-control mb-1",
                rows=3,
                maxLength=2000,
            ),
            _field_error(ids.REVIEW_COMMENT_ERROR),
            html.Div(
                [
                    html.Button(
                        "Approve selected", id=ids.REVIEW_APPROVE, type="button", className="btn btn-success"
                    ),
                    html.Button(
                        "Return selected", id=ids.REVIEW_RETURN, type="button", className="btn btn-warning"
                    ),
                    html.Button(
                        "Publish selected now",
                        id=ids.REVIEW_PUBLISH,
                        type="button",
                        className="btn btn-primary",
                    ),
                ],
                className="d-flex flex-wrap gap-2 mt-2",
            ),
        ],
        className="mb-4",
    )
    return html.Div(
        [
            demonstration_notice(site),
            html.H1("Review queue"),
            html.P(
                "Everything submitted, by department and period, oldest first. Tick one figure or a "
                "whole department's period, then approve it or return it with a comment. Approved "
                "figures are published on the publication day, or now.",
                className="lead",
            ),
            html.Div(id=ids.REVIEW_MESSAGE, role="status", **aria(live="polite")),
            html.Div(queue_contents(queue, may_act), id=ids.REVIEW_QUEUE),
            actions if may_act else html.P("Your role reads the queue; the budget office acts on it."),
        ]
    )


# -- an internal measure's page, for staff -----------------------------------------------------
def staff_measure(m: StaffMeasureView, site: SiteInfo) -> html.Div:
    """Published figures apart from work in progress (drafts, submitted, returned, approved and
    corrections, each marked), and every change with who, when, from what to what and why."""
    published = [f for f in m.figures if f.published_value is not None]
    pending = [f for f in m.figures if f.state != "published" or f.is_correction]

    def link(f: Figure):
        return dcc.Link(f.period_label, href=figure_href(m.code, f.period))

    published_rows = [
        html.Tr(
            [
                html.Th(link(f), scope="row"),
                html.Td(amount(f.published_value, m.unit_kind, m.unit_label), className="text-end"),
                html.Td(status_badge(f.status) if f.status and not f.is_correction else ""),
                html.Td(f.explanation if not f.is_correction else ""),
            ]
        )
        for f in published
    ]
    pending_rows = [
        html.Tr(
            [
                html.Th(link(f), scope="row"),
                html.Td(amount(f.value, m.unit_kind, m.unit_label), className="text-end"),
                html.Td(state_badge("correction" if f.is_correction else f.state)),
                html.Td(f.updated_by),
                html.Td(f.review_comment),
            ]
        )
        for f in pending
    ]
    history = [
        html.Details(
            [
                html.Summary(f"{period}: {len(revisions)} changes"),
                history_table(revisions, m.unit_kind, m.unit_label),
            ],
            className="mb-2",
        )
        for period, revisions in sorted(m.history.items(), reverse=True)
    ]
    return html.Div(
        [
            demonstration_notice(site),
            html.H1(m.name),
            html.P(
                [
                    html.Span(
                        "Internal measure" if not m.is_public else "Public measure",
                        className="badge text-bg-dark",
                    ),
                    f" {m.department_name}. ",
                    m.definition,
                ],
                className="lead",
            ),
            html.P(
                [
                    "Only staff who may see this department's internal figures see this page. ",
                    dcc.Link("Targets and their history", href=f"/targets/{quote(m.code, safe='')}"),
                    ".",
                ]
            ),
            html.H2("Not yet published", className="h4"),
            _table(
                f"{len(pending_rows)} figures in the review workflow, newest first",
                ["Period", "Value", "State", "Changed by", "Reviewer's comment"],
                pending_rows,
            )
            if pending_rows
            else html.P("Nothing is waiting: every figure is published."),
            html.H2("Published", className="h4 mt-4"),
            _table(
                f"{len(published_rows)} published figures, newest first",
                ["Period", "Value", "Status", "Explanation"],
                published_rows,
            ),
            html.H2("History", className="h4 mt-4"),
            html.Div(history or html.P("No changes recorded.")),
        ]
    )


# -- uploading a file of values ------------------------------------------------------------------
def upload_skeleton() -> html.Div:
    return html.Div([html.H1("Upload values"), dcc.Upload(id=ids.UPLOAD), html.Div(id=ids.UPLOAD_RESULT)])


#: assets/upload-label.js names the upload's file input from this attribute.
UPLOAD_LABEL: dict[str, Any] = {"data-upload-label": "Choose a CSV or xlsx file of values to upload"}


def upload_page(site: SiteInfo) -> html.Div:
    return html.Div(
        [
            demonstration_notice(site),
            html.Nav(dcc.Link("\u2190 My reporting", href="/reporting"), **aria(label="Breadcrumb")),
            html.H1("Upload values"),
            html.P(
                [
                    "A CSV file, or an .xlsx workbook with a sheet named ",
                    html.Code("actuals"),
                    ", with the columns ",
                    html.Code("measure, period, value, explanation"),
                    " (the import format's values table). Every row is checked first; if one is wrong "
                    "nothing is saved and every problem is listed with its row and column. The values "
                    "become drafts for you to submit.",
                ],
                className="lead",
            ),
            html.Div(
                dcc.Upload(
                    html.Div(
                        [
                            "Drop a file here, or ",
                            html.Span("choose one", className="text-decoration-underline"),
                        ]
                    ),
                    id=ids.UPLOAD,
                    accept=".csv,.xlsx",
                    multiple=False,
                    className="border border-2 border-secondary rounded p-4 text-center mb-3",
                ),
                # assets/upload-label.js names the file input from this (dcc.Upload cannot).
                **UPLOAD_LABEL,
            ),
            html.Div(id=ids.UPLOAD_RESULT, role="status"),
        ]
    )


def upload_result(saved: int, problems: list[tuple[int, str, str, str]], filename: str) -> list:
    if not problems:
        return [
            dbc.Alert(
                [
                    f"Saved {saved} value{'s' if saved != 1 else ''} from {filename} as drafts. ",
                    dcc.Link("My reporting", href="/reporting", className="alert-link"),
                    ".",
                ],
                color="success",
            )
        ]
    rows = [
        html.Tr(
            [
                html.Td(str(row) if row else "file"),
                html.Td(column or "\u2014"),
                html.Td(value),
                html.Td(message),
            ]
        )
        for row, column, value, message in problems
    ]
    return [
        dbc.Alert(
            f"Nothing was saved: {len(problems)} problem{'s' if len(problems) != 1 else ''} in {filename}.",
            color="danger",
        ),
        _table("Every problem, by row and column", ["Row", "Column", "Value", "Problem"], rows),
    ]
