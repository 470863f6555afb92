"""The departments index loader: every department's budget and public measures for the period
(as published on a day with ?as_of=, like the other public pages; budgets are always today's)."""

from __future__ import annotations

from aim.services.budgets import departments_index
from aim.services.scorecard import scorecard
from aim.services.site import site_info
from callbacks._common import as_published, notices, page, periods, read_period, runtime
from layouts.budget import departments


@page(departments.skeleton)
@as_published
def layout(period=None, sort=None, order=None, published_on=None, **_query):
    chosen_sort = sort if isinstance(sort, str) and sort in departments.SORTS else "name"
    sort_notice = (
        None if sort in (None, "", chosen_sort) else f"Unknown sort {str(sort)[:40]!r}; sorted by name."
    )
    descending = order == "desc"
    rt = runtime()
    with rt.database.read() as session:
        chosen, period_notice = read_period(session, rt, period, published_on)
        card = scorecard(session, rt.calendar, chosen, published_on=published_on)
        index = departments_index(session, rt.calendar, card, chosen)
        return departments.build(
            index,
            periods(session, rt, published_on),
            site_info(session),
            chosen_sort,
            descending,
            notices(period_notice, sort_notice),
            published_on=published_on,
        )
