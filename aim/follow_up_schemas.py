"""View models and validated input of follow-ups (stat meetings' action items) and the meeting
agenda (aim.services.follow_ups). Kept apart from aim/schemas.py so that they read together."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aim.schemas import Explanation, LateMeasure, MeasureStatus

STATUSES = ("open", "done", "dropped")
DUE_FILTERS = ("overdue", "week", "month")
ORDERS = ("due", "department")
#: Longest action and note accepted (a paragraph, not a report).
ACTION_MAX = 500
NOTE_MAX = 2000


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class FollowUpNoteView(View):
    at: datetime
    author: str
    role: str
    kind: str  # created, note, status, due
    text: str


class FollowUpView(View):
    id: int
    action: str
    status: str
    due_on: date
    overdue: bool  # open and due before today
    days_overdue: int  # 0 unless overdue
    department_code: str
    department_name: str
    measure_code: str = ""
    measure_name: str = ""
    measure_is_public: bool = True
    priority_slug: str = ""
    priority_title: str = ""
    #: The priorities the follow-up concerns (its own, or those its measure serves): the briefing
    #: shows it under each.
    priority_slugs: list[str] = []
    period: str = ""
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    notes: list[FollowUpNoteView] = []
    may_update: bool = False  # the reader may add notes and mark it done or open
    may_drop: bool = False  # the reader may drop it or reopen it, and move its due date


class FollowUpQuery(BaseModel):
    """The follow-ups list's filters (its query string)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    department: str = Field(default="", max_length=64)
    status: str = "open"
    due: str = ""
    order: str = "due"
    measure: str = Field(default="", max_length=64)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in ("", "any", *STATUSES):
            raise ValueError(f"status must be one of: {', '.join(STATUSES)} or any")
        return "" if value == "any" else value

    @field_validator("due")
    @classmethod
    def _due(cls, value: str) -> str:
        if value and value not in DUE_FILTERS:
            raise ValueError(f"due must be one of: {', '.join(DUE_FILTERS)}")
        return value

    @field_validator("order")
    @classmethod
    def _order(cls, value: str) -> str:
        if value and value not in ORDERS:
            raise ValueError(f"order must be one of: {', '.join(ORDERS)}")
        return value or "due"


class FollowUpList(View):
    allowed: bool
    today: date | None = None
    query: FollowUpQuery = FollowUpQuery()
    departments: list[tuple[str, str]] = []  # the ones the reader may see, for the filter
    follow_ups: list[FollowUpView] = []
    overdue: int = 0  # among those listed
    may_create: bool = False


class FollowUpSummary(View):
    """The follow-ups a reader sees at a glance: open ones, and how many are overdue."""

    open: int = 0
    overdue: int = 0
    due_this_week: int = 0
    oldest_overdue: list[FollowUpView] = []


class NewFollowUp(BaseModel):
    """A follow-up as the form sends it; the service checks the rest (who, which department)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    measure: str = Field(default="", max_length=64)
    priority: str = Field(default="", max_length=80)
    department: str = Field(max_length=64)
    action: str = Field(max_length=ACTION_MAX)
    due_on: date
    period: str = Field(default="", max_length=7)
    note: str = Field(default="", max_length=NOTE_MAX)


class AgendaException(View):
    measure: MeasureStatus
    explanation: Explanation | None = None


class Agenda(View):
    """A department's stat meeting for one period: its exceptions, late figures and follow-ups."""

    allowed: bool
    found: bool = True
    department_code: str = ""
    department_name: str = ""
    period: str = ""
    period_label: str = ""
    as_of: date | None = None
    departments: list[tuple[str, str]] = []
    exceptions: list[AgendaException] = []
    late: list[LateMeasure] = []
    follow_ups: list[FollowUpView] = []
    may_create: bool = False
