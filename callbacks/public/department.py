"""A department's page loader: its activities, five years of budgets, outputs and cost per unit,
and public measures for the period."""

from __future__ import annotations

from aim.services.budgets import department_budget
from aim.services.catalog import department_measure_codes, department_view
from aim.services.scorecard import scorecard
from aim.services.site import site_info
from callbacks._common import as_published, page, periods, read_period, runtime
from layouts.public import pages


@page(pages.department_skeleton)
@as_published
def layout(code: str | None = None, period: str | None = None, published_on=None, **_query):
    rt = runtime()
    with rt.database.read() as session:
        chosen, notice = read_period(session, rt, period, published_on)
        # Only the department's measures: the same figures as in the whole city's scorecard.
        codes = department_measure_codes(session, code or "")
        card = scorecard(session, rt.calendar, chosen, published_on=published_on, codes=codes)
        view = department_view(session, rt.calendar, code or "", card, chosen)
        if view is None:
            return pages.build_not_found(f"/departments/{code}")
        budget = department_budget(session, rt.calendar, code or "", chosen, published_on=published_on)
        return pages.build_department(
            view,
            periods(session, rt, published_on),
            card.period,
            card.period_label,
            site_info(session),
            notice,
            budget,
            published_on=published_on,
        )
