"""The public, read-only open data API (/api/v1): priorities, measures, series and the scorecard.

Only public measures and published values, for anyone, no login. Every response says which period
it describes and when the data last changed; a bad parameter gets a 400 saying what is wrong, an
unknown code a 404. CSV cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path

from flask import Blueprint, Response, g, jsonify, request
from pydantic import ValidationError

from aim.periods import PeriodError
from aim.runtime import Runtime
from aim.schemas import MeasureFilter, MeasureStatus
from aim.services.catalog import filter_measures
from aim.services.measures import measure_detail, series
from aim.services.scorecard import default_period, scorecard
from aim.services.site import site_info
from web.context import runtime

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).with_name("openapi.json")
PERIOD_HELP = 'period must be a fiscal year "2024", a quarter "2024-Q3" or a month "2024-07"'


class ApiError(Exception):
    def __init__(self, status: int, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or []


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    body: dict[str, object] = {"error": error.message}
    if error.details:
        body["details"] = error.details
    return jsonify(body), error.status


@blueprint.after_request
def _open_data_headers(response: Response) -> Response:
    # Open data: any site may read it; it changes when data is imported, so cache briefly.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


def _params(allowed: set[str]) -> dict[str, str]:
    """The query parameters, refusing unknown and repeated ones (a typo should not pass silently)."""
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise ApiError(
            400,
            f"Unknown parameter(s): {', '.join(unknown)}.",
            [f"Allowed parameters: {', '.join(sorted(allowed)) or 'none'}."],
        )
    repeated = sorted(k for k in request.args if len(request.args.getlist(k)) > 1)
    if repeated:
        raise ApiError(400, f"Parameter(s) given more than once: {', '.join(repeated)}.")
    return {k: request.args[k] for k in request.args}


def _as_of(params: dict[str, str]) -> date | None:
    """The `as_of` day: the figures as published at its end; None for as published now."""
    text = params.pop("as_of", None)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ApiError(
            400, f"Bad as_of: {text[:40]!r}.", ["Write a day as YYYY-MM-DD, e.g. 2026-11-15."]
        ) from None
    if day > date.today():
        raise ApiError(400, f"as_of {day} is in the future.", ["Choose today or an earlier day."])
    return day


def _period(session, rt: Runtime, text: str | None, published_on: date | None = None):
    if not text:
        return default_period(session, rt.calendar, published_on=published_on)
    try:
        return rt.calendar.parse(text)
    except PeriodError as exc:
        raise ApiError(400, f"Bad period: {exc}", [PERIOD_HELP]) from None


def _envelope(session, period_key: str, period_label: str, published_on: date | None = None, **body) -> dict:
    updated = site_info(session).data_updated_at
    return {
        "period": period_key,
        "period_label": period_label,
        "data_updated_at": updated.isoformat() if updated else None,
        "as_published_on": published_on.isoformat() if published_on else None,
        **body,
    }


def _measure_json(m: MeasureStatus) -> dict:
    return {
        "code": m.code,
        "name": m.name,
        "department": {"code": m.department_code, "name": m.department_name},
        "activity": {"code": m.activity_code, "name": m.activity_name},
        "priorities": m.priority_slugs,
        "unit_kind": m.unit_kind,
        "unit_label": m.unit_label,
        "direction": m.direction,
        "frequency": m.frequency,
        "is_key": m.is_key,
        "status": m.status,
        "stale": m.stale,
        "score": m.score,
        "actual": m.actual,
        "target": m.target,
        "target_low": m.target_low,
        "target_high": m.target_high,
        "reported": m.reported,
        "expected": m.expected,
        "trend": m.trend,
        "previous": m.previous,
        "change": m.change,
        "url": f"/api/v1/measures/{m.code}",
    }


def _read(view: Callable):
    """Run the view in one read session of the app's database."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        rt = runtime()
        with rt.database.read() as session:
            return view(session, rt, *args, **kwargs)

    return wrapper


@blueprint.get("")
def index():
    return jsonify(
        {
            "description": (
                "Open data API of the city performance dashboard: public measures, published values."
            ),
            "endpoints": [
                "/api/v1/priorities",
                "/api/v1/measures",
                "/api/v1/measures/{code}",
                "/api/v1/measures/{code}/series.json",
                "/api/v1/measures/{code}/series.csv",
                "/api/v1/scorecard",
            ],
            "openapi": "/api/v1/openapi.json",
        }
    )


@blueprint.get("/priorities")
@_read
def priorities(session, rt: Runtime):
    params = _params({"period", "as_of"})
    on = _as_of(params)
    card = scorecard(session, rt.calendar, _period(session, rt, params.get("period"), on), published_on=on)
    return jsonify(
        _envelope(
            session,
            card.period,
            card.period_label,
            on,
            index=card.index,
            priorities=[
                {
                    "slug": p.slug,
                    "title": p.title,
                    "description": p.description,
                    "index": p.index,
                    "measure_count": p.measure_count,
                    "key_measures": p.key_measures,
                    "counts": p.counts.as_dict(),
                }
                for p in card.priorities
            ],
        )
    )


