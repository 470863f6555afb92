"""The OpenAPI 3.1 document of the open data API, generated from the response models
(api/responses.py) and the operations listed here: served at /api/v1/openapi.json, and read by
api/v1.py to check query parameters, so the document is the contract the code keeps.

Why a small generator rather than a library: the API is a Flask blueprint; flask-openapi3,
flask-smorest and apiflask would each replace its routing and error handling (a rewrite), while
pydantic's own models_json_schema gives the components, and the operations are a short table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic.json_schema import models_json_schema

from api import responses as r

PERIOD = {"type": "string", "pattern": r"^(19\d\d|2\d\d\d)(-Q[1-4]|-(0[1-9]|1[0-2]))?$"}
# The years a period may name (as PERIOD): the fiscal calendar counts back from as_of, and before
# year 1 there is no calendar (a 500 that schemathesis found, for as_of=0001-01-05).
AS_OF = {
    "type": "string",
    "format": "date",
    "pattern": r"^(19\d\d|2\d\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
}
FISCAL_YEAR = {"type": "string", "pattern": r"^(19\d\d|2\d\d\d)$"}
#: No text parameter may hold a NUL character: the site refuses any request with one (api/security.py).
NO_NUL = r"^[^\u0000]*$"
STATUSES = ["on_track", "at_risk", "off_track", "no_target", "no_data", "stale"]


@dataclass(frozen=True)
class Param:
    name: str
    schema: dict[str, Any]
    description: str = ""
    where: str = "query"


@dataclass(frozen=True)
class Operation:
    path: str
    summary: str
    model: type[r.Model] | None  # None: a CSV file
    params: tuple[Param, ...] = ()
    errors: tuple[int, ...] = (400,)
    headers: dict[str, str] = field(default_factory=dict)


CODE = Param("code", {"type": "string", "pattern": NO_NUL}, where="path")
PERIOD_PARAM = Param("period", PERIOD, 'A fiscal year "2025", a quarter "2025-Q3" or a month "2025-07"')
AS_OF_PARAM = Param("as_of", AS_OF, "The figures as published at the end of this day (YYYY-MM-DD)")
CSV_HEADERS = {
    "X-Period": "The period the rows describe",
    "X-Data-Updated-At": "When published data last changed",
}
BUDGET_PARAMS = (
    Param("department", {"type": "string", "minLength": 1, "pattern": NO_NUL}, "A department code"),
    Param("fiscal_year", FISCAL_YEAR),
)

OPERATIONS = (
    Operation(
        "/api/v1/priorities",
        "Priorities with their index and counts by status",
        r.Priorities,
        (PERIOD_PARAM, AS_OF_PARAM),
        (400, 404),
    ),
    Operation(
        "/api/v1/measures",
        "Public measures with their status for a period",
        r.Measures,
        (
            PERIOD_PARAM,
            Param(
                "priority",
                {"type": "string", "minLength": 1, "maxLength": 80, "pattern": NO_NUL},
                "A priority's slug",
            ),
            Param(
                "department",
                {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NO_NUL},
                "A department code",
            ),
            Param("status", {"type": "string", "enum": STATUSES}),
            Param("frequency", {"type": "string", "enum": ["monthly", "quarterly", "annual"]}),
            Param(
                "q",
                {"type": "string", "maxLength": 200, "minLength": 1, "pattern": NO_NUL},
                "Words of the name or definition",
            ),
            Param("sort", {"type": "string", "enum": ["department", "name", "status", "score", "change"]}),
            AS_OF_PARAM,
        ),
        (400, 404),
    ),
    Operation(
        "/api/v1/measures/{code}",
        "One measure: definition and status for a period",
        r.MeasureDetail,
        (CODE, PERIOD_PARAM, AS_OF_PARAM),
        (400, 404),
    ),
    Operation(
        "/api/v1/measures/{code}/series.json",
        "Every published value with target, status and score",
        r.Series,
        (CODE, AS_OF_PARAM),
        (400, 404),
    ),
    Operation(
        "/api/v1/measures/{code}/series.csv",
        "The same series as CSV; X-Period and X-Data-Updated-At headers carry the envelope",
        None,
        (CODE, AS_OF_PARAM),
        (400, 404),
        CSV_HEADERS,
    ),
    Operation(
        "/api/v1/scorecard",
        "The figures of python -m aim status --json",
        r.Scorecard,
        (PERIOD_PARAM, AS_OF_PARAM),
        (400, 404),
    ),
    Operation(
        "/api/v1/departments",
        "Every department with its budget for the period's fiscal year, number of public measures "
        "and their counts by status",
        r.Departments,
        (PERIOD_PARAM,),
    ),
    Operation(
        "/api/v1/departments/{code}",
        "A department: budgets of its activities for the last five fiscal years, outputs and cost "
        "per unit, outcomes, public measures",
        r.DepartmentDetail,
        (CODE, PERIOD_PARAM),
        (400, 404),
    ),
    Operation(
        "/api/v1/budgets",
        "Adopted budget, spending, variance and FTE of every activity by fiscal year "
        "(budgets are public data)",
        r.Budgets,
        BUDGET_PARAMS,
        (400, 404),
    ),
    Operation(
        "/api/v1/budgets.csv",
        "The same budget lines as CSV; X-Period and X-Data-Updated-At headers carry the envelope",
        None,
        BUDGET_PARAMS,
        (400, 404),
        CSV_HEADERS,
    ),
    Operation(
        "/api/v1/catalog",
        "Every published dataset of the open data site (/data), with its columns and downloads",
        r.Catalog,
    ),
    Operation(
        "/api/v1/inventory",
        "The city's data inventory as the public sees it: every entry, published or not, and why not",
        r.Inventory,
    ),
    Operation(
        "/api/v1/archive",
        "Every archived release, newest first, with its manifest of SHA-256 checksums",
        r.Archive,
    ),
)

INFO = {
    "title": "City performance open data API",
    "version": "1.0.0",
    "description": "Read-only, public, no login. Public measures and published values only. Status, "
    "score, index and trend follow docs/methodology.md. Generated from the response models.",
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _operation(op: Operation, schemas: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    if op.model is None:
        ok: dict[str, Any] = {"description": "OK", "content": {"text/csv": {"schema": {"type": "string"}}}}
    else:
        ok = {"description": "OK", "content": _json(schemas[(op.model, "serialization")])}
    if op.headers:
        ok["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in op.headers.items()
        }
    error = _json({"$ref": "#/components/schemas/Error"})
    answers = {"200": ok}
    for status in op.errors:
        answers[str(status)] = {
            "description": "Bad parameter(s)"
            if status == 400
            else "Not found: no public measure or department with that code, or an as_of day still to come",
            "content": error,
        }
    parameters = []
    for p in op.params:
        parameter: dict[str, Any] = {
            "name": p.name,
            "in": p.where,
            "required": p.where == "path",
            "schema": p.schema,
        }
        if p.description:
            parameter["description"] = p.description
        parameters.append(parameter)
    operation: dict[str, Any] = {
        "operationId": op.path.removeprefix("/api/v1/")
        .replace("/", "_")
        .replace("{", "")
        .replace("}", "")
        .replace(".", "_"),
        "summary": op.summary,
        "responses": answers,
    }
    if parameters:
        operation["parameters"] = parameters
    return operation


def build() -> dict[str, Any]:
    """The whole document."""
    models: list[type[r.Model]] = [r.Error, *(op.model for op in OPERATIONS if op.model is not None)]
    keyed, components = models_json_schema(
        [(m, "serialization") for m in models], ref_template="#/components/schemas/{model}"
    )
    return {
        "openapi": "3.1.0",
        "info": INFO,
        "paths": {op.path: {"get": _operation(op, keyed)} for op in OPERATIONS},
        "components": {"schemas": components["$defs"]},
    }


#: Built once: the document follows from the code and never changes while the app runs.
DOCUMENT = build()


def query_parameters(rule: str) -> dict[str, dict[str, Any]]:
    """The query parameters the document declares for a Flask rule, with their schemas."""
    operation = DOCUMENT["paths"].get(rule.replace("<code>", "{code}"), {}).get("get", {})
    return {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"}
