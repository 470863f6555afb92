"""The browse-and-search page loader: every public measure, searched, filtered and sorted."""

from __future__ import annotations

from aim.services.catalog import Search, departments_with_public_measures, filter_measures, priorities, search
from aim.services.scorecard import scorecard
from aim.services.site import site_info
from callbacks._common import (
    as_published,
    notices,
    page,
    page_number,
    periods,
    read_filter,
    read_period,
    runtime,
)
from layouts.public import browsing


@page(browsing.skeleton)
@as_published
def layout(
    q=None,
    priority=None,
    department=None,
    status=None,
    frequency=None,
    sort=None,
    period=None,
    page=None,
    published_on=None,
    **_query,
):
    rt = runtime()
    wanted, filter_notice = read_filter(
        q=q, priority=priority, department=department, status=status, frequency=frequency, sort=sort
    )
    with rt.database.read() as session:
        chosen, period_notice = read_period(session, rt, period, published_on)
        card = scorecard(session, rt.calendar, chosen, published_on=published_on)
        searched = search(session, wanted.q) if wanted.q else Search(set(), {})
        return browsing.build_browse(
            filter_measures(session, card.measures, wanted, searched),
            len(card.measures),
            wanted,
            departments_with_public_measures(session),
            priorities(session),
            periods(session, rt, published_on),
            card.period,
            card.period_label,
            site_info(session),
            notices(period_notice, filter_notice),
            corrected=searched.corrected,
            page=page_number(page),
        )
