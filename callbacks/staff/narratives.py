"""Loader and write callback of the priority narratives page (/review-room/narratives). Who may read
comes from the session (aim.auth.may_use_review_room), who may write from the services (the
Mayor's Office); the store a browser sends only names the narrative and the version it saw, and the
callback is declared `write=True`, so the gate also checks its CSRF header and origin."""

from __future__ import annotations

from dash import Input, Output, State, ctx, no_update
from pydantic import ValidationError

from aim.auth import Role, may_use_review_room, roles
from aim.schemas import NarrativeInput
from aim.services import narratives
from aim.services.site import site_info
from callbacks._common import current_principal, notices, page, periods, runtime
from callbacks._policy import callback
from callbacks.staff.review import _period, read_query
from layouts import ids
from layouts.staff import narratives as view
from layouts.staff import review

WRITERS = roles(Role.MAYORS_OFFICE)


@page(view.skeleton)
def layout(period=None, priority=None, **_query):
    user = current_principal()
    if not may_use_review_room(user):
        return review.refused(user, view.PATH, title=view.TITLE)
    rt = runtime()
    query, query_notice = read_query(period=period, priority=priority)
    with rt.database.read() as session:
        chosen, period_notice = _period(session, rt, query.period)
        desk = narratives.desk(session, rt.calendar, chosen, query.priority, user=user)
        return view.build(
            desk, periods(session, rt), site_info(session), notices(period_notice, query_notice)
        )


def _message(text: str, color: str):
    from dash_bootstrap_components import Alert

    return Alert(text, color=color, className="mt-2")


def _input(store, seeing, doing) -> NarrativeInput | None:
    if not isinstance(store, dict):
        return None
    version, revision = store.get("version"), store.get("revision")
    try:
        return NarrativeInput(
            priority=str(store.get("priority", ""))[:80],
            period=str(store.get("period", ""))[:10],
            seeing=seeing if isinstance(seeing, str) else "",
            doing=doing if isinstance(doing, str) else "",
            base_version=version if isinstance(version, int) else None,
            base_revision=revision if isinstance(revision, int) else None,
        )
    except ValidationError as exc:
        fields = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        if fields & {"seeing", "doing"}:
            raise narratives.InvalidNarrative(
                "Each part may hold at most 2,000 characters.",
                {f: "At most 2,000 characters." for f in fields & {"seeing", "doing"}},
            ) from None
        return None


@callback(
    WRITERS,
    Output(ids.NARRATIVE_MESSAGE, "children"),
    Output(ids.NARRATIVE_SEEING_ERROR, "children"),
    Output(ids.NARRATIVE_DOING_ERROR, "children"),
    Output(ids.NARRATIVE_STORE, "data"),
    Output(ids.NARRATIVE_STATE, "children"),
    Output(ids.NARRATIVE_HISTORY, "children"),
    Input(ids.NARRATIVE_SAVE, "n_clicks"),
    Input(ids.NARRATIVE_PUBLISH, "n_clicks"),
    State(ids.NARRATIVE_SEEING, "value"),
    State(ids.NARRATIVE_DOING, "value"),
    State(ids.NARRATIVE_STORE, "data"),
    prevent_initial_call=True,
    write=True,
)
def save_narrative(_save, _publish, seeing, doing, store):
    """Save the draft, or save and publish it: one transaction, errors beside their fields. A stale
    form keeps the typed text on screen and says who changed the narrative."""
    try:
        data = _input(store, seeing, doing)
    except narratives.InvalidNarrative as exc:
        return (_message(str(exc), "danger"), exc.fields.get("seeing", ""), exc.fields.get("doing", ""),
                no_update, no_update, no_update)  # fmt: skip
    if data is None:
        return _message("The form was not understood; reload the page.", "danger"), "", "", *[no_update] * 3
    rt, user = runtime(), current_principal()
    try:
        with rt.database.write() as session:
            saved = narratives.save_draft(session, rt.calendar, data, user=user)
            done = "Draft saved. It is not public until it is published."
            if ctx.triggered_id == ids.NARRATIVE_PUBLISH:
                saved = narratives.publish(
                    session, rt.calendar, data.priority, data.period, saved.version, saved.revision, user=user
                )
                done = f"Published version {saved.version}: the public priority page shows it now."
            desk = narratives.desk(
                session, rt.calendar, rt.calendar.parse(data.period), data.priority, user=user
            )
    except narratives.NarrativeError as exc:
        return (
            _message(str(exc), "warning" if isinstance(exc, narratives.StaleNarrative) else "danger"),
            exc.fields.get("seeing", ""),
            exc.fields.get("doing", ""),
            no_update,
            no_update,
            no_update,
        )
    return (
        _message(done, "success"),
        "",
        "",
        {**store, "version": saved.version, "revision": saved.revision},
        view.state_text(desk.latest, desk.published, desk.priority_slug),
        view.history(desk.history),
    )
