"""Priority narratives: the Mayor's Office's account of a priority for a period ("what we are
seeing, what we are doing"), drafted, then published, in versions that are never overwritten.

One function per action (save a draft, publish), each checking the principal itself against the
state machine of aim/workflow.py and writing its audit event in the same transaction; reads for
staff (drafts included, for the readers of the review room) and for the public (published versions
only, with the office as author and no one's name).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from aim import workflow
from aim.auth import Principal, may_use_review_room
from aim.models import Priority, PriorityNarrative, utcnow
from aim.periods import FiscalCalendar, Period, PeriodError
from aim.schemas import (
    NarrativeDesk,
    NarrativeHistory,
    NarrativeInput,
    NarrativeRow,
    NarrativeVersion,
    PublishedNarrative,
)
from aim.services import Refused
from aim.services.publication import cutoff
from aim.services.site import advance_data_version
from aim.services.users import record
from aim.workflow import Action, State

#: Who the public is told wrote a narrative: the office, never a person.
AUTHOR = "Mayor's Office"


class NarrativeError(Refused):
    """A refused action; `str()` says what to do about it, `fields` which inputs were wrong."""


class NotAllowed(NarrativeError):
    """The principal's role does not write narratives."""


class NotFound(NarrativeError):
    """No such priority."""


class InvalidNarrative(NarrativeError):
    """The input fails a check; nothing was written. `fields` holds a message per field."""


class StaleNarrative(NarrativeError):
    """The narrative changed since the writer opened it: here is what it is now."""

    def __init__(self, current: NarrativeVersion | None) -> None:
        if current is None:
            text = "The narrative changed while you were writing. Your text is kept below; save again."
        else:
            text = (
                f"Version {current.version} ({current.state}) was saved by {current.updated_by or 'someone'} "
                f"at {current.updated_at:%Y-%m-%d %H:%M} UTC while you were writing. Your text is kept "
                "below; reload the page to see theirs, then save again."
            )
        super().__init__(text)
        self.current = current


# -- reading ------------------------------------------------------------------------------------
def _label(calendar: FiscalCalendar, key: str) -> str:
    try:
        return calendar.label(calendar.parse(key))
    except PeriodError:
        return key


def _version(calendar: FiscalCalendar, slug: str, row: PriorityNarrative) -> NarrativeVersion:
    return NarrativeVersion(
        priority_slug=slug,
        period=row.period,
        period_label=_label(calendar, row.period),
        version=row.version,
        state=row.state,
        seeing=row.seeing,
        doing=row.doing,
        revision=row.revision,
        updated_by=row.updated_by,
        updated_at=row.updated_at,
        published_by=row.published_by,
        published_at=row.published_at,
    )


def _public(calendar: FiscalCalendar, priority: Priority, row: PriorityNarrative) -> PublishedNarrative:
    assert row.state == State.PUBLISHED and row.published_at is not None
    return PublishedNarrative(
        priority_slug=priority.slug,
        priority_title=priority.title,
        period=row.period,
        period_label=_label(calendar, row.period),
        version=row.version,
        seeing=row.seeing,
        doing=row.doing,
        published_at=row.published_at,
        author=AUTHOR,
    )


def _priority(session: Session, slug: str) -> Priority | None:
    return session.scalars(select(Priority).where(Priority.slug == slug)).first()


def _versions(session: Session, priority_id: int, period: str) -> list[PriorityNarrative]:
    """Every version of one priority's narrative for one period, newest first."""
    return list(
        session.scalars(
            select(PriorityNarrative)
            .where(PriorityNarrative.priority_id == priority_id, PriorityNarrative.period == period)
            .order_by(PriorityNarrative.version.desc())
        )
    )


def _published_query(published_on: date | None):
    query = select(PriorityNarrative).where(PriorityNarrative.state == State.PUBLISHED.value)
    if published_on is not None:
        # What the public saw at the end of that day: published before it ended.
        query = query.where(PriorityNarrative.published_at < cutoff(published_on))
    return query


def published_history(
    session: Session, calendar: FiscalCalendar, slug: str, *, published_on: date | None = None
) -> NarrativeHistory | None:
    """Every published version of a priority's narratives, the latest first (by period, then
    version); None for an unknown priority. Drafts are never read here."""
    priority = _priority(session, slug)
    if priority is None:
        return None
    rows = session.scalars(
        _published_query(published_on).where(PriorityNarrative.priority_id == priority.id)
    ).all()
    rows = sorted(rows, key=lambda r: (_sort_key(calendar, r.period), r.version), reverse=True)
    return NarrativeHistory(
        priority_slug=priority.slug,
        priority_title=priority.title,
        versions=[_public(calendar, priority, r) for r in rows],
    )


