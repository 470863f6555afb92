"""The tables of the import format, as pydantic row models: one place that says which columns
exist, which are required, and how each cell is read. The Frictionless Table Schemas published in
data/schema/ are generated from these models (see `table_schema`), so the two cannot drift apart.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from aim.importing import values as v
from aim.models import (
    ACTUAL_STATES,
    AGGREGATIONS,
    DIRECTIONS,
    FREQUENCIES,
    MEASURE_TYPES,
    UNIT_KINDS,
)
from aim.periods import KEY_HELP, FiscalCalendar, PeriodError


@dataclass(frozen=True)
class Col:
    """How a column appears in the Frictionless Table Schema."""

    type: str = "string"
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
_MEASURE_CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
_PERIOD = r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$"
_NUMBER_COL = Col("number", extra={"bareNumber": False, "groupChar": ","})
_SYNTAX = FiscalCalendar(1)  # period syntax does not depend on the fiscal-year start


def _required(text: object) -> str:
    value = v.clean(text)
    if not value:
        raise ValueError("is required")
    return value


def _matching(pattern: str, help_text: str, max_length: int = 64):
    compiled = re.compile(pattern)

    @functools.lru_cache(maxsize=65536)  # codes repeat on every row of a measure's values
    def check(text: object) -> str:
        value = _required(text)
        if len(value) > max_length or not compiled.match(value):
            raise ValueError(f"must be {help_text}; got {value!r}")
        return value

    return check


def _choice(choices: tuple[str, ...], default: str | None = None):
    def check(text: object) -> str:
        if default is not None and v.is_no_value(text):
            return default
        return v.parse_choice(text, choices)

    return check


def _required_number(text: object) -> float:
    value = v.parse_number(text)
    if value is None:
        raise ValueError("is required (a number)")
    return value


def _not_negative(text: object) -> float | None:
    value = v.parse_number(text)
    if value is not None and value < 0:
        raise ValueError(f"must not be negative; got {v.clean(text)!r}")
    return value


@functools.lru_cache(maxsize=8192)
def _period(text: object) -> str:
    value = _required(text)
    try:
        return _SYNTAX.parse(value).key
    except PeriodError:
        raise ValueError(f"must be {KEY_HELP}; got {value!r}") from None


def _year(text: object) -> int:
    value = v.parse_number(text)
    if value is None or not value.is_integer() or not 1900 <= value <= 2999:
        raise ValueError(f"must be a fiscal year such as 2024; got {v.clean(text)!r}")
    return int(value)


def _whole(text: object) -> int:
    value = v.parse_number(text)
    if value is None:
        return 0
    if not value.is_integer():
        raise ValueError(f"must be a whole number; got {v.clean(text)!r}")
    return int(value)


def _slugs(text: object) -> list[str]:
    slugs = v.split_list(text)
    for slug in slugs:
        if not re.match(_SLUG, slug):
            raise ValueError(f"must be priority slugs separated by ';' (safe-neighborhoods); got {slug!r}")
    return slugs


def _text(max_length: int | None = None, required: bool = False):
    def check(text: object) -> str:
        value = _required(text) if required else v.clean(text)
        if max_length and len(value) > max_length:
            raise ValueError(f"must be at most {max_length} characters; got {len(value)}")
        return value

    return check


def _long_text(text: object) -> str:
    # Explanations and definitions keep their line breaks; only the ends are trimmed.
    return "" if text is None else str(text).replace("\u00a0", " ").strip()


Slug = Annotated[
    str,
    BeforeValidator(_matching(_SLUG, "lower-case letters, digits and hyphens (safe-neighborhoods)", 80)),
    Col(required=True, pattern=_SLUG),
]
Code = Annotated[
    str,
    BeforeValidator(_matching(_CODE, "letters, digits, '-', '_' or '.' (MPD-PATROL)")),
    Col(required=True, pattern=_CODE),
]
MeasureCode = Annotated[
    str,
    BeforeValidator(_matching(_MEASURE_CODE, "letters, digits, '-' or '_' (violent-crimes)")),
    Col(required=True, pattern=_MEASURE_CODE),
]
Name = Annotated[str, BeforeValidator(_text(300, required=True)), Col(required=True)]
ShortText = Annotated[str, BeforeValidator(_text(80)), Col()]
LongText = Annotated[str, BeforeValidator(_long_text), Col()]
Period = Annotated[str, BeforeValidator(_period), Col(required=True, pattern=_PERIOD)]
OptionalNumber = Annotated[float | None, BeforeValidator(v.parse_number), _NUMBER_COL]
OptionalDate = Annotated[date | None, BeforeValidator(v.parse_date), Col("date")]


def Choice(choices: tuple[str, ...], default: str | None = None):  # noqa: N802 - reads like a type
    return Annotated[
        str, BeforeValidator(_choice(choices, default)), Col(required=default is None, enum=choices)
    ]


def Flag(default: bool):  # noqa: N802
    return Annotated[
        bool,
        BeforeValidator(lambda t: v.parse_bool(t, default)),
        Col(
            "boolean",
            extra={
                "trueValues": ["true", "True", "TRUE", "yes", "Yes", "y", "1"],
                "falseValues": ["false", "False", "FALSE", "no", "No", "n", "0"],
            },
        ),
    ]


class Row(BaseModel):
    """A row of an import table; unknown columns are refused when the header is read."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class CityRow(Row):
    name: Name = Field(description="The city's name, shown in the page header")
    demonstration: Flag(False) = Field(  # type: ignore[valid-type]
        False, description="true when the figures are demonstration data, not official figures"
    )
    notice: LongText = Field("", description="A sentence shown with the data")


