"""SQLAlchemy 2 typed models of the AIM framework: priorities, departments, activities, measures,
targets, actuals with their revisions, budgets, user accounts, the audit log, and the open data
site's inventory, community requests and archived releases. Constraints live in the database too."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, ClassVar, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
    inspect,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, validates

from aim.auth import Role
from aim.db import DATA_MOVED
from aim.opendata import (
    ANSWER_STATUSES,
    ASSET_CLASSIFICATIONS,
    MODERATION_STATES,
    RELEASE_STATUSES,
    REQUEST_KINDS,
    REQUEST_TEXT_MAX,
    REQUEST_TITLE_MAX,
    UPDATE_FREQUENCIES,
)
from aim.workflow import State as WorkflowState

# Stable constraint names on SQLite and PostgreSQL alike, so migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UNIT_KINDS = ("count", "percent", "currency", "rate", "duration", "ratio", "score")
DIRECTIONS = ("up", "down", "range")
FREQUENCIES = ("monthly", "quarterly", "annual")
AGGREGATIONS = ("sum", "mean", "last")
MEASURE_TYPES = ("outcome", "output", "efficiency", "demand")
#: The states a figure may be imported in (docs/import-format.md).
ACTUAL_STATES = ("draft", "submitted", "approved", "published")
#: Every state of the review workflow (aim/workflow.py): the imported ones and "returned".
WORKFLOW_STATES = tuple(str(s) for s in WorkflowState)
#: The states of a correction in progress on a published figure.
PENDING_STATES = tuple(str(s) for s in WorkflowState if s is not WorkflowState.PUBLISHED)
USER_ROLES = tuple(role.value for role in Role)
AUDIT_EVENTS = (
    "login",
    "login_failed",
    "logout",
    "denied",
    "user_created",
    "user_disabled",
    "role_changed",
    "password_changed",
    "departments_changed",
    # The data coordinator's work on the open data site (aim/services/inventory.py, data_requests.py).
    "inventory_changed",
    "inventory_imported",
    "request_moderated",
    "request_answered",
    # Priority narratives (aim/services/narratives.py): every draft saved and every publication.
    "narrative_saved",
    "narrative_published",
    # Follow-ups of stat meetings (aim/services/follow_ups.py): every change, by whom.
    "follow_up_created",
    "follow_up_changed",
)
NARRATIVE_STATES = ("draft", "published")
TARGET_PROPOSAL_STATES = ("draft", "submitted", "returned", "approved")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Timestamps must be timezone-aware.")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """A CHECK constraint that keeps an enumeration column to its allowed values."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
unique_code = Annotated[str, mapped_column(String(64), unique=True)]
period_key = Annotated[str, mapped_column(String(7))]
created = Annotated[datetime, mapped_column(UTCDateTime, default=utcnow)]
who = Annotated[str, mapped_column(String(200), default="")]
money = Annotated[Decimal, mapped_column(Numeric(16, 2))]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # Every model here maps one Table (never a join or a select): say so for the type checker, so
    # that `Model.__table__.c` and insert(Model.__table__) type-check in the bulk paths.
    __table__: ClassVar[Table]


