"""The internal measure browser: every measure a signed-in user may see, internal ones included, with
its latest value in any workflow state. Scope comes from the principal, checked here against the
database: a department editor sees only their departments, whatever a request asks for."""

from __future__ import annotations

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from aim.auth import Principal, is_signed_in, visible_department_ids
from aim.models import Activity, Actual, Department, Measure
from aim.schemas import InternalMeasure, InternalView


def internal_measures(session: Session, *, user: Principal, department: str = "") -> InternalView:
    """Measures `user` may see, optionally of one of their departments; nothing for the public."""
    if not is_signed_in(user):
        return InternalView(allowed=False, departments=[], measures=[])
    scope = visible_department_ids(user)  # None: every department
    if scope is not None and not scope:
        return InternalView(allowed=False, departments=[], measures=[])
    in_scope = Department.id.in_(sorted(scope)) if scope is not None else true()
    departments = [
        (code, name)
        for code, name in session.execute(
            select(Department.code, Department.name).where(in_scope).order_by(Department.name)
        )
    ]
    latest = (
        select(Actual.measure_id, func.max(Actual.period).label("period"))
        .group_by(Actual.measure_id)
        .subquery()
    )
    query = (
        select(
            Measure.code,
            Measure.name,
            Department.code,
            Department.name,
            Activity.name,
            Measure.is_public,
            Measure.frequency,
            Measure.unit_kind,
            Measure.unit_label,
            Actual.period,
            Actual.value,
            Actual.state,
            Actual.updated_by,
            Actual.updated_at,
        )
        .join(Activity, Measure.activity_id == Activity.id)
        .join(Department, Activity.department_id == Department.id)
        .outerjoin(latest, latest.c.measure_id == Measure.id)
        .outerjoin(Actual, and_(Actual.measure_id == Measure.id, Actual.period == latest.c.period))
        .where(in_scope)
        .order_by(Department.name, Activity.name, Measure.name)
    )
    if department:
        query = query.where(Department.code == department)
    rows = session.execute(query).all()
    return InternalView(
        allowed=True,
        departments=departments,
        measures=[
            InternalMeasure(
                code=r[0],
                name=r[1],
                department_code=r[2],
                department_name=r[3],
                activity_name=r[4],
                is_public=r[5],
                frequency=r[6],
                unit_kind=r[7],
                unit_label=r[8],
                latest_period=r[9],
                latest_value=r[10],
                latest_state=r[11],
                updated_by=r[12],
                updated_at=r[13],
            )
            for r in rows
        ],
    )
