"""The public, read-only open data API (/api/v1): priorities, measures, series and the scorecard.

Only public measures and published values, for anyone, no login. Every response says which period
it describes and when the data last changed; a bad parameter gets a 400 saying what is wrong, an
unknown code a 404. CSV downloads come from aim/exports.py, which neutralises formula cells.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import wraps

from flask import Blueprint, Response, current_app, g, jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from aim.auth import ANONYMOUS
from aim.exports import csv_text, table_csv
from aim.opendata import distribution_urls
from aim.periods import PeriodError
from aim.runtime import Runtime
from aim.schemas import MeasureFilter, MeasureStatus
from aim.services import archive, inventory, open_catalog
from aim.services.budgets import budget_lines, department_budget, departments_index
from aim.services.catalog import filter_measures, sort_measures
from aim.services.measures import measure_detail, series
from aim.services.scorecard import default_period, scorecard
from aim.services.site import site_info
from api import responses as r
from api.openapi import DOCUMENT, OPERATIONS, query_parameters
from web.context import runtime

blueprint = Blueprint("api_v1", __name__, url_prefix="/api/v1")
#: What every endpoint of this read-only API answers to.
READ_METHODS = "GET, HEAD, OPTIONS"
PERIOD_HELP = 'period must be a fiscal year "2024", a quarter "2024-Q3" or a month "2024-07"'


class ApiError(Exception):
    def __init__(self, status: int, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or []


@blueprint.errorhandler(ApiError)
def _api_error(error: ApiError):
    body = r.Error(error=error.message, details=error.details)
    return jsonify(body.model_dump(exclude_defaults=True)), error.status


@blueprint.before_app_request
def _read_only():
    """Any method but GET and HEAD: a known endpoint answers 405 (OPTIONS: 204) naming the read
    methods, an unknown path 404. Decided here because Flask would otherwise count the methods of
    the catch-all route for unknown paths as the endpoint's own."""
    if not request.path.startswith(blueprint.url_prefix or "/api/v1") or request.method in ("GET", "HEAD"):
        return None
    try:
        endpoint, _args = current_app.url_map.bind("").match(request.path, method="GET")
    except HTTPException:
        endpoint = None
    if endpoint is None or endpoint == f"{blueprint.name}.unknown":
        # Returned, not raised: without a matched route, the blueprint's error handler is not asked.
        return _api_error(
            ApiError(404, f"No such API endpoint: {request.path}", ["See /api/v1 for the endpoints."])
        )
    headers = {
        "Allow": READ_METHODS,
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": READ_METHODS,
    }
    if request.method == "OPTIONS":
        return Response(status=204, headers=headers)
    body = jsonify({"error": f"{request.path} is read-only: use {READ_METHODS}."})
    return body, 405, headers


@blueprint.after_request
def _open_data_headers(response: Response) -> Response:
    # Open data: any site may read it; it changes when data is imported, so cache briefly.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    return response


def _refused_by_document(name: str, value: str, schema: dict) -> str | None:
    """Why the document's schema refuses `value`, in words; the keywords the document uses."""
    if "enum" in schema and value not in schema["enum"]:
        return f"{name} must be one of {', '.join(schema['enum'])}; got {value!r}"
    if len(value) < schema.get("minLength", 0):
        return f"{name} is empty; leave the parameter out to mean any"
    if len(value) > schema.get("maxLength", len(value)):
        return f"{name} is longer than {schema['maxLength']} characters"
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return f"{name} {value!r} does not have the documented form"
    return None


FISCAL_YEAR_HELP = 'fiscal_year must be a year such as "2025".'
AS_OF_HELP = "Write a day as YYYY-MM-DD, e.g. 2026-11-15."


def _params(allowed: set[str]) -> dict[str, str]:
    """The query parameters, refusing unknown and repeated ones (a typo should not pass silently),
    and any value the OpenAPI document refuses: the document is the contract, so the code checks
    against it rather than against a second copy of its rules."""
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
    params = {k: request.args[k] for k in request.args}
    schemas = query_parameters(request.url_rule.rule if request.url_rule else "")
    for name, value in params.items():
        problem = _refused_by_document(name, value, schemas.get(name, {}))
        if problem and name == "period":
            try:  # the calendar says best what is wrong with a period
                runtime().calendar.parse(value)
            except PeriodError as exc:
                raise ApiError(400, f"Bad period: {exc}", [PERIOD_HELP]) from None
            raise ApiError(400, f"Bad period: {problem}.", [PERIOD_HELP])
        if problem and name == "fiscal_year":
            raise ApiError(400, f"Bad fiscal_year: {value!r}.", [FISCAL_YEAR_HELP])
        if problem and name == "as_of":
            raise ApiError(400, f"Bad as_of: {value[:40]!r}.", [AS_OF_HELP])
        if problem:
            raise ApiError(400, "Bad parameter(s).", [problem])
    return params


