"""Pydantic models of what goes in (validated input, e.g. MeasureFilter) and what comes out of the
services (view models). Layouts, the API and the command line read these, never ORM objects; the
layouts import them from here, never from aim.services (a layer contract in pyproject.toml)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import repeat
from operator import attrgetter
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aim.status import COUNT_KEYS, stated


class View(BaseModel):
    model_config = ConfigDict(frozen=True)

    @classmethod
    def trusted(cls, columns: Mapping[str, Sequence[Any]], later: Iterable[str] = ()) -> list[Self]:
        """Many view models from columns of values a service computed itself (a column per field, the
        n-th model from each column's n-th value), already of the declared types, without validating
        them again: validation costs three times as much at 2,500 measures a scorecard. The fields
        named in `later` are None until `fill` sets them. Never for input; tests check the result
        equals the validated models (tests/aim/services/test_scorecard.py)."""
        names = list(columns)
        missing = set(cls.model_fields) - set(names) - set(later)
        assert not missing, f"{cls.__name__} needs every field: {sorted(missing)}"
        n = len(next(iter(columns.values()), ()))
        # One set of field names for all the models: pydantic adds to a model's set only when a field
        # is assigned, which a frozen model refuses, and model_copy gives the copy a set of its own.
        fields_set = set(cls.model_fields)
        # Each model's dictionary a copy of one with every field in the model's order (the order its
        # JSON keeps), then its values set: a dictionary made a key at a time resizes its table again
        # and again (a quarter more time at 34 fields). By map and zip, without a Python step a field.
        values = list(map(dict.copy, repeat(dict.fromkeys(cls.model_fields), n)))
        deque(map(dict.update, values, map(zip, repeat(names), zip(*columns.values(), strict=True))), 0)
        # The models made and their four slots set by map, in C, without a Python step a model.
        made = list(map(cls.__new__, repeat(cls, n)))
        put = object.__setattr__
        for name, value in (
            ("__pydantic_fields_set__", repeat(fields_set)),
            ("__pydantic_extra__", repeat(None)),
            ("__pydantic_private__", repeat(None)),
        ):
            deque(map(put, made, repeat(name), value), 0)
        deque(map(put, made, repeat("__dict__"), values), 0)
        return made

    @staticmethod
    def fill(models: Sequence[View], columns: Mapping[str, Sequence[Any]]) -> None:
        """Set fields of models `trusted` has just made, before anyone else holds them: the n-th
        model's from each column's n-th value, of the declared types. A service makes the models
        while a read it waits for is running and fills in what that read decides once it is in
        (aim.services.scorecard._finish); the fields keep their places (the JSON's order)."""
        names = list(columns)
        own = map(attrgetter("__dict__"), models)
        deque(map(dict.update, own, map(zip, repeat(names), zip(*columns.values(), strict=True))), 0)


class StatusCounts(View):
    """How many measures have each status; `stale` counts measures beside their status."""

    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    no_target: int = 0
    no_data: int = 0
    stale: int = 0

    def as_dict(self) -> dict[str, int]:
        return {key: getattr(self, key) for key in COUNT_KEYS}


class MeasureStatus(View):
    """One measure evaluated for one period."""

    code: str
    name: str
    department_code: str
    department_name: str
    activity_code: str
    activity_name: str
    priority_slugs: list[str]
    unit_kind: str
    unit_label: str
    direction: str
    frequency: str
    aggregation: str
    tolerance: float
    is_key: bool
    period: str
    status: str
    score: float | None = None
    actual: float | None = None
    target: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    reported: int = 0  # how many of the measure's periods inside `period` have a value
    expected: int = 0  # how many there are
    miss: float | None = None
    relative_miss: float | None = None
    stale: bool = False
    last_due: str | None = None  # the latest period that should have been reported by now
    trend: str | None = None
    window: list[float | None] = []  # the trend window's values, oldest first (for sparklines)
    window_periods: list[str] = []  # their labels ("Jul 2025")
    previous: float | None = None  # the same period a year earlier
    change: float | None = None  # (actual - previous) / |previous|
    measure_type: str = ""
    is_public: bool = True  # False only in a signed-in reader's scorecard (the review room)


class PriorityScore(View):
    slug: str
    title: str
    description: str
    index: float | None
    counts: StatusCounts
    measure_count: int
    key_measures: list[str]  # codes, in display order


class Scorecard(View):
    """The city's performance for one period: its index, each priority's, and every measure."""

    period: str
    period_label: str
    as_of: date
    index: float | None
    counts: StatusCounts
    priorities: list[PriorityScore]
    measures: list[MeasureStatus]

    def measure(self, code: str) -> MeasureStatus | None:
        return next((m for m in self.measures if m.code == code), None)

    def summary(self) -> dict:
        """The figures of `python -m aim status --json` and the scorecard API, rounded to the
        precision docs/methodology.md states (aim.status.stated)."""
        return {
            "period": self.period,
            "period_label": self.period_label,
            "as_of": self.as_of.isoformat(),
            "index": stated(self.index),
            "counts": self.counts.as_dict(),
            "priorities": [
                {
                    "slug": p.slug,
                    "title": p.title,
                    "index": stated(p.index),
                    "measure_count": p.measure_count,
                    "counts": p.counts.as_dict(),
                }
                for p in self.priorities
            ],
            "measures": [
                {
                    "code": m.code,
                    "status": m.status,
                    "stale": m.stale,
                    "score": stated(m.score),
                    "actual": stated(m.actual),
                    "target": stated(m.target),
                    "target_low": stated(m.target_low),
                    "target_high": stated(m.target_high),
                }
                for m in self.measures
            ],
        }


# What every page shows about the data set (aim.services.site).


class SiteInfo(View):
    """The city's name, whether its figures are demonstration data, and when published data last
    changed; every page shows the demonstration notice when it applies."""

    name: str = ""
    demonstration: bool = False
    notice: str = ""
    data_updated_at: datetime | None = None


# Browsing (aim.services.catalog).


class PeriodOption(View):
    """A period a reader can choose: its key ("2024-Q3") and its label."""

    key: str
    label: str


class Named(View):
    code: str
    name: str


class VisibleMeasure(Named):
    """A measure that a reader may see (aim.services.measures.visible_measure), and whether it is public."""

    is_public: bool


class ActivityView(View):
    """One activity of a department: its budget for the fiscal year and its measures' status."""

    code: str
    name: str
    description: str
    priorities: list[tuple[str, str]]
    adopted: Decimal | None = None
    expenditure: Decimal | None = None
    fte: Decimal | None = None
    measures: list[MeasureStatus]


class DepartmentView(View):
    code: str
    name: str
    description: str
    fiscal_year: str
    activities: list[ActivityView]


class ScheduleRow(View):
    """How often a public measure reports and the latest period it has published."""

    code: str
    name: str
    department: str
    frequency: str
    last_period: str | None


# One measure (aim.services.measures).


class MeasureInfo(View):
    """What a measure is: its definition, unit, direction, owner and priorities."""

    code: str
    name: str
    definition: str
    calculation: str
    data_source: str
    unit_kind: str
    unit_label: str
    direction: str
    frequency: str
    aggregation: str
    tolerance: float
    measure_type: str
    is_key: bool
    department_code: str
    department_name: str
    activity_code: str
    activity_name: str
    priorities: list[tuple[str, str]]  # (slug, title)
    active_from: date | None = None
    retired_at: date | None = None


class SeriesPoint(View):
    """One reported period of a measure, with the target in force and its status."""

    period: str
    label: str
    actual: float | None
    target: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    status: str
    score: float | None = None
    # For a year rolled up from shorter periods: how many of them have a value, and how many
    # there are (a year still under way, or one with gaps, is drawn and labelled as partial).
    reported: int | None = None
    expected: int | None = None
    #: When a correction of this period's value was published, and the value it replaced.
    revised_on: date | None = None
    was: float | None = None


class Explanation(View):
    period: str
    label: str
    text: str


class MeasureDetail(View):
    """A measure's page: what it is, its status for the period, its series and explanations."""

    info: MeasureInfo
    period: str
    period_label: str
    status: MeasureStatus | None  # None when the measure reports less often than the period
    series: list[SeriesPoint]
    explanations: list[Explanation]
    last_updated: datetime | None
    # The series combined by fiscal year with the measure's aggregation rule (empty for yearly
    # measures): what the chart's "by year" view draws.
    yearly: list[SeriesPoint] = []
    #: Set when the page shows what was published on that day (rebuilt from the revisions).
    published_on: date | None = None


# The internal measure browser (aim.services.internal).


class InternalMeasure(View):
    """A measure as signed-in staff see it, with its latest value in any workflow state."""

    code: str
    name: str
    department_code: str
    department_name: str
    activity_name: str
    is_public: bool
    frequency: str
    unit_kind: str
    unit_label: str
    latest_period: str | None = None
    latest_value: float | None = None
    latest_state: str | None = None
    updated_by: str | None = None
    updated_at: datetime | None = None


class InternalView(View):
    """What the page shows; `allowed` is False for principals with no internal reading rights."""

    allowed: bool
    departments: list[tuple[str, str]]  # (code, name) the principal may see
    measures: list[InternalMeasure]


class UserView(View):
    """A user account as the admin pages and `python -m aim users list` show it (no hash)."""

    id: int
    email: str
    display_name: str
    role: str
    department_codes: list[str]
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None = None


class AuditEventView(View):
    """One line of the audit log."""

    id: int
    at: datetime
    event: str
    user_id: int | None
    email: str
    client_address: str
    detail: str


SORTS = ("name", "status", "score", "change", "department")
STATUSES = ("on_track", "at_risk", "off_track", "no_target", "no_data", "stale")
FREQUENCIES = ("monthly", "quarterly", "annual")


class MeasureFilter(BaseModel):
    """What a reader asked for when browsing measures (page query strings and API parameters).

    Every field is optional; an empty string means "any". Unknown values are refused with a
    message naming the choices, so a mistyped link says what is wrong instead of showing nothing.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    q: str = Field(default="", max_length=200)
    priority: str = Field(default="", max_length=80)
    department: str = Field(default="", max_length=64)
    status: str = ""
    frequency: str = ""
    sort: str = "department"

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value, STATUSES, "status")

    @field_validator("frequency")
    @classmethod
    def _frequency(cls, value: str) -> str:
        return _one_of(value, FREQUENCIES, "frequency")

    @field_validator("sort")
    @classmethod
    def _sort(cls, value: str) -> str:
        return _one_of(value or "department", SORTS, "sort")


def _one_of(value: str, choices: tuple[str, ...], name: str) -> str:
    value = value.lower()
    if value and value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


# The Mayor's Office review room and briefing (aim.services.review).

COMPARISONS = ("previous", "year")
SPANS = ("months", "quarters", "years")
#: The kinds of change the review room lists, in the order shown.
CHANGE_KINDS = ("newly_off_track", "newly_at_risk", "recovered", "worsening")


class ReviewQuery(BaseModel):
    """What the review room, its lists and the briefing were asked for (their query strings)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    period: str = Field(default="", max_length=10)
    compare: str = "previous"
    span: str = "quarters"
    priority: str = Field(default="", max_length=80)
    department: str = Field(default="", max_length=64)
    status: str = ""
    change: str = ""

    @field_validator("compare")
    @classmethod
    def _compare(cls, value: str) -> str:
        return _one_of(value or "previous", COMPARISONS, "compare")

    @field_validator("span")
    @classmethod
    def _span(cls, value: str) -> str:
        return _one_of(value or "quarters", SPANS, "span")

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        return _one_of(value, STATUSES, "status")

    @field_validator("change")
    @classmethod
    def _change(cls, value: str) -> str:
        return _one_of(value, CHANGE_KINDS, "change")


class ChangeRow(View):
    """A measure whose standing changed between the comparison period and the period reviewed."""

    kind: str  # one of CHANGE_KINDS
    measure: MeasureStatus  # as judged in the period reviewed
    before: MeasureStatus | None  # as judged in the comparison period; None when not judged then
    reason: str  # why, in words: "98 homicides against 87; was on track in 2025 Q2"
    explanation: Explanation | None = None  # the department's latest explanation in the period


class LateMeasure(View):
    """A measure whose latest due figure is missing, and how late it is."""

    code: str
    name: str
    department_code: str
    department_name: str
    frequency: str
    is_public: bool
    last_due: str  # the latest period that should be in by now
    last_due_label: str
    latest: str | None  # the latest published period, if any
    latest_label: str | None
    missing: int  # periods missing from the one after `latest` up to `last_due`
    overdue_since: date  # when the first missing period was due
    days_late: int


class LateDepartment(View):
    code: str
    name: str
    measures: list[LateMeasure]


class MatrixCell(View):
    """The measures of one department serving one priority, counted by status."""

    priority_slug: str
    department_code: str
    counts: StatusCounts
    total: int


class MatrixRow(View):
    department_code: str
    department_name: str
    cells: list[MatrixCell]  # one per priority, in the priorities' order


class IndexPoint(View):
    """The citywide index and each priority's for one period (None: no key measure judged)."""

    period: str
    label: str
    index: float | None
    priorities: dict[str, float | None]  # by slug


class ReviewRoom(View):
    """The review room's landing page: what changed, what is late, the matrix and the index."""

    allowed: bool
    period: str = ""
    period_label: str = ""
    compare: str = "previous"
    compare_period: str = ""
    compare_label: str = ""
    span: str = "quarters"
    as_of: date | None = None
    priorities: list[tuple[str, str]] = []  # (slug, title)
    change_counts: dict[str, int] = {}
    changes: list[ChangeRow] = []
    late: list[LateDepartment] = []
    late_count: int = 0
    matrix: list[MatrixRow] = []
    index: list[IndexPoint] = []


class ReviewList(View):
    """The measures behind one cell of the matrix (or any filter of the reviewed scorecard)."""

    allowed: bool
    period: str = ""
    period_label: str = ""
    query: ReviewQuery = ReviewQuery()
    priorities: list[tuple[str, str]] = []
    departments: list[tuple[str, str]] = []
    measures: list[MeasureStatus] = []


class BriefingSection(View):
    """One priority in the briefing: its index, what changed and its exceptions."""

    slug: str
    title: str
    index: float | None
    counts: StatusCounts
    changes: list[ChangeRow]
    exceptions: list[MeasureStatus]  # off track and at risk, worst first
    explanations: dict[str, Explanation]  # by measure code
    narrative: PublishedNarrative | None = None  # the Mayor's Office's, for this period, if published


class Briefing(View):
    allowed: bool
    period: str = ""
    period_label: str = ""
    compare_label: str = ""
    as_of: date | None = None
    index: float | None = None
    counts: StatusCounts = StatusCounts()
    index_series: list[IndexPoint] = []
    priorities: list[tuple[str, str]] = []
    sections: list[BriefingSection] = []


# -- priority narratives (aim/services/narratives.py) ----------------------------------------------
NARRATIVE_TEXT_MAX = 2000


class PublishedNarrative(View):
    """A published version of a priority's narrative, as the public sees it: the office that wrote
    it, never the person."""

    priority_slug: str
    priority_title: str
    period: str
    period_label: str
    version: int
    seeing: str
    doing: str
    published_at: datetime
    author: str


class NarrativeVersion(View):
    """One version of a priority's narrative for staff: drafts too, and who wrote it."""

    priority_slug: str
    period: str
    period_label: str
    version: int
    state: str
    seeing: str
    doing: str
    revision: int
    updated_by: str
    updated_at: datetime
    published_by: str = ""
    published_at: datetime | None = None


class NarrativeInput(BaseModel):
    """What the narrative form sends: the text, and the version (and save) the writer started from,
    so that a stale form is refused instead of overwriting someone else's work."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    priority: str = Field(max_length=80)
    period: str = Field(max_length=10)
    seeing: str = Field(default="", max_length=NARRATIVE_TEXT_MAX)
    doing: str = Field(default="", max_length=NARRATIVE_TEXT_MAX)
    base_version: int | None = None
    base_revision: int | None = None

    @field_validator("seeing", "doing", mode="before")
    @classmethod
    def _newlines(cls, value: object) -> object:
        # Browsers send \r\n from a textarea; keep one form so that lengths and paragraphs agree.
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class NarrativeRow(View):
    """One priority's narrative for a period, in the overview of the narratives page."""

    slug: str
    title: str
    state: str = ""  # of the latest version: "", "draft" or "published"
    version: int = 0
    published_versions: int = 0


class NarrativeDesk(View):
    """The staff narratives page for one period and priority."""

    allowed: bool
    may_write: bool = False
    period: str = ""
    period_label: str = ""
    priority_slug: str = ""
    priority_title: str = ""
    latest: NarrativeVersion | None = None
    published: NarrativeVersion | None = None
    history: list[NarrativeVersion] = []  # every version, newest first
    overview: list[NarrativeRow] = []


class NarrativeHistory(View):
    """Every published version of a priority's narratives, newest first (the public history page)."""

    priority_slug: str
    priority_title: str
    versions: list[PublishedNarrative] = []
