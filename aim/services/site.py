"""What the data set says about itself: the city's name, whether it is demonstration data, when
published data last changed, and whether there is any. Every page shows the demonstration notice
when it applies; the command line refuses to mix a synthetic city into a real one."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aim.models import CityInfo, Measure
from aim.schemas import SiteInfo

DEMONSTRATION_NOTICE = (
    "Demonstration data: these figures are generated for this software and are not official figures."
)


def site_info(session: Session) -> SiteInfo:
    info = session.get(CityInfo, 1)
    if info is None:
        return SiteInfo()
    return SiteInfo(
        name=info.name,
        demonstration=info.demonstration,
        notice=info.notice or (DEMONSTRATION_NOTICE if info.demonstration else ""),
        data_updated_at=info.data_updated_at,
    )


def measure_count(session: Session) -> int:
    """How many measures the database holds, public or internal: 0 for an empty database."""
    return session.scalar(select(func.count()).select_from(Measure)) or 0


def data_version(session: Session) -> int:
    """A number that moves whenever published data changes: caches key on it."""
    return session.scalar(select(CityInfo.data_version).where(CityInfo.id == 1)) or 0


def advance_data_version(session: Session) -> int:
    """Record that published data changed (a publication, a correction, an import): the data
    version moves on and `data_updated_at` is now. Call it in the transaction that changed it.
    (The importer calls the same `CityInfo.advance`: aim.importing sits below the services.)"""
    return CityInfo.advance(session)