def _as_of(params: dict[str, str]) -> date | None:
    """The `as_of` day: the figures as published at its end; None for as published now."""
    text = params.pop("as_of", None)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"Bad as_of: {text[:40]!r}.", [AS_OF_HELP]) from None
    if day > date.today():
        # 404, not 400: the day is well formed (the document cannot say "not after today"); what it
        # names, the figures as published on that day, does not exist yet.
        raise ApiError(
            404,
            f"as_of {day} is in the future: nothing is published on it yet.",
            ["Choose today or an earlier day."],
        )
    return day


def _period(session, rt: Runtime, text: str | None, published_on: date | None = None):
    if not text:
        return default_period(session, rt.calendar, published_on=published_on)
    try:
        return rt.calendar.parse(text)
    except PeriodError as exc:
        raise ApiError(400, f"Bad period: {exc}", [PERIOD_HELP]) from None


def _envelope(
    session,
    period_key: str,
    period_label: str,
    published_on: date | None = None,
    *,
    takes_as_of: bool = True,
    **body,
) -> dict:
    """The fields every period-based answer starts with. `as_published_on` only where the
    endpoint takes `as_of` (the budget endpoints do not: their figures are always current)."""
    updated = site_info(session).data_updated_at
    envelope: dict = {
        "period": period_key,
        "period_label": period_label,
        "data_updated_at": updated.isoformat() if updated else None,
    }
    if takes_as_of:
        envelope["as_published_on"] = published_on.isoformat() if published_on else None
    return {**envelope, **body}


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
            "endpoints": [op.path for op in OPERATIONS],
            "openapi": "/api/v1/openapi.json",
        }
    )


@blueprint.get("/priorities")
@_read
def priorities(session, rt: Runtime):
    params = _params({"period", "as_of"})
    on = _as_of(params)
    card = scorecard(session, rt.calendar, _period(session, rt, params.get("period"), on), published_on=on)
    return r.respond(
        r.Priorities,
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
        ),
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
    return r.respond(
        r.Measures,
        _envelope(
            session,
            card.period,
            card.period_label,
            on,
            count=len(found),
            measures=[_measure_json(m) for m in found],
        ),
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
    return r.respond(
        r.MeasureDetail,
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
        ),
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
    return r.respond(
        r.Series,
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
        ),
    )


@blueprint.get("/measures/<code>/series.csv")
@_read
def series_csv(session, rt: Runtime, code: str):
    info, points, _explanations, updated = _series_or_404(session, rt, code)
    text = csv_text(
        ("measure", "name", *SERIES_COLUMNS),
        ((info.code, info.name, *(getattr(p, c) for c in SERIES_COLUMNS)) for p in points),
    )
    response = Response(text, mimetype="text/csv")
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
    return r.respond(
        r.Scorecard,
        {
            **summary,
            "data_updated_at": updated.isoformat() if updated else None,
            "as_published_on": on.isoformat() if on else None,
        },
    )


# -- budgets: public data in most cities; internal measures stay out --------------------------------
@blueprint.get("/departments")
@_read
def departments(session, rt: Runtime):
    params = _params({"period"})
    card = scorecard(session, rt.calendar, _period(session, rt, params.get("period")))
    found = departments_index(session, rt.calendar, card, rt.calendar.parse(card.period))
    return r.respond(
        r.Departments,
        _envelope(
            session,
            card.period,
            card.period_label,
            takes_as_of=False,
            fiscal_year=found.fiscal_year,
            departments=[
                {
                    **d.model_dump(exclude={"counts"}),
                    "counts": d.counts.as_dict(),
                    "url": f"/api/v1/departments/{d.code}",
                }
                for d in found.departments
            ],
        ),
    )


@blueprint.get("/departments/<code>")
@_read
def department(session, rt: Runtime, code: str):
    params = _params({"period"})
    period = _period(session, rt, params.get("period"))
    card = scorecard(session, rt.calendar, period)
    found = department_budget(session, rt.calendar, code, period)
    if found is None:
        raise ApiError(
            404,
            f"No department with the code {code!r}.",
            ["See /api/v1/departments for the list of departments."],
        )
    measures = sort_measures([m for m in card.measures if m.department_code == code], "department")
    return r.respond(
        r.DepartmentDetail,
        _envelope(
            session,
            card.period,
            card.period_label,
            takes_as_of=False,
            department={"code": found.code, "name": found.name},
            fiscal_years=found.years,
            totals=[t.model_dump() for t in found.totals],
            activities=[a.model_dump() for a in found.activities],
            measures=[_measure_json(m) for m in measures],
        ),
    )


