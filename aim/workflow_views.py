"""What goes in and comes out of the review workflow's services: a figure as entered, a reference
to a figure at a version, and the view models of My reporting, the review queue, a measure's
figures and their history. Layouts read these (they never import a service)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class FigureInput(BaseModel):
    """A value as an editor typed it. `version` is the figure's version the edit started from
    (None: a new figure); a stale one is refused with what is there now."""

    model_config = ConfigDict(frozen=True)

    measure: str = Field(max_length=64)
    period: str = Field(max_length=7)
    value: str | float | None = None
    explanation: str = Field("", max_length=5000)
    version: int | None = Field(None, ge=1)


class FigureRef(BaseModel):
    """A figure at the version the person acting on it saw."""

    model_config = ConfigDict(frozen=True)

    measure: str = Field(max_length=64)
    period: str = Field(max_length=7)
    version: int = Field(ge=1)


class Figure(View):
    """One figure in the workflow (a measure's value for a period), as staff see it."""

    measure: str
    measure_name: str
    department_code: str
    department_name: str
    unit_kind: str
    unit_label: str
    period: str
    period_label: str
    value: float | None
    explanation: str
    state: str  # the workflow's: a correction's while one is in progress
    version: int
    updated_by: str
    updated_at: datetime | None
    review_comment: str = ""
    published_value: float | None = None  # what the public sees now (None: nothing yet)
    is_correction: bool = False
    previous_value: float | None = None  # the period before, published
    target: float | None = None
    target_low: float | None = None
    target_high: float | None = None
    status: str | None = None  # the status this value would get against the target
    flags: list[str] = []  # warnings that do not block a draft (a period not yet ended, ...)


class RevisionView(View):
    at: datetime
    by: str
    version: int
    old_value: float | None
    new_value: float | None
    old_state: str | None
    state: str
    explanation: str
    reason: str


class ReportingRow(View):
    """A measure and one of its periods on My reporting: what is due, drafted, submitted..."""

    measure: str
    measure_name: str
    department_code: str
    department_name: str
    frequency: str
    unit_kind: str
    unit_label: str
    period: str
    period_label: str
    due: date
    situation: str  # overdue, due, draft, returned, submitted, approved, published, correction
    figure: Figure | None = None


class ReportingView(View):
    allowed: bool
    today: date
    rows: list[ReportingRow] = []  # the page shown
    counts: dict[str, int] = {}  # of every row, not only the page's
    total: int = 0
    page: int = 1
    pages: int = 1
    page_size: int = 0


class QueueGroup(View):
    department_code: str
    department_name: str
    period: str
    period_label: str
    figures: list[Figure]


class ReviewQueue(View):
    allowed: bool
    groups: list[QueueGroup] = []
    approved: list[Figure] = []  # approved, waiting for the publication day

    @property
    def count(self) -> int:
        return sum(len(g.figures) for g in self.groups)


class TargetProposalView(View):
    id: int
    measure: str
    period: str
    value: float | None
    low: float | None
    high: float | None
    explanation: str
    state: str
    version: int
    proposed_by: str
    proposed_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None
    review_comment: str
    old_value: float | None
    old_low: float | None
    old_high: float | None


class StaffMeasureView(View):
    """A measure's figures for staff: published ones apart from work in progress, with history."""

    code: str
    name: str
    definition: str
    department_code: str
    department_name: str
    is_public: bool
    unit_kind: str
    unit_label: str
    frequency: str
    may_edit: bool
    may_review: bool
    figures: list[Figure]
    history: dict[str, list[RevisionView]]  # period -> revisions, newest first
    targets: list[TargetProposalView] = []


class PublishedFigure(View):
    """What the public saw for a figure on a date, rebuilt from the revisions."""

    measure: str
    period: str
    value: float | None
    explanation: str
    published_at: datetime


class CommentView(View):
    author: str
    role: str
    at: datetime
    text: str


class FigurePage(View):
    """One figure's page: the measure, the figure (None: not entered yet), and its history."""

    measure: str
    measure_name: str
    department_name: str
    unit_kind: str
    unit_label: str
    period: str
    period_label: str
    figure: Figure | None
    editable: bool
    history: list[RevisionView]
    comments: list[CommentView] = []