activity_priorities = Table(
    "activity_priorities",
    Base.metadata,
    Column("activity_id", ForeignKey("activities.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("priorities.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_activity_priorities_priority_id", "priority_id"),
)


class Priority(Base):
    __tablename__ = "priorities"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    activities: Mapped[list[Activity]] = relationship(
        secondary=activity_priorities, back_populates="priorities"
    )


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[intpk]
    code: Mapped[unique_code]
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    activities: Mapped[list[Activity]] = relationship(back_populates="department")


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[intpk]
    code: Mapped[unique_code]
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    department: Mapped[Department] = relationship(back_populates="activities")
    priorities: Mapped[list[Priority]] = relationship(
        secondary=activity_priorities, back_populates="activities"
    )
    measures: Mapped[list[Measure]] = relationship(back_populates="activity")
    budgets: Mapped[list[Budget]] = relationship(back_populates="activity")


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (
        one_of("unit_kind", UNIT_KINDS),
        one_of("direction", DIRECTIONS),
        one_of("frequency", FREQUENCIES),
        one_of("aggregation", AGGREGATIONS),
        one_of("measure_type", MEASURE_TYPES),
        CheckConstraint("tolerance >= 0 AND tolerance <= 1", name="tolerance_fraction"),
        CheckConstraint(
            "retired_at IS NULL OR active_from IS NULL OR retired_at >= active_from",
            name="retired_after_active",
        ),
        # Cost per unit divides spending by this measure's yearly figure: it must count units.
        CheckConstraint(
            "NOT is_output OR (measure_type = 'output' AND unit_kind = 'count')", name="output_counts_units"
        ),
    )

    id: Mapped[intpk]
    code: Mapped[unique_code]
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(Text, default="")
    calculation: Mapped[str] = mapped_column(Text, default="")
    data_source: Mapped[str] = mapped_column(Text, default="")
    unit_kind: Mapped[str] = mapped_column(String(16))
    unit_label: Mapped[str] = mapped_column(String(80), default="")
    direction: Mapped[str] = mapped_column(String(8))
    frequency: Mapped[str] = mapped_column(String(16))
    aggregation: Mapped[str] = mapped_column(String(8))
    tolerance: Mapped[float] = mapped_column(Float, default=0.10)
    measure_type: Mapped[str] = mapped_column(String(16))
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Counts what its activity produces (tons collected, inspections made): the activity's cost
    #: per unit is its spending divided by this measure's figure for the year (aim/budget.py).
    is_output: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active_from: Mapped[date | None] = mapped_column(Date)
    retired_at: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="measures")
    targets: Mapped[list[Target]] = relationship(back_populates="measure")
    actuals: Mapped[list[Actual]] = relationship(back_populates="measure")


class Target(Base):
    __tablename__ = "targets"
    __table_args__ = (
        UniqueConstraint("measure_id", "period"),
        # The scorecard reads the targets of a few periods across all measures.
        Index("ix_targets_period", "period"),
        CheckConstraint(
            "value IS NOT NULL OR (low IS NOT NULL AND high IS NOT NULL)", name="value_or_bounds"
        ),
        CheckConstraint("low IS NULL OR high IS NULL OR low <= high", name="low_not_above_high"),
    )

    id: Mapped[intpk]
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    period: Mapped[period_key]
    value: Mapped[float | None] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    set_by: Mapped[who]
    set_at: Mapped[created]

    measure: Mapped[Measure] = relationship(back_populates="targets")


class Actual(Base):
    __tablename__ = "actuals"
    __table_args__ = (
        UniqueConstraint("measure_id", "period"),
        one_of("state", WORKFLOW_STATES),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "pending_state IS NULL OR (state = 'published' AND pending_state IN "
            "('draft', 'submitted', 'returned', 'approved'))",
            name="pending_only_on_published",
        ),
        # The scorecard reads published values of a few periods across all measures: with the
        # value in the index it never touches the table (4x faster at 600,000 values).
        Index("ix_actuals_state_period_value", "state", "period", "measure_id", "value"),
        # Corrections in progress (few, among many published figures): the review queue finds them.
        Index("ix_actuals_pending_state", "pending_state"),
    )

    id: Mapped[intpk]
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    period: Mapped[period_key]
    value: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[who]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_at: Mapped[created]
    #: A correction in progress on a published figure: the public keeps seeing `value` and
    #: `explanation` (state stays "published") until the correction itself is published.
    pending_value: Mapped[float | None] = mapped_column(Float)
    pending_explanation: Mapped[str | None] = mapped_column(Text)
    pending_state: Mapped[str | None] = mapped_column(String(12))
    #: The reviewer's comment when the figure (or its correction) was last returned.
    review_comment: Mapped[str] = mapped_column(Text, default="")
    #: When the public value was last published (None: never published).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    measure: Mapped[Measure] = relationship(back_populates="actuals")
    revisions: Mapped[list[ActualRevision]] = relationship(
        back_populates="actual", order_by="ActualRevision.id"
    )

    #: Why the next change is made (not stored here: it goes into the ActualRevision).
    change_reason = ""
    #: When the next change is made (None: now); the services set it once per action.
    change_time = cast("datetime | None", None)

    @property
    def working_state(self) -> str:
        """The figure's state in the workflow: a correction's, while one is in progress."""
        return self.pending_state or self.state

    @property
    def working_value(self) -> float | None:
        return self.pending_value if self.pending_state else self.value

    @property
    def working_explanation(self) -> str:
        return (self.pending_explanation or "") if self.pending_state else self.explanation

    # Optimistic concurrency: an UPDATE carrying a stale version changes no row and fails.
    __mapper_args__ = {"version_id_col": version}