def _sort_key(calendar: FiscalCalendar, key: str):
    """Periods in time order (a year sorts after its last quarter: it ends with it)."""
    try:
        period = calendar.parse(key)
    except PeriodError:
        return (0, 0)
    return (period.stop, period.length)


def latest_published(
    session: Session, calendar: FiscalCalendar, slug: str, *, published_on: date | None = None
) -> PublishedNarrative | None:
    """The public priority page's narrative: the latest published version of the latest period
    that has one (as published at the end of `published_on`, when given)."""
    history = published_history(session, calendar, slug, published_on=published_on)
    return history.versions[0] if history and history.versions else None


def published_for_period(
    session: Session, calendar: FiscalCalendar, period: Period, slugs: Iterable[str]
) -> dict[str, PublishedNarrative]:
    """The latest published version of each priority's narrative for exactly `period`, by slug
    (one query; the briefing's sections)."""
    wanted = sorted(set(slugs))
    if not wanted:
        return {}
    rows = session.execute(
        _published_query(None)
        .add_columns(Priority)
        .join(Priority, Priority.id == PriorityNarrative.priority_id)
        .where(Priority.slug.in_(wanted), PriorityNarrative.period == period.key)
        .order_by(PriorityNarrative.version)
    ).all()
    return {priority.slug: _public(calendar, priority, row) for row, priority in rows}


def desk(
    session: Session, calendar: FiscalCalendar, period: Period, slug: str, *, user: Principal
) -> NarrativeDesk:
    """The staff page for `period` and one priority (the first when `slug` names none): its
    versions, drafts included, and an overview of every priority's narrative for the period. For
    the readers of the review room; only the Mayor's Office may write."""
    if not may_use_review_room(user):
        return NarrativeDesk(allowed=False)
    priorities = session.execute(
        select(Priority.id, Priority.slug, Priority.title).order_by(Priority.sort_order, Priority.slug)
    ).all()
    # A few rows per priority (its versions for the period): one query, summed up here.
    latest_of: dict[int, tuple[int, str]] = {}
    published_count: dict[int, int] = {}
    for pid, number, state in session.execute(
        select(PriorityNarrative.priority_id, PriorityNarrative.version, PriorityNarrative.state).where(
            PriorityNarrative.period == period.key
        )
    ):
        if number > latest_of.get(pid, (0, ""))[0]:
            latest_of[pid] = (number, state)
        published_count[pid] = published_count.get(pid, 0) + (state == State.PUBLISHED)
    overview = [
        NarrativeRow(
            slug=s,
            title=t,
            state=latest_of.get(pid, (0, ""))[1],
            version=latest_of.get(pid, (0, ""))[0],
            published_versions=published_count.get(pid, 0),
        )
        for pid, s, t in priorities
    ]
    chosen = next((p for p in priorities if p.slug == slug), priorities[0] if priorities else None)
    if chosen is None:
        return NarrativeDesk(
            allowed=True,
            may_write=workflow.may_write_narrative(user),
            period=period.key,
            period_label=calendar.label(period),
        )
    history = [_version(calendar, chosen.slug, r) for r in _versions(session, chosen.id, period.key)]
    return NarrativeDesk(
        allowed=True,
        may_write=workflow.may_write_narrative(user),
        period=period.key,
        period_label=calendar.label(period),
        priority_slug=chosen.slug,
        priority_title=chosen.title,
        latest=history[0] if history else None,
        published=next((v for v in history if v.state == State.PUBLISHED), None),
        history=history,
        overview=overview,
    )


# -- writing ------------------------------------------------------------------------------------
def _check_role(user: Principal, action: Action) -> None:
    if not workflow.may_write_narrative(user, action):
        raise NotAllowed("Priority narratives are written and published by the Mayor's Office.")


def _target(session: Session, calendar: FiscalCalendar, slug: str, period_key: str) -> tuple[Priority, str]:
    priority = _priority(session, slug)
    if priority is None:
        raise NotFound(f"There is no priority {slug!r}.", {"priority": "Unknown priority."})
    try:
        period = calendar.parse(period_key)
    except PeriodError as exc:
        raise InvalidNarrative(str(exc), {"period": str(exc)}) from None
    return priority, period.key


def _stale(session: Session, calendar: FiscalCalendar, priority: Priority, period: str) -> StaleNarrative:
    found = _versions(session, priority.id, period)
    return StaleNarrative(_version(calendar, priority.slug, found[0]) if found else None)


