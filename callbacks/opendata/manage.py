"""The data coordinator's desk (/data/manage): its loader and its four write callbacks (moderate,
answer, save an inventory entry, import the inventory CSV). Each is declared for data coordinators
only, and each service checks the principal again before it writes (the door behind the gate)."""

from __future__ import annotations

import base64
import binascii

import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from aim.auth import Role, may_manage_open_data, roles
from aim.services import data_requests, inventory
from aim.services.site import site_info
from callbacks._common import current_principal, page, runtime
from callbacks._policy import callback
from layouts import ids
from layouts.opendata import manage

COORDINATORS = roles(Role.DATA_COORDINATOR)
ASSET_STATES = [State(ids.ASSET_FIELD_PREFIX + name, "value") for name, *_ in manage.ASSET_FIELDS]


@page(manage.skeleton)
def layout(edit=None, done=None, **_query):
    user = current_principal()
    if not may_manage_open_data(user):
        return manage.not_allowed()
    with runtime().database.read() as session:
        entries = inventory.inventory(session, user)
        editing = inventory.find_entry(session, user, str(edit)[:80]) if edit else None
        return manage.build(
            data_requests.queue(session, user),
            data_requests.answerable(session, user),
            entries,
            site_info(session),
            editing=editing,
            done=str(done or ""),
        )


def _problems(problems: list[str]) -> dbc.Alert:
    return dbc.Alert(
        [
            html.P("Nothing was saved:", className="mb-1"),
            html.Ul([html.Li(p) for p in problems], className="mb-0"),
        ],
        color="danger",
    )


def _write(action, done: str):
    """Run one service call in a write transaction as the signed-in user: (message, reload)."""
    try:
        with runtime().database.write() as session:
            action(session, current_principal())
    except inventory.NotAllowed as exc:
        return _problems([str(exc)]), None
    except inventory.InventoryError as exc:
        return _problems(exc.problems), None
    return None, f"/data/manage?done={done}"


@callback(
    COORDINATORS,
    Output(ids.MODERATE_MESSAGE, "children"),
    Output(f"{ids.MANAGE_RELOAD}-moderated", "href"),
    Input(ids.MODERATE_SUBMIT, "n_clicks"),
    State(ids.MODERATE_REQUEST, "value"),
    State(ids.MODERATE_ACTION, "value"),
    prevent_initial_call=True,
    write=True,
)
def moderate(_clicks, request_id, action):
    return _write(lambda s, u: data_requests.moderate(s, u, request_id, action == "approve"), "moderated")


@callback(
    COORDINATORS,
    Output(ids.ANSWER_MESSAGE, "children"),
    Output(f"{ids.MANAGE_RELOAD}-answered", "href"),
    Input(ids.ANSWER_SUBMIT, "n_clicks"),
    State(ids.ANSWER_REQUEST, "value"),
    State(ids.ANSWER_STATUS, "value"),
    State(ids.ANSWER_TEXT, "value"),
    State(ids.ANSWER_URL, "value"),
    State(ids.ANSWER_ASSET, "value"),
    prevent_initial_call=True,
    write=True,
)
def answer(_clicks, request_id, status, text, url, asset):
    asset = "" if asset in (None, "none") else str(asset)
    return _write(
        lambda s, u: data_requests.answer(
            s, u, request_id, str(status), str(text or ""), str(url or ""), asset
        ),
        "answered",
    )


@callback(
    COORDINATORS,
    Output(ids.ASSET_MESSAGE, "children"),
    Output(f"{ids.MANAGE_RELOAD}-saved", "href"),
    Input(ids.ASSET_SUBMIT, "n_clicks"),
    *ASSET_STATES,
    prevent_initial_call=True,
    write=True,
)
def save_asset(_clicks, *values):
    fields = {name: value for (name, *_), value in zip(manage.ASSET_FIELDS, values, strict=True)}
    return _write(lambda s, u: inventory.save_asset(s, u, inventory.parse_asset(fields)), "saved")


def _decode(contents: object) -> str:
    """The text of an uploaded file (a data: URL); InventoryError when it is not UTF-8 text."""
    try:
        _header, encoded = str(contents).split(",", 1)
        return base64.b64decode(encoded, validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise inventory.InventoryError(["The file is not a UTF-8 CSV file."]) from None


@callback(
    COORDINATORS,
    Output(ids.INVENTORY_UPLOAD_MESSAGE, "children"),
    Output(f"{ids.MANAGE_RELOAD}-imported", "href"),
    Input(ids.INVENTORY_UPLOAD, "contents"),
    prevent_initial_call=True,
    write=True,
)
def import_inventory(contents):
    return _write(lambda s, u: inventory.import_csv(s, u, _decode(contents)), "imported")