class PriorityRow(Row):
    slug: Slug = Field(description="Stable, URL-safe key of the priority")
    title: Name = Field(description="The priority as the city states it")
    description: LongText = Field("", description="A sentence or two for the public")
    sort_order: Annotated[int, BeforeValidator(_whole), Col("integer")] = Field(
        0, description="Priorities are shown in this order"
    )


class DepartmentRow(Row):
    code: Code = Field(description="Stable key of the department")
    name: Name = Field(description="The department's name")
    description: LongText = Field("", description="What the department does")


class ActivityRow(Row):
    code: Code = Field(description="Stable key of the activity, unique across the city")
    department: Code = Field(description="The department's code")
    name: Name = Field(description="The activity: a program, service or division")
    description: LongText = Field("", description="What the activity does")
    priorities: Annotated[list[str], BeforeValidator(_slugs), Col()] = Field(
        default_factory=list, description="Slugs of the priorities it serves, separated by ';'"
    )


class MeasureRow(Row):
    code: MeasureCode = Field(description="Stable key used in web addresses")
    activity: Code = Field(description="The activity's code")
    name: Name = Field(description="What the public reads")
    definition: LongText = Field("", description="What is counted")
    calculation: LongText = Field("", description="How the figure is calculated")
    data_source: LongText = Field("", description="The system or report the figure comes from")
    unit_kind: Choice(UNIT_KINDS) = Field(description="Kind of unit")  # type: ignore[valid-type]
    unit_label: ShortText = Field("", description="How the unit reads: minutes, per 1,000 live births")
    direction: Choice(DIRECTIONS) = Field(  # type: ignore[valid-type]
        description="up: higher is better; down: lower is better; range: within bounds"
    )
    frequency: Choice(FREQUENCIES) = Field(description="How often a value is reported")  # type: ignore[valid-type]
    aggregation: Choice(AGGREGATIONS) = Field(  # type: ignore[valid-type]
        description="How shorter periods combine into longer ones"
    )
    tolerance: Annotated[
        float,
        BeforeValidator(lambda t: v.parse_fraction(t, 0.10)),
        Col("string", pattern=r"^\s*(0(\.\d+)?|1(\.0+)?|\d{1,3}(\.\d+)?\s*%)?\s*$"),
    ] = Field(0.10, description="How far from target is still 'at risk': a fraction (0.1) or percent (10%)")
    measure_type: Choice(MEASURE_TYPES) = Field(description="Kind of measure")  # type: ignore[valid-type]
    is_public: Flag(True) = Field(True, description="Internal measures never appear in public")  # type: ignore[valid-type]
    is_key: Flag(False) = Field(False, description="A headline measure of its priorities")  # type: ignore[valid-type]
    is_output: Flag(False) = Field(  # type: ignore[valid-type]
        False,
        description="Counts what its activity produces: its cost per unit divides spending by this",
    )
    active_from: OptionalDate = Field(None, description="Date the measure started")
    retired_at: OptionalDate = Field(None, description="Date the measure was retired")

    @model_validator(mode="after")
    def _retired_after_start(self) -> MeasureRow:
        if self.active_from and self.retired_at and self.retired_at < self.active_from:
            raise ValueError(f"retired_at {self.retired_at} is before active_from {self.active_from}")
        return self

    @model_validator(mode="after")
    def _output_counts_units(self) -> MeasureRow:
        # Spending divided by the figure must be a cost per unit (aim/budget.py).
        if self.is_output and (self.measure_type != "output" or self.unit_kind != "count"):
            raise ValueError(
                "is_output is only for measures whose measure_type is output and unit_kind is count "
                f"(the activity's cost per unit divides spending by it); got {self.measure_type}, "
                f"{self.unit_kind}"
            )
        return self


