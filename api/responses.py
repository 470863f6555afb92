"""The response models of the open data API (/api/v1): every JSON answer is built through one of
these, and the OpenAPI document (api/openapi.py) is generated from the same models, so the two
cannot drift. Models forbid unknown keys and have no defaults: a key the code adds or forgets fails."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from flask import Response, jsonify
from pydantic import BaseModel, ConfigDict, Field

Status = Literal["on_track", "at_risk", "off_track", "no_target", "no_data"]
Trend = Literal["improving", "worsening", "flat"]
UnitKind = Literal["count", "percent", "currency", "rate", "duration", "ratio", "score"]
Direction = Literal["up", "down", "range"]
Frequency = Literal["monthly", "quarterly", "annual"]
# Timestamps travel as the ISO text the code has always written (offset +00:00): typed as text with
# the date-time format, so that validating a response never rewrites its bytes.
DateTime = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Error(Model):
    """Every 4xx answer: what is wrong, and what to do about it."""

    error: str
    details: list[str] = []


class Named(Model):
    code: str
    name: str


class Counts(Model):
    """How many measures have each status; `stale` counts measures beside their status."""

    on_track: int
    at_risk: int
    off_track: int
    no_target: int
    no_data: int
    stale: int


class Envelope(Model):
    """The fields every period-based answer starts with."""

    period: str = Field(description="The period the figures describe")
    period_label: str
    data_updated_at: DateTime | None = Field(description="When published data last changed")


class AsOfEnvelope(Envelope):
    """The envelope of an endpoint that takes `as_of`."""

    as_published_on: date | None = Field(
        description="The day whose published figures these are (the as_of parameter); null: as published now"
    )


class MeasureStatus(Model):
    """A public measure evaluated for a period."""

    code: str
    name: str
    department: Named
    activity: Named
    priorities: list[str] = Field(description="Slugs of the priorities it serves")
    unit_kind: UnitKind
    unit_label: str
    direction: Direction
    frequency: Frequency
    is_key: bool
    status: Status
    stale: bool = Field(description="The latest period due by now has no published value")
    score: float | None = Field(description="1.00 = on target; capped at 1.25")
    actual: float | None
    target: float | None
    target_low: float | None
    target_high: float | None
    reported: int = Field(description="Periods of the measure's frequency reported within the period")
    expected: int
    trend: Trend | None
    previous: float | None = Field(description="The same period a year earlier")
    change: float | None = Field(description="Relative change from a year earlier")
    url: str


class PriorityIndex(Model):
    slug: str
    title: str
    description: str
    index: float | None
    measure_count: int
    key_measures: list[str]
    counts: Counts


class Priorities(AsOfEnvelope):
    index: float | None
    priorities: list[PriorityIndex]


class Measures(AsOfEnvelope):
    count: int
    measures: list[MeasureStatus]


class PriorityRef(Model):
    slug: str
    title: str


class MeasureDefinition(Model):
    """What a measure is: its definition, unit, direction, owner and priorities."""

    code: str
    name: str
    definition: str
    calculation: str
    data_source: str
    unit_kind: UnitKind
    unit_label: str
    direction: Direction
    frequency: Frequency
    aggregation: str
    tolerance: float
    measure_type: str
    is_key: bool
    department_code: str
    department_name: str
    activity_code: str
    activity_name: str
    priorities: list[PriorityRef]
    active_from: date | None
    retired_at: date | None


class SeriesLinks(Model):
    json_: str = Field(alias="json", serialization_alias="json")
    csv: str

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MeasureDetail(AsOfEnvelope):
    measure: MeasureDefinition
    status: MeasureStatus | None
    last_updated: DateTime | None
    series: SeriesLinks


class SeriesMeasure(Model):
    code: str
    name: str
    unit_kind: UnitKind
    unit_label: str
    direction: Direction
    frequency: Frequency
    tolerance: float


class SeriesPoint(Model):
    period: str
    label: str
    actual: float | None
    target: float | None
    target_low: float | None
    target_high: float | None
    status: Status
    score: float | None
    revised_on: date | None = Field(description="When a correction of this value was published")
    was: float | None = Field(description="The published value the correction replaced")


class Explanation(Model):
    period: str
    label: str
    text: str


class Series(AsOfEnvelope):
    measure: SeriesMeasure
    last_updated: DateTime | None
    series: list[SeriesPoint]
    explanations: list[Explanation]


class ScorecardPriority(Model):
    slug: str
    title: str
    index: float | None
    measure_count: int
    counts: Counts


class ScorecardMeasure(Model):
    code: str
    status: Status
    stale: bool
    score: float | None
    actual: float | None
    target: float | None
    target_low: float | None
    target_high: float | None


class Scorecard(AsOfEnvelope):
    """The figures of `python -m aim status --json`."""

    as_of: date = Field(description="The day the status was evaluated on")
    index: float | None
    counts: Counts
    priorities: list[ScorecardPriority]
    measures: list[ScorecardMeasure]


# -- budgets --------------------------------------------------------------------------------------
class YearBudget(Model):
    """An activity's (or a department's total) budget for one fiscal year; see docs/methodology.md"""

    fiscal_year: int
    adopted: float | None = Field(description="Adopted budget, dollars")
    spent: float | None = Field(description="Expenditure, dollars; null until reported")
    fte: float | None = Field(description="Funded full-time-equivalent positions")
    variance: float | None = Field(description="spent - adopted, dollars")
    variance_percent: float | None = Field(description="variance / adopted (0.05 = 5%)")


class BudgetLine(Model):
    """One activity's budget for one fiscal year"""

    department_code: str
    department_name: str
    activity_code: str
    activity_name: str
    fiscal_year: int
    adopted: float
    spent: float | None
    variance: float | None
    variance_percent: float | None
    fte: float | None