class ActualRevision(Base):
    """Append-only history of every change to an actual; the database refuses UPDATE and DELETE."""

    __tablename__ = "actual_revisions"
    __table_args__ = (
        one_of("state", WORKFLOW_STATES),
        CheckConstraint(
            "old_state IS NULL OR old_state IN ('draft', 'submitted', 'returned', 'approved', 'published')",
            name="old_state_allowed",
        ),
        # "What was published on a date" reads the published revisions of every figure.
        Index("ix_actual_revisions_state_changed_at", "state", "changed_at"),
    )

    id: Mapped[intpk]
    actual_id: Mapped[int] = mapped_column(ForeignKey("actuals.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    old_value: Mapped[float | None] = mapped_column(Float)
    new_value: Mapped[float | None] = mapped_column(Float)
    old_state: Mapped[str | None] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12))
    changed_by: Mapped[who]
    changed_at: Mapped[created]
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The figure's explanation after this change (so a revision says what was said, and when).
    explanation: Mapped[str] = mapped_column(Text, default="")

    actual: Mapped[Actual] = relationship(back_populates="revisions")


class Budget(Base):
    __tablename__ = "budgets"
    __table_args__ = (
        UniqueConstraint("activity_id", "fiscal_year"),
        CheckConstraint("adopted >= 0", name="adopted_not_negative"),
        CheckConstraint("fte IS NULL OR fte >= 0", name="fte_not_negative"),
    )

    id: Mapped[intpk]
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    adopted: Mapped[money]
    expenditure: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    fte: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    activity: Mapped[Activity] = relationship(back_populates="budgets")


_TRACKED = ("value", "state", "explanation", "pending_value", "pending_state", "pending_explanation")


def _working(values: dict[str, object]) -> tuple[object, object, object]:
    """(value, state, explanation) of the figure in the workflow: a correction's while one is open."""
    if values["pending_state"]:
        return values["pending_value"], values["pending_state"], values["pending_explanation"] or ""
    return values["value"], values["state"], values["explanation"] or ""


@event.listens_for(Session, "before_flush")
def _write_actual_revisions(session: Session, flush_context, instances) -> None:
    """Every change to an actual made through the ORM writes its ActualRevision in the same flush.

    A revision records the figure as the workflow sees it: while a correction of a published
    figure is in progress, the correction's value and state (the published ones stay in the row,
    and the public keeps seeing them). Bulk paths (the importer) write their revisions themselves,
    in bulk, in the same transaction.
    """
    for obj in list(session.new):
        if isinstance(obj, Actual):
            session.add(
                ActualRevision(
                    actual=obj,
                    version=1,
                    old_value=None,
                    new_value=obj.value,
                    old_state=None,
                    state=obj.state or "draft",
                    changed_by=obj.updated_by or "",
                    changed_at=obj.change_time or utcnow(),
                    reason=obj.change_reason,
                    explanation=obj.explanation or "",
                )
            )
    for obj in list(session.dirty):
        if not isinstance(obj, Actual):
            continue
        state = inspect(obj)
        history = {name: state.attrs[name].history for name in _TRACKED}
        if not any(h.has_changes() for h in history.values()):
            continue
        now = {name: getattr(obj, name) for name in _TRACKED}
        before = {
            name: (h.deleted[0] if h.deleted else now[name]) if h.has_changes() else now[name]
            for name, h in history.items()
        }
        old_value, old_state, _old_explanation = _working(before)
        new_value, new_state, new_explanation = _working(now)
        session.add(
            ActualRevision(
                actual=obj,
                version=obj.version + 1,
                old_value=old_value,
                new_value=new_value,
                old_state=old_state,
                state=new_state,
                changed_by=obj.updated_by or "",
                changed_at=obj.change_time or utcnow(),
                reason=obj.change_reason,
                explanation=new_explanation,
            )
        )


