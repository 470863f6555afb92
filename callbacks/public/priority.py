"""A priority's page loader: its measures, filtered and sorted as the URL says."""

from __future__ import annotations

from aim.services.catalog import departments_with_public_measures, filter_measures
from aim.services.narratives import latest_published
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
from layouts.public import browsing, pages


@page(browsing.skeleton)
@as_published
def layout(
    slug: str | None = None,
    period: str | None = None,
    department=None,
    status=None,
    frequency=None,
    sort=None,
    page=None,
    published_on=None,
    **_query,
):
    rt = runtime()
    wanted, filter_notice = read_filter(
        department=department, status=status, frequency=frequency, sort=sort, priority=slug
    )
    with rt.database.read() as session:
        chosen, period_notice = read_period(session, rt, period, published_on)
        card = scorecard(session, rt.calendar, chosen, published_on=published_on)
        priority = next((p for p in card.priorities if p.slug == slug), None)
        if priority is None:
            return pages.build_not_found(f"/priorities/{slug}")
        in_priority = [m for m in card.measures if slug in m.priority_slugs]
        return browsing.build_priority(
            priority,
            filter_measures(session, in_priority, wanted),
            in_priority,
            wanted,
            [
                d
                for d in departments_with_public_measures(session)
                if any(m.department_code == d.code for m in in_priority)
            ],
            periods(session, rt, published_on),
            card.period,
            card.period_label,
            site_info(session),
            notices(period_notice, filter_notice),
            page=page_number(page),
            narrative=latest_published(session, rt.calendar, priority.slug, published_on=published_on),
        )