BUDGET_COLUMNS = (
    ("department_code", "department_code"),
    ("department_name", "department_name"),
    ("activity_code", "activity_code"),
    ("activity_name", "activity_name"),
    ("fiscal_year", "fiscal_year"),
    ("adopted", "adopted"),
    ("spent", "spent"),
    ("variance", "variance"),
    ("variance_percent", "variance_percent"),
    ("fte", "fte"),
)


def _budget_lines(session):
    params = _params({"department", "fiscal_year"})
    year = params.get("fiscal_year") or None
    if year is not None and not (year.isdigit() and len(year) == 4):
        raise ApiError(400, f"Bad fiscal_year: {year!r}.", [FISCAL_YEAR_HELP])
    department = params.get("department") or None
    lines = budget_lines(session, department=department, fiscal_year=int(year) if year else None)
    if lines is None:
        # 404, not 400: the request is well formed (the document accepts any code); what it names
        # does not exist, as for /departments/<code>.
        raise ApiError(
            404,
            f"No department with the code {department!r}.",
            ["See /api/v1/departments for the department codes."],
        )
    span = sorted({line.fiscal_year for line in lines})
    return lines, (f"{span[0]}/{span[-1]}" if len(span) > 1 else str(span[0])) if span else ""


@blueprint.get("/budgets")
@_read
def budgets(session, rt: Runtime):
    lines, span = _budget_lines(session)
    return r.respond(
        r.Budgets,
        _envelope(
            session,
            span,
            f"Fiscal years {span.replace('/', ' to ')}" if span else "",
            takes_as_of=False,
            count=len(lines),
            budgets=[line.model_dump() for line in lines],
            csv="/api/v1/budgets.csv",
        ),
    )


@blueprint.get("/budgets.csv")
@_read
def budgets_csv(session, rt: Runtime):
    lines, span = _budget_lines(session)
    response = Response(table_csv(BUDGET_COLUMNS, [line.model_dump() for line in lines]), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="budgets.csv"'
    response.headers["X-Period"] = span
    updated = site_info(session).data_updated_at
    response.headers["X-Data-Updated-At"] = (updated or date.min).isoformat()
    return response


# -- open data: the catalog of /data, the inventory, the archive of releases ------------------------
def _no_params() -> None:
    _params(set())


@blueprint.get("/catalog")
@_read
def catalog(session, rt: Runtime):
    _no_params()
    base = request.url_root  # with ProxyFix (AIM_PROXY_HOPS), the address the reader used
    view = open_catalog.catalog(session, rt.settings)
    datasets = [
        {
            "slug": d.slug,
            "title": d.title,
            "description": d.description,
            "kind": d.kind,
            "steward": d.steward,
            "update_frequency": d.update_frequency,
            "keywords": list(d.keywords),
            "modified": d.modified.isoformat() if d.modified else None,
            "columns": [c.model_dump() for c in d.columns],
            "page": f"{base}data/{d.slug}",
            "downloads": distribution_urls(base, d.slug)
            if d.kind == "performance"
            else {"web": d.access_url},
        }
        for d in view.datasets
    ]
    return r.respond(
        r.Catalog,
        {
            "publisher": view.publisher,
            "license_id": view.license_id,
            "license_url": view.license_url,
            "license_title": view.license_title,
            "count": len(datasets),
            "datasets": datasets,
            "dcat": f"{base}data.json",
        },
    )


@blueprint.get("/inventory")
@_read
def inventory_endpoint(session, rt: Runtime):
    _no_params()
    # Always the public's view, whoever asks: the API has no sign-in.
    entries = [
        {
            **e.model_dump(
                mode="json",
                include={
                    "slug",
                    "name",
                    "steward",
                    "classification",
                    "release_status",
                    "status_reason",
                    "update_frequency",
                    "priority",
                    "support",
                    "description",
                    "system_of_record",
                    "access_url",
                    "keywords",
                    "released_on",
                },
            ),
            "details_shown": e.restricted_details,
        }
        for e in inventory.inventory(session, ANONYMOUS)
    ]
    return r.respond(r.Inventory, {"count": len(entries), "entries": entries})


@blueprint.get("/archive")
@_read
def archive_endpoint(session, rt: Runtime):
    _no_params()
    base = request.url_root
    found = [
        {
            **v.model_dump(mode="json"),
            "created_at": v.created_at.isoformat(),
            "manifest": f"{base}data/archive/{v.folder}/{archive.MANIFEST}",
            "checksums": f"{base}data/archive/{v.folder}/{archive.CHECKSUMS}",
        }
        for v in archive.releases(session)
    ]
    return r.respond(r.Archive, {"count": len(found), "releases": found})


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(DOCUMENT)


@blueprint.get("/<path:rest>")
def unknown(rest: str):
    # Without this, Dash's catch-all page route would answer unknown API paths with HTML.
    raise ApiError(404, f"No such API endpoint: /api/v1/{rest}", ["See /api/v1 for the endpoints."])
