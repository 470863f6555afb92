"""The targets page: its loader, and one write callback for both sides (the department proposes
and submits, the budget office approves or returns); the services decide who may do which."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, no_update
from pydantic import ValidationError

from aim.auth import Role, is_signed_in, roles
from aim.services import targets
from aim.services.figures import WorkflowError
from aim.services.site import site_info
from callbacks._common import current_principal, page, runtime
from callbacks._policy import callback
from layouts import ids
from layouts.staff import targets as view
from layouts.staff.workflow import figure_not_found, sign_in_prompt


@page(view.skeleton)
def layout(code: str | None = None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return sign_in_prompt("Targets", f"/targets/{code}")
    rt = runtime()
    with rt.database.read() as session:
        found = targets.target_page(session, rt.calendar, str(code or "")[:64], user=user)
        site = site_info(session)
    if found is None:
        return figure_not_found(str(code or "")[:64])
    return view.build(**found, site=site)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


@callback(
    roles(Role.DEPARTMENT_EDITOR, Role.BUDGET_ANALYST),
    Output(ids.TARGET_MESSAGE, "children"),
    Output(ids.TARGET_STORE, "data"),
    Output(ids.TARGET_HISTORY, "children"),
    Input(ids.TARGET_SAVE, "n_clicks"),
    Input(ids.TARGET_SUBMIT, "n_clicks"),
    Input(ids.TARGET_APPROVE, "n_clicks"),
    Input(ids.TARGET_RETURN, "n_clicks"),
    State(ids.TARGET_PERIOD, "value"),
    State(ids.TARGET_VALUE, "value"),
    State(ids.TARGET_LOW, "value"),
    State(ids.TARGET_HIGH, "value"),
    State(ids.TARGET_EXPLANATION, "value"),
    State(ids.TARGET_COMMENT, "value"),
    State(ids.TARGET_STORE, "data"),
    prevent_initial_call=True,
    write=True,
)
def target_action(_save, _submit, _approve, _return, period, value, low, high, explanation, comment, store):
    if not isinstance(store, dict) or not isinstance(store.get("measure"), str):
        return (
            dbc.Alert("The form was not understood; reload the page.", color="danger"),
            no_update,
            no_update,
        )
    rt, user, trigger = runtime(), current_principal(), ctx.triggered_id
    proposal, version = store.get("proposal"), store.get("version")
    try:
        with rt.database.write() as session:
            if trigger == ids.TARGET_SAVE:
                done = targets.save_proposal(
                    session,
                    rt.calendar,
                    targets.TargetInput(
                        measure=store["measure"][:64],
                        period=_text(period)[:7],
                        value=_text(value),
                        low=_text(low),
                        high=_text(high),
                        explanation=_text(explanation),
                        proposal=proposal if isinstance(proposal, int) else None,
                        version=version if isinstance(version, int) else None,
                    ),
                    user=user,
                )
                said = "Proposal saved. Submit it for approval when it is ready."
            elif not isinstance(proposal, int) or not isinstance(version, int):
                raise WorkflowError("There is no open proposal: save one first.")
            elif trigger == ids.TARGET_SUBMIT:
                done = targets.submit_proposal(session, proposal, version, user=user)
                said = "Submitted for approval."
            elif trigger == ids.TARGET_APPROVE:
                done = targets.approve_proposal(session, proposal, version, user=user)
                said = "Approved: it is now the target in force."
            else:
                done = targets.return_proposal(session, proposal, version, _text(comment), user=user)
                said = "Returned to the department."
            history = targets.proposals_of(session, done.measure, user=user)
            unit = targets.target_page(session, rt.calendar, done.measure, user=user) or {}
    except (WorkflowError, ValidationError) as exc:
        return dbc.Alert(str(exc), color="danger"), no_update, no_update
    open_one = done.state in ("draft", "returned", "submitted")
    new_store = {
        **store,
        "proposal": done.id if open_one else None,
        "version": done.version if open_one else None,
    }
    return (
        dbc.Alert(said, color="success"),
        new_store,
        view.history(history, unit.get("unit_kind", ""), unit.get("unit_label", "")),
    )
