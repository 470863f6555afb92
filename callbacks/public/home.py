"""The home page loader: the scorecard for the period in the URL (?period=2024) or the default, and
the index over the last eight quarters (public measures only, the review room's series)."""

from __future__ import annotations

from datetime import date

from aim.services.review import index_series, span_periods
from aim.services.scorecard import scorecard
from aim.services.site import site_info
from callbacks._common import as_published, page, periods, read_period, runtime
from layouts.public import home


@page(home.skeleton)
@as_published
def layout(period: str | None = None, published_on=None, **_query):
    rt = runtime()
    with rt.database.read() as session:
        chosen, notice = read_period(session, rt, period, published_on)
        card = scorecard(session, rt.calendar, chosen, published_on=published_on)
        span = span_periods(rt.calendar, chosen, home.INDEX_SPAN, published_on or date.today())
        # user=None: the public series, internal measures never included.
        series = index_series(session, rt.calendar, span, user=None, published_on=published_on)
        return home.build(
            card, site_info(session), periods(session, rt, published_on), notice=notice, index=series
        )
