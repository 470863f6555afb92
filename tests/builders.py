"""Builders for test data: a small city written through the ORM, with sensible defaults."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.orm import Session

from aim.models import Activity, Actual, Department, Measure, Priority, Target


def priority(session: Session, slug: str = "safe", title: str = "Safety", order: int = 1) -> Priority:
    p = Priority(slug=slug, title=title, description=f"{title} for everyone.", sort_order=order)
    session.add(p)
    return p


def department(session: Session, code: str = "MPD", name: str = "Police Department") -> Department:
    d = Department(code=code, name=name)
    session.add(d)
    return d


def activity(
    session: Session, dept: Department, code: str, priorities: list[Priority], name: str | None = None
) -> Activity:
    a = Activity(code=code, department=dept, name=name or code.title(), priorities=priorities)
    session.add(a)
    return a


def measure(session: Session, act: Activity, code: str, **fields) -> Measure:
    values = dict(
        name=code.replace("-", " ").capitalize(),
        unit_kind="count",
        direction="up",
        frequency="annual",
        aggregation="sum",
        measure_type="outcome",
        is_key=True,
        is_public=True,
        tolerance=0.10,
    )
    values.update(fields)
    m = Measure(code=code, activity=act, **values)
    session.add(m)
    return m


#: When the builders' figures were entered (and published): before every test city's AS_OF, so that
#: "as published on" a day (rebuilt from the revisions) sees them.
ENTERED_AT = datetime(2026, 1, 2, 12, tzinfo=timezone.utc)


def actuals(
    session: Session,
    m: Measure,
    values: dict[str, float | None],
    state: str = "published",
    *,
    at: datetime = ENTERED_AT,
) -> None:
    """Values entered (and, by default, published) at `at`: what the public saw from that day on."""
    for period, value in values.items():
        actual = Actual(
            measure=m,
            period=period,
            value=value,
            state=state,
            updated_by="test",
            updated_at=at,
            published_at=at if state == "published" else None,
        )
        actual.change_time = at
        session.add(actual)


def target(
    session: Session,
    m: Measure,
    period: str,
    value: float | None = None,
    low: float | None = None,
    high: float | None = None,
) -> None:
    session.add(Target(measure=m, period=period, value=value, low=low, high=high, set_by="test"))