def _audit(session: Session, event: str, user: Principal, priority: Priority, period: str, version: int):
    record(
        session,
        event,
        user_id=user.user_id,
        email=user.email,
        detail=f"priority={priority.slug} period={period} version={version}",
    )


def save_draft(
    session: Session, calendar: FiscalCalendar, data: NarrativeInput, *, user: Principal
) -> NarrativeVersion:
    """Save the draft of a priority's narrative for a period: the draft in progress is updated; a
    published narrative (or none) gets a new version, so a published one is never overwritten.
    `data.base_version`/`base_revision` must be the latest version (and save) the writer saw."""
    _check_role(user, Action.EDIT)
    priority, period = _target(session, calendar, data.priority, data.period)
    problems = {
        name: "Write what we are seeing." if name == "seeing" else "Write what we are doing."
        for name in ("seeing", "doing")
        if not getattr(data, name)
    }
    if problems:
        raise InvalidNarrative("Both parts of the narrative are needed.", problems)
    versions = _versions(session, priority.id, period)
    latest = versions[0] if versions else None
    seen = (latest.version, latest.revision if latest.state == State.DRAFT else None) if latest else None
    asked = (
        (data.base_version, data.base_revision if latest and latest.state == State.DRAFT else None)
        if data.base_version is not None
        else None
    )
    if seen != asked:
        raise StaleNarrative(_version(calendar, priority.slug, latest) if latest else None)
    workflow.next_narrative_state(latest.state if latest else None, Action.EDIT)
    if latest is not None and (latest.seeing, latest.doing) == (data.seeing, data.doing):
        if latest.state == State.PUBLISHED:
            raise InvalidNarrative(
                f"Nothing changed since version {latest.version} was published; edit the text to "
                "start a new version."
            )
        return _version(calendar, priority.slug, latest)  # the same draft again: nothing to record
    now = utcnow()
    try:
        with session.begin_nested():
            if latest is not None and latest.state == State.DRAFT:
                row = latest
                row.seeing, row.doing = data.seeing, data.doing
                row.updated_by, row.updated_at = user.email, now
            else:
                row = PriorityNarrative(
                    priority_id=priority.id,
                    period=period,
                    version=(latest.version + 1) if latest else 1,
                    state=State.DRAFT.value,
                    seeing=data.seeing,
                    doing=data.doing,
                    created_by=user.email,
                    created_at=now,
                    updated_by=user.email,
                    updated_at=now,
                )
                session.add(row)
            session.flush()
    except (IntegrityError, StaleDataError):
        # Someone saved the same narrative at the same moment: theirs stands.
        session.expire_all()
        raise _stale(session, calendar, priority, period) from None
    _audit(session, "narrative_saved", user, priority, period, row.version)
    return _version(calendar, priority.slug, row)


def publish(
    session: Session,
    calendar: FiscalCalendar,
    slug: str,
    period_key: str,
    version: int,
    revision: int,
    *,
    user: Principal,
) -> NarrativeVersion:
    """Publish the draft `version` (as of save `revision`) of a priority's narrative for a period.
    The public priority page shows it from now on; the version it follows stays in the history."""
    _check_role(user, Action.PUBLISH)
    priority, period = _target(session, calendar, slug, period_key)
    versions = _versions(session, priority.id, period)
    latest = versions[0] if versions else None
    if latest is None:
        raise InvalidNarrative("There is no narrative to publish yet: write a draft first.")
    if latest.version != version or (latest.state == State.DRAFT and latest.revision != revision):
        raise StaleNarrative(_version(calendar, priority.slug, latest))
    try:
        workflow.next_narrative_state(latest.state, Action.PUBLISH)
    except workflow.TransitionRefused as exc:
        raise InvalidNarrative(f"{exc} Edit it to start a new version.") from None
    if not latest.seeing.strip() or not latest.doing.strip():
        raise InvalidNarrative("Both parts of the narrative are needed before it is published.")
    now = utcnow()
    try:
        with session.begin_nested():
            latest.state = State.PUBLISHED.value
            latest.published_by, latest.published_at = user.email, now
            latest.updated_by, latest.updated_at = user.email, now
            session.flush()
    except StaleDataError:
        session.expire_all()
        raise _stale(session, calendar, priority, period) from None
    _audit(session, "narrative_published", user, priority, period, latest.version)
    # Public pages change: caches keyed by the data version (CityInfo.data_version) must move on.
    advance_data_version(session)
    return _version(calendar, priority.slug, latest)
