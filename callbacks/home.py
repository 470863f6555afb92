"""The home page loader: the scorecard for the period in the URL (?period=2024) or the default."""
from __future__ import annotations

from aim.periods import PeriodError
from aim.services.scorecard import scorecard
from aim.services.site import site_info
from callbacks._common import page, runtime
from layouts import home


@page(home.skeleton)
def layout(period: str | None = None, **_query):
    rt = runtime()
    notice = None
    with rt.database.read() as session:
        try:
            card = scorecard(session, rt.calendar, period or None)
        except PeriodError as exc:
            notice = f"{exc} Showing the latest period instead."
            card = scorecard(session, rt.calendar, None)
        site = site_info(session)
    return home.build(card, site, notice=notice)
