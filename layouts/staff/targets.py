"""A measure's targets page for staff: its department proposes next year's target, the budget office
approves or returns it, and every proposal is listed (the approved ones are the target's history)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from aim.explain import amount
from aim.schemas import SiteInfo
from aim.workflow_views import TargetProposalView
from layouts import ids
from layouts.components import demonstration_notice
from layouts.staff.workflow import _table, state_badge


def skeleton() -> html.Div:
    return html.Div(
        [html.H1("Targets")]
        + [html.Div(id=i) for i in (ids.TARGET_MESSAGE, ids.TARGET_HISTORY)]
        + [dcc.Input(id=i) for i in (ids.TARGET_PERIOD, ids.TARGET_VALUE, ids.TARGET_LOW, ids.TARGET_HIGH)]
        + [
            dcc.Textarea(id=ids.TARGET_EXPLANATION),
            dcc.Textarea(id=ids.TARGET_COMMENT),
            dcc.Store(id=ids.TARGET_STORE),
        ]
        + [
            html.Button(id=i)
            for i in (ids.TARGET_SAVE, ids.TARGET_SUBMIT, ids.TARGET_APPROVE, ids.TARGET_RETURN)
        ]
    )


def _target_text(value, low, high, unit_kind: str, unit_label: str) -> str:
    if value is not None:
        return amount(value, unit_kind, unit_label)
    if low is not None and high is not None:
        return f"{amount(low, unit_kind, unit_label)} to {amount(high, unit_kind, unit_label)}"
    return "\u2014"


def history(proposals: list[TargetProposalView], unit_kind: str, unit_label: str) -> html.Div:
    if not proposals:
        return html.Div(html.P("No targets have been proposed here yet."))
    rows = [
        html.Tr(
            [
                html.Th(p.period, scope="row"),
                html.Td(_target_text(p.value, p.low, p.high, unit_kind, unit_label)),
                html.Td(state_badge(p.state)),
                html.Td(
                    _target_text(p.old_value, p.old_low, p.old_high, unit_kind, unit_label)
                    if p.state == "approved"
                    else ""
                ),
                html.Td(f"{p.proposed_by}, {p.proposed_at:%Y-%m-%d}"),
                html.Td(f"{p.reviewed_by}, {p.reviewed_at:%Y-%m-%d}" if p.reviewed_at else ""),
                html.Td(p.review_comment or p.explanation),
            ]
        )
        for p in proposals
    ]
    return _table(
        "Every proposal, newest first; approved ones replaced the target shown as 'Was'",
        ["Period", "Target", "State", "Was", "Proposed by", "Reviewed by", "Comment or explanation"],
        rows,
    )


def _field(label: str, component_id: str, value: str = "", *, hidden: bool = False) -> html.Div:
    return html.Div(
        [
            dbc.Label(label, html_for=component_id),
            dcc.Input(id=component_id, type="text", value=value, className="form-control"),
        ],
        className="mb-2" + (" d-none" if hidden else ""),
    )


def build(
    *,
    code: str,
    name: str,
    department_name: str,
    direction: str,
    unit_kind: str,
    unit_label: str,
    next_year: str,
    proposals: list[TargetProposalView],
    may_edit: bool,
    may_review: bool,
    site: SiteInfo,
) -> html.Div:
    open_one = next((p for p in proposals if p.state in ("draft", "returned", "submitted")), None)
    ranged = direction == "range"
    store = {
        "measure": code,
        "proposal": open_one.id if open_one else None,
        "version": open_one.version if open_one else None,
    }
    editor_form = html.Section(
        [
            html.H2("Propose a target", className="h4"),
            _field(
                "Period (a fiscal year such as 2027)",
                ids.TARGET_PERIOD,
                open_one.period if open_one else next_year,
            ),
            _field(
                "Target",
                ids.TARGET_VALUE,
                f"{open_one.value:g}" if open_one and open_one.value is not None else "",
                hidden=ranged,
            ),
            _field(
                "Low bound",
                ids.TARGET_LOW,
                f"{open_one.low:g}" if open_one and open_one.low is not None else "",
                hidden=not ranged,
            ),
            _field(
                "High bound",
                ids.TARGET_HIGH,
                f"{open_one.high:g}" if open_one and open_one.high is not None else "",
                hidden=not ranged,
            ),
            html.Div(
                [
                    dbc.Label("Why this target", html_for=ids.TARGET_EXPLANATION),
                    dcc.Textarea(
                        id=ids.TARGET_EXPLANATION,
                        value=open_one.explanation if open_one else "",
                        className="form-control",
                    ),
                ],
                className="mb-2",
            ),
            html.Div(
                [
                    html.Button(
                        "Save proposal", id=ids.TARGET_SAVE, type="button", className="btn btn-primary"
                    ),
                    html.Button(
                        "Submit for approval",
                        id=ids.TARGET_SUBMIT,
                        type="button",
                        className="btn btn-success",
                    ),
                ],
                className="d-flex gap-2",
            ),
        ],
        className="card card-body mb-3",
        hidden=not may_edit,
    )
    reviewer_form = html.Section(
        [
            html.H2("Review the submitted target", className="h4"),
            html.Div(
                [
                    dbc.Label("Comment for the department (required to return)", html_for=ids.TARGET_COMMENT),
                    dcc.Textarea(id=ids.TARGET_COMMENT, className="form-control"),
                ],
                className="mb-2",
            ),
            html.Div(
                [
                    html.Button(
                        "Approve target", id=ids.TARGET_APPROVE, type="button", className="btn btn-success"
                    ),
                    html.Button(
                        "Return target", id=ids.TARGET_RETURN, type="button", className="btn btn-warning"
                    ),
                ],
                className="d-flex gap-2",
            ),
        ],
        className="card card-body mb-3",
        hidden=not may_review,
    )
    return html.Div(
        [
            demonstration_notice(site),
            html.H1(f"Targets: {name}"),
            html.P(department_name, className="lead"),
            html.Div(id=ids.TARGET_MESSAGE, role="status"),
            dcc.Store(id=ids.TARGET_STORE, data=store),
            editor_form,
            reviewer_form,
            html.H2("History", className="h4"),
            html.Div(history(proposals, unit_kind, unit_label), id=ids.TARGET_HISTORY),
        ]
    )
