"""What the data set says about itself: the city's name, whether it is demonstration data, and when
published data last changed. Every page shows the demonstration notice when it applies."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aim.models import CityInfo
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
