"""Loaders and write callbacks of the review workflow's pages: My reporting, a figure's form and the
review queue. Scope and permissions come from the session's principal inside the services; the
store and checkbox values a browser sends only name figures and the versions it saw (forged ones
are refused by the services), and every write callback is declared `write=True`, so the gate also
checks its CSRF header and origin."""

from __future__ import annotations

import base64
import binascii
import logging

from dash import ALL, Input, Output, State, ctx, html, no_update
from pydantic import ValidationError

from aim.auth import Role, is_signed_in, may_create_follow_up, may_review, roles
from aim.services import figures
from aim.services.follow_ups import open_follow_ups
from aim.services.reporting import add_comment, figure_page, my_reporting, review_queue
from aim.services.site import site_info
from aim.services.upload import upload_drafts
from aim.workflow_views import FigureInput, FigureRef
from callbacks._common import current_principal, page, page_number, runtime
from callbacks._policy import callback
from layouts import ids
from layouts.staff import follow_ups as follow_up_view
from layouts.staff import workflow as view

log = logging.getLogger(__name__)
EDITORS = roles(Role.DEPARTMENT_EDITOR)
REVIEWERS = roles(Role.BUDGET_ANALYST)


# -- pages -------------------------------------------------------------------------------------
@page(view.reporting_skeleton)
def reporting_layout(page=None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return view.sign_in_prompt("My reporting", "/reporting")
    rt = runtime()
    with rt.database.read() as session:
        result = my_reporting(
            session, rt.calendar, user=user, due_day=rt.settings.reporting_due_day, page=page_number(page)
        )
        site = site_info(session)
        # The department's open follow-ups, under its figures (the editors' to act on).
        mine = open_follow_ups(session, user=user) if result.allowed else []
    drawn = view.reporting(result, site)
    if not result.allowed:
        return drawn
    return html.Div(
        [
            drawn,
            follow_up_view.panel(
                mine,
                "Your department's open follow-ups",
                heading_id="reporting-follow-ups",
                more_href="/follow-ups",
            ),
        ]
    )


@page(view.figure_skeleton)
def figure_layout(code: str | None = None, period: str | None = None, **_query):
    user = current_principal()
    if not is_signed_in(user):
        return view.sign_in_prompt("Figure", f"/reporting/{code}/{period}")
    rt = runtime()
    with rt.database.read() as session:
        found = figure_page(session, rt.calendar, str(code or "")[:64], str(period or "")[:7], user=user)
        site = site_info(session)
        mine = open_follow_ups(session, user=user, measure_code=found.measure) if found is not None else []
    if found is None:
        return view.figure_not_found(str(code or "")[:64])
    drawn = view.figure_page(
        **found.model_dump(exclude={"figure", "history"}),
        figure=found.figure,
        history=found.history,
        site=site,
    )
    return html.Div([drawn, follow_up_view.measure_panel(mine, found.measure, may_create_follow_up(user))])


@page(view.review_skeleton)
def review_layout(**_query):
    user = current_principal()
    if not is_signed_in(user):
        return view.sign_in_prompt("Review queue", "/review")
    rt = runtime()
    with rt.database.read() as session:
        queue = review_queue(session, rt.calendar, user=user)
        site = site_info(session)
    return view.review(queue, may_review(user), site)


# -- writes ------------------------------------------------------------------------------------
def _input(store, value, explanation) -> FigureInput | None:
    if not isinstance(store, dict):
        return None
    try:
        return FigureInput(
            measure=str(store.get("measure", ""))[:64],
            period=str(store.get("period", ""))[:7],
            value=value if isinstance(value, (str, int, float)) else None,
            explanation=explanation if isinstance(explanation, str) else "",
            version=store.get("version"),
        )
    except ValidationError:
        return None


def _message(text: str, color: str):
    from dash_bootstrap_components import Alert

    return Alert(text, color=color, className="mt-2")


@callback(
    EDITORS,
    Output(ids.FIGURE_MESSAGE, "children"),
    Output(ids.FIGURE_VALUE_ERROR, "children"),
    Output(ids.FIGURE_EXPLANATION_ERROR, "children"),
    Output(ids.FIGURE_STORE, "data"),
    Output(ids.FIGURE_STATE, "children"),
    Output(ids.FIGURE_SUBMIT, "disabled"),
    Input(ids.FIGURE_SAVE, "n_clicks"),
    Input(ids.FIGURE_SUBMIT, "n_clicks"),
    State(ids.FIGURE_VALUE, "value"),
    State(ids.FIGURE_EXPLANATION, "value"),
    State(ids.FIGURE_STORE, "data"),
    prevent_initial_call=True,
    write=True,
)
def save_figure(_save, _submit, value, explanation, store):
    """Save the draft, or submit it: one service call each, errors beside their fields. A stale
    edit leaves the typed input on screen and says what the figure is now."""
    data = _input(store, value, explanation)
    if data is None:
        return (
            _message("The form was not understood; reload the page.", "danger"),
            "",
            "",
            no_update,
            no_update,
            no_update,
        )
    rt, user = runtime(), current_principal()
    try:
        with rt.database.write() as session:
            if ctx.triggered_id == ids.FIGURE_SUBMIT:
                if data.version is None:
                    raise figures.InvalidFigure("Save the value first, then submit it.")
                ref = FigureRef(measure=data.measure, period=data.period, version=data.version)
                figure = figures.submit(session, rt.calendar, [ref], user=user)[0]
                done = "Submitted for review."
            else:
                figure = figures.save_draft(session, rt.calendar, data, user=user)
                done = "Draft saved. Submit it for review when it is ready."
    except figures.StaleFigure as stale:
        current = stale.current
        return (
            _message(str(stale), "warning"),
            "",
            "",
            {**store, "version": current.version},
            view.figure_state(current, True),
            current.state not in ("draft", "returned"),
        )
    except figures.WorkflowError as exc:
        return (
            _message(str(exc), "danger"),
            exc.fields.get("value", ""),
            exc.fields.get("explanation", ""),
            no_update,
            no_update,
            no_update,
        )
    store = {**store, "version": figure.version}
    return (
        _message(done, "success"),
        "",
        "",
        store,
        view.figure_state(figure, True),
        figure.state not in ("draft", "returned"),
    )


def _refs(selected) -> list[FigureRef]:
    refs = []
    for group in selected or []:
        for item in group if isinstance(group, list) else []:
            parts = str(item).split("|")
            if len(parts) != 3:
                continue
            try:
                refs.append(FigureRef(measure=parts[0][:64], period=parts[1][:7], version=int(parts[2])))
            except (ValueError, ValidationError):
                continue
    return refs


@callback(
    REVIEWERS,
    Output(ids.REVIEW_MESSAGE, "children"),
    Output(ids.REVIEW_COMMENT_ERROR, "children"),
    Output(ids.REVIEW_QUEUE, "children"),
    Input(ids.REVIEW_APPROVE, "n_clicks"),
    Input(ids.REVIEW_RETURN, "n_clicks"),
    Input(ids.REVIEW_PUBLISH, "n_clicks"),
    Input({"type": ids.REVIEW_GROUP_APPROVE, "index": ALL}, "n_clicks"),
    State({"type": ids.REVIEW_SELECT, "index": ALL}, "value"),
    State({"type": ids.REVIEW_SELECT, "index": ALL}, "options"),
    State(ids.REVIEW_COMMENT, "value"),
    prevent_initial_call=True,
    write=True,
)
def review_action(_approve, _return, _publish, _groups, selected, options, comment):
    """Approve, return (with the comment) or publish the ticked figures, or approve a whole
    department's period with its own button; all or none."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict):  # "Approve all" of one group: every figure listed in it
        if not any(_groups or []):
            return no_update, no_update, no_update
        index = trigger.get("index")
        groups = options if isinstance(options, list) else []
        chosen = groups[index] if isinstance(index, int) and 0 <= index < len(groups) else []
        selected = (
            [[o.get("value") for o in chosen if isinstance(o, dict)]] if isinstance(chosen, list) else []
        )
        trigger = ids.REVIEW_APPROVE
    refs = _refs(selected)
    if not refs:
        return _message("Tick at least one figure first.", "warning"), "", no_update
    rt, user = runtime(), current_principal()
    try:
        with rt.database.write() as session:
            if trigger == ids.REVIEW_RETURN:
                done = figures.return_figures(
                    session, rt.calendar, refs, comment if isinstance(comment, str) else "", user=user
                )
                verb = "Returned"
            elif trigger == ids.REVIEW_PUBLISH:
                done = figures.publish(session, rt.calendar, refs, user=user)
                verb = "Published"
            else:
                done = figures.approve(session, rt.calendar, refs, user=user)
                verb = "Approved"
    except figures.WorkflowError as exc:
        return _message(str(exc), "danger"), exc.fields.get("comment", ""), no_update
    with rt.database.read() as session:
        queue = review_queue(session, rt.calendar, user=user)
    count = len(done)
    return (
        _message(f"{verb} {count} figure{'s' if count != 1 else ''}.", "success"),
        "",
        view.queue_contents(queue, True),
    )


# -- uploads -------------------------------------------------------------------------------------
@page(view.upload_skeleton)
def upload_layout(**_query):
    user = current_principal()
    if not is_signed_in(user):
        return view.sign_in_prompt("Upload values", "/reporting/upload")
    if not user.department_ids or user.role is not Role.DEPARTMENT_EDITOR:
        return view.not_for_role("Upload values", "Uploads are for department editors.")
    with runtime().database.read() as session:
        site = site_info(session)
    return view.upload_page(site)


@callback(
    EDITORS,
    Output(ids.UPLOAD_RESULT, "children"),
    Input(ids.UPLOAD, "contents"),
    State(ids.UPLOAD, "filename"),
    prevent_initial_call=True,
    write=True,
)
def upload_values(contents, filename):
    """All or nothing: every row checked with the importer's validators and the form's rules."""
    name = filename if isinstance(filename, str) else ""
    if not isinstance(contents, str) or "," not in contents:
        return view.upload_result(0, [(0, "", "", "No file was received; choose one again.")], name)
    try:
        content = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (ValueError, binascii.Error):
        return view.upload_result(0, [(0, "", "", "The file could not be read; choose it again.")], name)
    rt = runtime()
    with rt.database.write() as session:
        result = upload_drafts(session, rt.calendar, name, content, user=current_principal())
        if not result.ok:
            session.rollback()
    problems = [(p.row, p.column, p.value, p.message) for p in result.problems]
    return view.upload_result(result.saved, problems, name)


@callback(
    roles(Role.DEPARTMENT_EDITOR, Role.BUDGET_ANALYST, Role.MAYORS_OFFICE),
    Output(ids.COMMENT_MESSAGE, "children"),
    Output(ids.COMMENT_LIST, "children"),
    Output(ids.COMMENT_TEXT, "value"),
    Input(ids.COMMENT_ADD, "n_clicks"),
    State(ids.COMMENT_TEXT, "value"),
    State(ids.FIGURE_STORE, "data"),
    prevent_initial_call=True,
    write=True,
)
def add_figure_comment(_add, text, store):
    """A comment on the figure (the Mayor's Office comments; it does not approve)."""
    if not isinstance(store, dict):
        return _message("The form was not understood; reload the page.", "danger"), no_update, no_update
    rt, user = runtime(), current_principal()
    code, period = str(store.get("measure", ""))[:64], str(store.get("period", ""))[:7]
    try:
        with rt.database.write() as session:
            add_comment(session, code, period, text if isinstance(text, str) else "", user=user)
            found = figure_page(session, rt.calendar, code, period, user=user)
    except figures.WorkflowError as exc:
        return _message(str(exc), "danger"), no_update, no_update
    return _message("Comment added.", "success"), view.comment_list(found.comments if found else []), ""