class TargetRow(Row):
    measure: MeasureCode = Field(description="The measure's code")
    period: Period = Field(description="The period the target is for")
    value: OptionalNumber = Field(None, description="The target, for up and down measures")
    low: OptionalNumber = Field(None, description="Lower bound, for range measures")
    high: OptionalNumber = Field(None, description="Upper bound, for range measures")

    @model_validator(mode="after")
    def _value_or_bounds(self) -> TargetRow:
        if self.value is None and (self.low is None or self.high is None):
            raise ValueError("a target needs a value, or both low and high for a range measure")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low ({self.low:g}) is above high ({self.high:g})")
        return self


class ActualRow(Row):
    measure: MeasureCode = Field(description="The measure's code")
    period: Period = Field(description="A period of the measure's frequency")
    value: OptionalNumber = Field(None, description="The figure; empty when reported as unavailable")
    explanation: LongText = Field("", description="The department's explanation of the figure")
    state: Choice(ACTUAL_STATES, "published") = Field(  # type: ignore[valid-type]
        "published", description="Workflow state; only published values are public"
    )


class BudgetRow(Row):
    activity: Code = Field(description="The activity's code")
    fiscal_year: Annotated[int, BeforeValidator(_year), Col("integer", required=True)] = Field(
        description="The fiscal year, e.g. 2024"
    )
    adopted: Annotated[float, BeforeValidator(_required_number), _NUMBER_COL] = Field(
        description="Adopted budget in dollars"
    )
    expenditure: Annotated[float | None, BeforeValidator(_not_negative), _NUMBER_COL] = Field(
        None, description="Actual expenditure in dollars"
    )
    fte: Annotated[float | None, BeforeValidator(_not_negative), _NUMBER_COL] = Field(
        None, description="Funded full-time-equivalent positions"
    )

    @model_validator(mode="after")
    def _adopted_not_negative(self) -> BudgetRow:
        if self.adopted < 0:
            raise ValueError(f"adopted must not be negative; got {self.adopted:g}")
        return self


@dataclass(frozen=True)
class Table:
    name: str
    model: type[Row]
    key: tuple[str, ...]
    title: str


#: The tables in the order they are loaded (each refers only to tables before it).
TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("city", CityRow, (), "The data set as a whole"),
        Table("priorities", PriorityRow, ("slug",), "Strategic priorities"),
        Table("departments", DepartmentRow, ("code",), "Departments"),
        Table("activities", ActivityRow, ("code",), "Activities (programs, services, divisions)"),
        Table("measures", MeasureRow, ("code",), "Performance measures"),
        Table("targets", TargetRow, ("measure", "period"), "Targets"),
        Table("actuals", ActualRow, ("measure", "period"), "Actual values"),
        Table("budgets", BudgetRow, ("activity", "fiscal_year"), "Budgets"),
    )
}


def columns(table: str) -> list[str]:
    return list(TABLES[table].model.model_fields)


def required_columns(table: str) -> list[str]:
    model = TABLES[table].model
    return [name for name in columns(table) if _col(model, name).required]


def _col(model: type[Row], name: str) -> Col:
    return next((m for m in model.model_fields[name].metadata if isinstance(m, Col)), Col())


def table_schema(table: str) -> dict[str, Any]:
    """The Frictionless Table Schema of a table, generated from its row model."""
    spec = TABLES[table]
    fields = []
    for name in columns(table):
        col = _col(spec.model, name)
        entry: dict[str, Any] = {"name": name, "type": col.type}
        description = spec.model.model_fields[name].description
        if description:
            entry["description"] = description
        constraints: dict[str, Any] = {}
        if col.required:
            constraints["required"] = True
        if col.enum:
            constraints["enum"] = list(col.enum)
        if col.pattern:
            constraints["pattern"] = col.pattern
        if constraints:
            entry["constraints"] = constraints
        entry.update(col.extra)
        fields.append(entry)
    schema: dict[str, Any] = {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": spec.title,
        "description": f"The '{table}' table of the AIM import format (docs/import-format.md).",
        "fields": fields,
        "missingValues": v.NO_VALUE_SPELLINGS,
    }
    if spec.key:
        schema["primaryKey"] = list(spec.key)
    return schema
