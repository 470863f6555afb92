"""What the public saw on a date: published figures rebuilt from the append-only revisions, and the
corrections of each ("revised on <date>, was <old value>").

A figure was public on day D with the value of its latest revision in state "published" made
before the end of D (UTC). Public reads take `published_source(on)`: the live table (figures in
state "published") when `on` is None, else that rebuilt view; both have the columns measure_id,
period, value, explanation, updated_at and state, so a query reads either the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import Subquery, Table, func, literal, select
from sqlalchemy.orm import Session

from aim.models import Actual, ActualRevision

PUBLISHED = "published"


def cutoff(day: date) -> datetime:
    """The first instant after `day` (UTC): "published on D" means before this."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=timezone.utc)


def published_source(on: date | None) -> Table | Subquery:
    """The published figures now (None) or as they were at the end of day `on`."""
    if on is None:
        return Actual.__table__
    latest = (
        select(func.max(ActualRevision.id).label("id"))
        .where(ActualRevision.state == PUBLISHED, ActualRevision.changed_at < cutoff(on))
        .group_by(ActualRevision.actual_id)
        .subquery("latest_published")
    )
    return (
        select(
            Actual.measure_id.label("measure_id"),
            Actual.period.label("period"),
            ActualRevision.new_value.label("value"),
            ActualRevision.explanation.label("explanation"),
            ActualRevision.changed_at.label("updated_at"),
            literal(PUBLISHED).label("state"),
        )
        .join(latest, latest.c.id == ActualRevision.id)
        .join(Actual, Actual.id == ActualRevision.actual_id)
        .subquery("published_as_of")
    )


@dataclass(frozen=True)
class Revision:
    """A published figure that replaced an earlier published value."""

    revised_on: date
    was: float | None


def revisions_of(session: Session, measure_id: int, on: date | None = None) -> dict[str, Revision]:
    """For each period of a measure whose published value was corrected (up to the end of `on`),
    when the current value was published and the value it replaced."""
    query = (
        select(Actual.period, ActualRevision.new_value, ActualRevision.changed_at)
        .join(Actual, Actual.id == ActualRevision.actual_id)
        .where(Actual.measure_id == measure_id, ActualRevision.state == PUBLISHED)
        .order_by(ActualRevision.id)
    )
    if on is not None:
        query = query.where(ActualRevision.changed_at < cutoff(on))
    published: dict[str, list[tuple[float | None, datetime]]] = defaultdict(list)
    for period, value, at in session.execute(query):
        published[period].append((value, at))
    found = {}
    for period, values in published.items():
        # A correction publishes a different value; publishing the same value again is no revision.
        changes = [i for i in range(1, len(values)) if values[i][0] != values[i - 1][0]]
        if changes:
            last = changes[-1]
            found[period] = Revision(revised_on=values[last][1].date(), was=values[last - 1][0])
    return found