@blueprint.get("/measures")
@_read
def measures(session, rt: Runtime):
    params = _params({"priority", "department", "status", "frequency", "q", "sort", "period", "as_of"})
    on = _as_of(params)
    period = _period(session, rt, params.pop("period", None), on)
    try:
        wanted = MeasureFilter(**params)
    except ValidationError as exc:
        raise ApiError(
            400, "Bad parameter(s).", [e["msg"].removeprefix("Value error, ") for e in exc.errors()]
        ) from None
    card = scorecard(session, rt.calendar, period, published_on=on)
    found = filter_measures(session, card.measures, wanted)
    return jsonify(
        _envelope(
            session,
            card.period,
            card.period_label,
            on,
            count=len(found),
            measures=[_measure_json(m) for m in found],
        )
    )


def _detail_or_404(session, rt: Runtime, code: str, period, published_on: date | None = None):
    detail = measure_detail(session, rt.calendar, code, period, published_on=published_on)
    if detail is None:
        raise ApiError(
            404,
            f"No public measure with the code {code!r}.",
            ["See /api/v1/measures for the list of public measures."],
        )
    return detail


@blueprint.get("/measures/<code>")
@_read
def measure(session, rt: Runtime, code: str):
    params = _params({"period", "as_of"})
    on = _as_of(params)
    detail = _detail_or_404(session, rt, code, _period(session, rt, params.get("period"), on), on)
    info = detail.info
    return jsonify(
        _envelope(
            session,
            detail.period,
            detail.period_label,
            on,
            measure={
                **info.model_dump(mode="json", exclude={"priorities"}),
                "priorities": [{"slug": s, "title": t} for s, t in info.priorities],
            },
            status=_measure_json(detail.status) if detail.status else None,
            last_updated=detail.last_updated.isoformat() if detail.last_updated else None,
            series={
                "json": f"/api/v1/measures/{code}/series.json",
                "csv": f"/api/v1/measures/{code}/series.csv",
            },
        )
    )


SERIES_COLUMNS = (
    "period",
    "label",
    "actual",
    "target",
    "target_low",
    "target_high",
    "status",
    "score",
    "revised_on",
    "was",
)


def _series_or_404(session, rt: Runtime, code: str):
    g.aim_published_on = on = _as_of(_params({"as_of"}))
    found = series(session, rt.calendar, code, published_on=on)
    if found is None:
        raise ApiError(
            404,
            f"No public measure with the code {code!r}.",
            ["See /api/v1/measures for the list of public measures."],
        )
    return found


def _span(points) -> str:
    return f"{points[0].period}/{points[-1].period}" if points else ""


@blueprint.get("/measures/<code>/series.json")
@_read
def series_json(session, rt: Runtime, code: str):
    info, points, explanations, updated = _series_or_404(session, rt, code)
    span = _span(points)
    return jsonify(
        _envelope(
            session,
            span,
            f"{points[0].label} to {points[-1].label}" if points else "",
            g.aim_published_on,
            measure={
                "code": info.code,
                "name": info.name,
                "unit_kind": info.unit_kind,
                "unit_label": info.unit_label,
                "direction": info.direction,
                "frequency": info.frequency,
                "tolerance": info.tolerance,
            },
            last_updated=updated.isoformat() if updated else None,
            series=[p.model_dump(mode="json", include=set(SERIES_COLUMNS)) for p in points],
            explanations=[e.model_dump() for e in explanations],
        )
    )


def safe_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @, tab, return) gets a leading quote.
    Numbers are written from floats, so they are left as they are."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@blueprint.get("/measures/<code>/series.csv")
@_read
def series_csv(session, rt: Runtime, code: str):
    info, points, _explanations, updated = _series_or_404(session, rt, code)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("measure", "name", *SERIES_COLUMNS))
    for p in points:
        writer.writerow(
            [safe_cell(v) for v in (info.code, info.name, *(getattr(p, c) for c in SERIES_COLUMNS))]
        )
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{info.code}-series.csv"'
    # A CSV has no room for an envelope: the period and the update time travel in headers.
    response.headers["X-Period"] = _span(points)
    response.headers["X-Data-Updated-At"] = (
        site_info(session).data_updated_at or updated or date.min
    ).isoformat()
    if updated:
        response.last_modified = updated
    return response


@blueprint.get("/scorecard")
@_read
def scorecard_endpoint(session, rt: Runtime):
    params = _params({"period", "as_of"})
    on = _as_of(params)
    card = scorecard(session, rt.calendar, _period(session, rt, params.get("period"), on), published_on=on)
    summary = card.summary()
    updated = site_info(session).data_updated_at
    return jsonify(
        {
            **summary,
            "data_updated_at": updated.isoformat() if updated else None,
            "as_published_on": on.isoformat() if on else None,
        }
    )


@blueprint.get("/openapi.json")
def openapi():
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


@blueprint.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):
    # Without this, Dash's catch-all page route would answer unknown API paths with HTML.
    raise ApiError(404, f"No such API endpoint: /api/v1/{rest}", ["See /api/v1 for the endpoints."])