class CityInfo(Base):
    """The data set as a whole (one row): the city's name, whether its figures are demonstration
    data, and when published data last changed."""

    __tablename__ = "city_info"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(300), default="")
    demonstration: Mapped[bool] = mapped_column(Boolean, default=False)
    notice: Mapped[str] = mapped_column(Text, default="")
    data_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Moves on every change of published data (a publication, an import): caches key on it.
    data_version: Mapped[int] = mapped_column(Integer, default=0)

    @classmethod
    def advance(cls, session: Session) -> int:
        """Move the data version on and stamp `data_updated_at`, in one UPDATE so that concurrent
        publishers each move it (no lost increment); creates the row when there is none."""
        now = utcnow()
        # Read by aim.db.Database after the commit: this process's data version memo is then stale.
        session.info[DATA_MOVED] = True
        moved = session.execute(
            update(cls)
            .where(cls.id == 1)
            .values(data_version=cls.data_version + 1, data_updated_at=now)
            .returning(cls.data_version)
            .execution_options(synchronize_session=False)
        ).scalar()
        if moved is not None:
            for obj in list(session.identity_map.values()):
                if isinstance(obj, cls):  # a loaded row reads the new version next time
                    session.expire(obj)
            return moved
        session.add(cls(id=1, name="", demonstration=False, notice="", data_version=1, data_updated_at=now))
        session.flush()
        return 1


user_departments = Table(
    "user_departments",
    Base.metadata,
    # Deleting a user drops their department links; deleting a department that still has editors
    # is refused, so no editor silently loses (or keeps a dangling) scope.
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True),
    Index("ix_user_departments_department_id", "department_id"),
)


def normalize_email(email: str) -> str:
    """Emails are compared, and stored, trimmed and lower-cased: Ana@City.gov is ana@city.gov."""
    return email.strip().lower()