class OutputYear(Model):
    fiscal_year: int
    output: float | None = Field(description="The output measure's figure for the year")
    reported: int = Field(description="Periods of the year with a published value")
    expected: int
    cost_per_unit: float | None = Field(
        description="Spending (or the adopted budget, prorated for a partial year) / output"
    )
    basis: Literal["spent", "adopted"] | None = Field(description="Which money was divided")
    share: float = Field(
        description="Share of the year the output covers; the money is taken in the same share"
    )
    reason: str | None = Field(description="Why there is no cost per unit")
    change: float | None = Field(description="Cost per unit against the year before, (now - then) / |then|")
    change_amount: float | None = Field(description="Cost per unit now - then, dollars")


class OutputView(Model):
    """An output measure of the activity (public measures only)"""

    code: str
    name: str
    unit_label: str
    years: list[OutputYear]


class OutcomeView(Model):
    """An outcome measure of the activity, beside its spending"""

    code: str
    name: str
    direction: Direction
    unit_kind: UnitKind
    unit_label: str
    status: Status
    actual: float | None
    previous: float | None
    score: float | None
    score_change: float | None = Field(description="Score now - score a year before")
    trend: Trend | None
    improvement: float | None = Field(
        description="Change from the year before in the better direction (positive: better)"
    )
    spending_per_unit: float | None = Field(
        description="The year's spending / improvement; null when it did not improve, improved by less "
        "than min_improvement, or no spending is reported. Not a causal claim"
    )
    min_improvement: float | None = Field(
        description="The smallest improvement that is priced: 1% of the outcome's target for the year "
        "(without one, of the larger of its two yearly values); a smaller one is 'change too small to "
        "price'"
    )
    reason: str | None


class ActivityBudget(Model):
    code: str
    name: str
    years: list[YearBudget]
    outputs: list[OutputView]
    outcomes: list[OutcomeView]


class DepartmentSummary(Model):
    code: str
    name: str
    adopted: float | None
    spent: float | None
    fte: float | None
    variance: float | None
    variance_percent: float | None
    measure_count: int = Field(description="Public measures evaluated for the period")
    counts: Counts
    url: str


class Departments(Envelope):
    fiscal_year: int
    departments: list[DepartmentSummary]


class DepartmentDetail(Envelope):
    department: Named
    fiscal_years: list[int] = Field(description="The five fiscal years of the resource table, oldest first")
    totals: list[YearBudget]
    activities: list[ActivityBudget]
    measures: list[MeasureStatus]


class Budgets(Envelope):
    count: int
    budgets: list[BudgetLine]
    csv: str = Field(description="The same rows as CSV")


# -- open data: the catalog, the inventory, the archive -------------------------------------------
class Column(Model):
    name: str
    type: str
    description: str


class Dataset(Model):
    """A published dataset: a performance dataset served here, or one the city publishes elsewhere."""

    slug: str
    title: str
    description: str
    kind: Literal["performance", "linked"]
    steward: str
    update_frequency: str
    keywords: list[str]
    modified: str | None = Field(description="When its data last changed (a date or a date-time)")
    columns: list[Column]
    page: str = Field(description="The dataset's page on the open data site")
    downloads: dict[str, str] = Field(description="Where to download it, by format (csv, json, xlsx, ...)")


class Catalog(Model):
    publisher: str
    license_id: str
    license_url: str
    license_title: str
    count: int
    datasets: list[Dataset]
    dcat: str = Field(description="The same catalog as DCAT-US 1.1 (data.json), as harvesters read it")


class InventoryItem(Model):
    """An entry of the city's data inventory as the public sees it: a restricted or confidential
    entry shows that it exists and why it is not released, without its details."""

    slug: str
    name: str
    steward: str
    classification: Literal["public", "restricted", "confidential"]
    release_status: Literal["published", "planned", "under_review", "will_not_release"]
    status_reason: str
    update_frequency: str
    priority: int
    support: int = Field(description="Moderated requests from the public supporting its release")
    description: str
    system_of_record: str
    access_url: str
    keywords: str
    released_on: date | None
    details_shown: bool = Field(
        description="False for a restricted or confidential entry: its description, system of record, "
        "link and keywords are withheld"
    )


class Inventory(Model):
    count: int
    entries: list[InventoryItem]


class Release(Model):
    """An archived release: every public dataset as published on a date; it never changes."""

    release_date: date
    created_at: DateTime
    file_count: int
    total_bytes: int
    manifest_sha256: str = Field(description="SHA-256 of the release's manifest.json")
    manifest: str = Field(description="The manifest: every file of the release with its SHA-256")
    checksums: str = Field(description="The same checksums in the format of sha256sum -c")


class Archive(Model):
    count: int
    releases: list[Release]


def respond(model: type[Model], body: dict[str, Any]) -> Response:
    """The JSON answer for `body`, validated against its documented model (a mismatch is a bug: 500)."""
    return jsonify(model.model_validate(body).model_dump(mode="json", by_alias=True))
