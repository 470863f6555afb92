"""The departments index loader: every department's budget and public measures for the period."""

from __future__ import annotations

from aim.services.budgets import departments_index
from aim.services.scorecard import scorecard
from aim.services.site import site_info
from callbacks._common import notices, page, periods, read_period, runtime
from layouts.budget import departments


@page(departments.skeleton)
def layout(period=None, sort=None, order=None, **_query):
    chosen_sort = sort if isinstance(sort, str) and sort in departments.SORTS else "name"
    sort_notice = (
        None if sort in (None, "", chosen_sort) else f"Unknown sort {str(sort)[:40]!r}; sorted by name."
    )
    descending = order == "desc"
    rt = runtime()
    with rt.database.read() as session:
        chosen, period_notice = read_period(session, rt, period)
        card = scorecard(session, rt.calendar, chosen)
        index = departments_index(session, rt.calendar, card, chosen)
        return departments.build(
            index,
            periods(session, rt),
            site_info(session),
            chosen_sort,
            descending,
            notices(period_notice, sort_notice),
        )
