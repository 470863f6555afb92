"""Downloads of the pages' lists as CSV and Excel: the public measure list with its filters
(/downloads/measures.csv), and the review room's lists for the readers who may use the room
(/downloads/review-room/<list>.xlsx), and the follow-ups list for the staff who may read follow-ups
(/downloads/follow-ups.csv, each reader's own departments only). Built by aim/exports.py from the
same view models as the pages, so a download never disagrees with the screen.

The review room's downloads answer 404 to anyone else, as if they did not exist (never 403, which
would say they do); their answers are never cached.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, request
from pydantic import ValidationError

from aim.auth import may_use_review_room
from aim.exports import (
    Sheet,
    changes_sheet,
    file_name,
    follow_ups_sheet,
    index_sheet,
    late_sheet,
    matrix_sheet,
    measures_sheet,
    sheet_csv,
    sheet_xlsx,
)
from aim.follow_up_schemas import FollowUpQuery
from aim.periods import PeriodError
from aim.schemas import MeasureFilter, ReviewQuery
from aim.services.catalog import filter_measures
from aim.services.follow_ups import follow_up_list
from aim.services.review import review_list, review_period, review_room
from aim.services.scorecard import default_period, scorecard
from web.context import current_principal, runtime

blueprint = Blueprint("downloads", __name__, url_prefix="/downloads")
FORMATS = {
    "csv": ("text/csv; charset=utf-8", sheet_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", sheet_xlsx),
}
MEASURE_PARAMS = {"q", "priority", "department", "status", "frequency", "sort", "period"}
REVIEW_PARAMS = set(ReviewQuery.model_fields)


def _bad(message: str) -> Response:
    return Response(message + "\n", status=400, mimetype="text/plain")


def _params(allowed: set[str]) -> dict[str, str] | Response:
    """The query parameters, or a 400 naming the unknown or repeated ones. "all" means any."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        return _bad(f"Unknown parameter(s): {', '.join(unknown)}. Allowed: {', '.join(sorted(allowed))}.")
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if repeated:
        return _bad(f"Parameter(s) given more than once: {', '.join(repeated)}.")
    return {k: ("" if v.lower() == "all" else v) for k, v in request.args.items()}


def _send(sheet: Sheet, fmt: str, *parts: str, private: bool) -> Response:
    mimetype, render = FORMATS[fmt]
    response = Response(render(sheet), mimetype=mimetype)
    name = file_name(*parts, date.today().isoformat(), suffix=fmt)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store" if private else "public, max-age=60"
    return response


def _problems(exc: ValidationError) -> str:
    return "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())


@blueprint.get("/measures.<any(csv, xlsx):fmt>")
def measures(fmt: str):
    """The public /measures list, with the same filters and period, public measures only."""
    params = _params(MEASURE_PARAMS)
    if isinstance(params, Response):
        return params
    period_text = params.pop("period", "")
    try:
        wanted = MeasureFilter(**params)
    except ValidationError as exc:
        return _bad(f"Bad filter: {_problems(exc)}.")
    rt = runtime()
    with rt.database.read() as session:
        try:
            period = rt.calendar.parse(period_text) if period_text else default_period(session, rt.calendar)
        except PeriodError as exc:
            return _bad(f"Bad period: {exc}")
        card = scorecard(session, rt.calendar, period)
        found = filter_measures(session, card.measures, wanted)
    filters = [wanted.priority, wanted.department, wanted.status, wanted.frequency]
    sheet = measures_sheet(found, f"Measures {card.period}")
    return _send(sheet, fmt, "measures", *filters, card.period, private=False)


@blueprint.get("/review-room/<any(changes, late, matrix, index, measures):what>.<any(csv, xlsx):fmt>")
def review(what: str, fmt: str):
    """One list of the review room, for its readers only (404 for anyone else)."""
    user = current_principal()
    if not may_use_review_room(user):
        abort(404)
    params = _params(REVIEW_PARAMS)
    if isinstance(params, Response):
        return params
    try:
        query = ReviewQuery(**params)
    except ValidationError as exc:
        return _bad(f"Bad choice: {_problems(exc)}.")
    rt = runtime()
    with rt.database.read() as session:
        try:
            period = rt.calendar.parse(query.period) if query.period else review_period(session, rt.calendar)
        except PeriodError as exc:
            return _bad(f"Bad period: {exc}")
        if what == "measures":
            view = review_list(session, rt.calendar, period, query, user=user)
            sheet = measures_sheet(view.measures, f"Measures {view.period}")
            parts = [query.priority, query.department, query.status, query.change, view.period]
            return _send(sheet, fmt, "review-room-measures", *parts, private=True)
        room = review_room(session, rt.calendar, period, query, user=user)
    if what == "changes":
        rows = [r for r in room.changes if not query.change or r.kind == query.change]
        sheet = changes_sheet(rows, f"Changes {room.period}")
        return _send(
            sheet,
            fmt,
            "review-room",
            query.change or "changes",
            room.period,
            "vs",
            room.compare_period,
            private=True,
        )
    if what == "late":
        return _send(late_sheet(room.late, "Late measures"), fmt, "review-room-late", private=True)
    if what == "matrix":
        sheet = matrix_sheet(room.matrix, room.priorities, f"Matrix {room.period}")
        return _send(sheet, fmt, "review-room-matrix", room.period, private=True)
    sheet = index_sheet(room.index, room.priorities, f"Index by {room.span}")
    return _send(sheet, fmt, "review-room-index", room.span, "to", room.period, private=True)


@blueprint.get("/follow-ups.<any(csv, xlsx):fmt>")
def follow_ups(fmt: str):
    """The /follow-ups list with the same filters, scoped to the reader's departments (404 for
    anyone who reads no follow-ups, as if it did not exist)."""
    user = current_principal()
    params = _params(set(FollowUpQuery.model_fields))
    if isinstance(params, Response):
        return params
    try:
        query = FollowUpQuery(**params)
    except ValidationError as exc:
        return _bad(f"Bad choice: {_problems(exc)}.")
    with runtime().database.read() as session:
        found = follow_up_list(session, query, user=user)
    if not found.allowed:
        abort(404)
    sheet = follow_ups_sheet(found.follow_ups, "Follow-ups")
    parts = [query.department, query.status or "any", query.due, query.measure]
    return _send(sheet, fmt, "follow-ups", *parts, private=True)