class User(Base):
    """A person who signs in. Accounts are disabled, never deleted: the audit log refers to them."""

    __tablename__ = "users"
    __table_args__ = (
        one_of("role", USER_ROLES),
        # Uniqueness of emails only means something if every row is stored the same way.
        CheckConstraint("email = lower(trim(email))", name="email_normalized"),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
    )

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Part of every session cookie; bumping it (logout everywhere, password change, disable,
    #: role change) makes every existing cookie of this user worthless, on every server.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    departments: Mapped[list[Department]] = relationship(secondary=user_departments, order_by=Department.code)

    @validates("email")
    def _normalize_email(self, _key: str, email: str) -> str:
        return normalize_email(email)


class AuditEvent(Base):
    """Append-only record of logins, logouts, denied requests and account changes; the database
    refuses UPDATE and DELETE. `user_id` and `email` name the account the event is about (for a
    failed login, the email as typed, which may match no account); who made a change to someone
    else's account is in `detail`."""

    __tablename__ = "audit_log"
    __table_args__ = (one_of("event", AUDIT_EVENTS),)

    id: Mapped[intpk]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(32))
    # No cascade: the history of an account outlives it (and an append-only row cannot be changed).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    client_address: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class TargetProposal(Base):
    """A department's proposed target for a measure and period, reviewed like a figure (draft,
    submitted, returned, approved; aim/workflow.py). Approval writes the Target; the proposal is
    kept, with the target it replaced, so the approved proposals are the target's history."""

    __tablename__ = "target_proposals"
    __table_args__ = (
        one_of("state", TARGET_PROPOSAL_STATES),
        CheckConstraint(
            "value IS NOT NULL OR (low IS NOT NULL AND high IS NOT NULL)", name="value_or_bounds"
        ),
        CheckConstraint("low IS NULL OR high IS NULL OR low <= high", name="low_not_above_high"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_target_proposals_measure_id_period", "measure_id", "period"),
    )

    id: Mapped[intpk]
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    period: Mapped[period_key]
    value: Mapped[float | None] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    proposed_by: Mapped[who]
    proposed_at: Mapped[created]
    reviewed_by: Mapped[who]
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    #: The target in force before this proposal was approved (None: there was none).
    old_value: Mapped[float | None] = mapped_column(Float)
    old_low: Mapped[float | None] = mapped_column(Float)
    old_high: Mapped[float | None] = mapped_column(Float)

    measure: Mapped[Measure] = relationship()

    __mapper_args__ = {"version_id_col": version}


class FigureComment(Base):
    """A remark on a figure by staff who may read it (the Mayor's Office comments; it does not
    approve). Kept with the figure; shown on its page beside the revision history."""

    __tablename__ = "figure_comments"

    id: Mapped[intpk]
    actual_id: Mapped[int] = mapped_column(ForeignKey("actuals.id"), index=True)
    author: Mapped[who]
    role: Mapped[str] = mapped_column(String(32), default="")
    at: Mapped[created]
    text: Mapped[str] = mapped_column(Text, default="")


class PriorityNarrative(Base):
    """One version of the Mayor's Office's account of a priority for a period ("what we are
    seeing, what we are doing"). Versions count 1, 2, ... per priority and period; only the latest
    may be a draft, and a published version is never changed or deleted (the database refuses it):
    editing one starts the next version. The public sees published versions only."""

    __tablename__ = "priority_narratives"
    __table_args__ = (
        one_of("state", NARRATIVE_STATES),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("state = 'draft' OR published_at IS NOT NULL", name="published_has_date"),
        UniqueConstraint("priority_id", "period", "version"),
        Index("ix_priority_narratives_priority_id_state", "priority_id", "state"),
    )

    id: Mapped[intpk]
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"))
    period: Mapped[period_key]
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    seeing: Mapped[str] = mapped_column(Text, default="")
    doing: Mapped[str] = mapped_column(Text, default="")
    #: Counts the saves of this version, so a stale form is refused instead of overwriting.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[who]
    created_at: Mapped[created]
    updated_by: Mapped[who]
    updated_at: Mapped[created]
    published_by: Mapped[who]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    priority: Mapped[Priority] = relationship()

    __mapper_args__ = {"version_id_col": revision}


# -- follow-ups of stat meetings (issue 12) -------------------------------------------------------
FOLLOW_UP_STATUSES = ("open", "done", "dropped")
FOLLOW_UP_NOTE_KINDS = ("created", "note", "status", "due")


class FollowUp(Base):
    """An action item of a stat meeting: what a department is to do about a measure or a priority,
    by when, and whether it is open, done or dropped. Its log (notes and every change) is in
    FollowUpNote; each change is also in the audit log."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        one_of("status", FOLLOW_UP_STATUSES),
        # About exactly one thing: a measure or a priority.
        CheckConstraint("(measure_id IS NULL) <> (priority_id IS NULL)", name="measure_or_priority"),
        Index("ix_follow_ups_status_due_on", "status", "due_on"),
    )

    id: Mapped[intpk]
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"), index=True)
    priority_id: Mapped[int | None] = mapped_column(ForeignKey("priorities.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    #: The period under review when it was agreed ("2026-Q3"), so an agenda can say where it came from.
    period: Mapped[str] = mapped_column(String(7), default="")
    action: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")
    created_by: Mapped[who]
    created_role: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[created]
    updated_by: Mapped[who]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notes: Mapped[list[FollowUpNote]] = relationship(
        back_populates="follow_up", order_by="FollowUpNote.id", cascade="all, delete-orphan"
    )


class FollowUpNote(Base):
    """One line of a follow-up's running log: a note, or a change of status or due date, with who
    wrote it and when. Never edited: a correction is another note."""

    __tablename__ = "follow_up_notes"
    __table_args__ = (one_of("kind", FOLLOW_UP_NOTE_KINDS),)

    id: Mapped[intpk]
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    at: Mapped[created]
    author: Mapped[who]
    role: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(8), default="note")
    text: Mapped[str] = mapped_column(Text, default="")

    follow_up: Mapped[FollowUp] = relationship(back_populates="notes")


# -- the open data site (issue 15) ----------------------------------------------------------------


class DataAsset(Base):
    """One entry of the city's data inventory: a data asset, published or not. The public sees a
    non-public entry's name, steward and why it is not released, never its restricted details
    (system of record, description); see aim/services/inventory.py."""

    __tablename__ = "data_assets"
    __table_args__ = (
        one_of("classification", ASSET_CLASSIFICATIONS),
        one_of("release_status", RELEASE_STATUSES),
        one_of("update_frequency", UPDATE_FREQUENCIES),
        CheckConstraint("priority >= 1 AND priority <= 5", name="priority_range"),
        # Only public data can be released, and a refusal always says why.
        CheckConstraint(
            "release_status <> 'published' OR classification = 'public'", name="published_is_public"
        ),
        CheckConstraint(
            "release_status <> 'will_not_release' OR status_reason <> ''", name="refusal_has_reason"
        ),
    )

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    steward_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    system_of_record: Mapped[str] = mapped_column(String(200), default="")
    classification: Mapped[str] = mapped_column(String(16))
    release_status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str] = mapped_column(Text, default="")
    update_frequency: Mapped[str] = mapped_column(String(16), default="irregular")
    #: 1 (release first) to 5; within a priority, the public's support orders the planned list.
    priority: Mapped[int] = mapped_column(Integer, default=3)
    #: Where the city already publishes it (a link), for a published entry that is not served here.
    access_url: Mapped[str] = mapped_column(String(500), default="")
    keywords: Mapped[str] = mapped_column(String(500), default="")
    released_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[created]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[who]

    steward: Mapped[Department | None] = relationship()


class DataRequest(Base):
    """A member of the public asking for a data set (`new`) or supporting an inventory entry
    (`support`). Nothing of it is shown anywhere public until a coordinator approves it."""

    __tablename__ = "data_requests"
    __table_args__ = (
        one_of("kind", REQUEST_KINDS),
        one_of("state", MODERATION_STATES),
        one_of("answer_status", ANSWER_STATUSES),
        CheckConstraint("kind = 'new' OR asset_id IS NOT NULL", name="support_names_an_asset"),
        CheckConstraint("answer_status = 'open' OR state = 'approved'", name="answered_when_approved"),
        CheckConstraint("answer_status <> 'declined' OR answer <> ''", name="declined_has_reason"),
        CheckConstraint("answer_status <> 'released' OR answer_url <> ''", name="released_has_link"),
        Index("ix_data_requests_state_created_at", "state", "created_at"),
    )

    id: Mapped[intpk]
    kind: Mapped[str] = mapped_column(String(8))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("data_assets.id"), index=True)
    title: Mapped[str] = mapped_column(String(REQUEST_TITLE_MAX))
    need: Mapped[str] = mapped_column(String(REQUEST_TEXT_MAX), default="")
    reason: Mapped[str] = mapped_column(String(REQUEST_TEXT_MAX), default="")
    state: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[created]
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_by: Mapped[who]
    answer_status: Mapped[str] = mapped_column(String(10), default="open")
    answer: Mapped[str] = mapped_column(String(REQUEST_TEXT_MAX), default="")
    answer_url: Mapped[str] = mapped_column(String(500), default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[who]

    asset: Mapped[DataAsset | None] = relationship()


class DataRelease(Base):
    """A release written to the archive (aim/services/archive.py): one per date, never rewritten.
    The files are on disk under AIM_ARCHIVE_DIR; this row lists it and pins its manifest's hash."""

    __tablename__ = "data_releases"
    __table_args__ = (CheckConstraint("file_count >= 1", name="file_count_positive"),)

    id: Mapped[intpk]
    release_date: Mapped[date] = mapped_column(Date, unique=True)
    created_at: Mapped[created]
    file_count: Mapped[int] = mapped_column(Integer)
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    manifest_sha256: Mapped[str] = mapped_column(String(64))


#: What migration 0005 builds for full-text search and the models do not describe (an FTS5 table
#: with its shadow tables on SQLite, an expression index on PostgreSQL).
SEARCH_OBJECTS = ("measure_search", "ix_measures_search")


def described_by_models(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name: compare the models with everything but the search index."""
    return not (name or "").startswith(SEARCH_OBJECTS)
