"""A department's page loader: its activities, five years of budgets, outputs and cost per unit,
and public measures for the period."""

from __future__ import annotations

from aim.services.budgets import department_budget
from aim.services.catalog import department_view
from aim.services.scorecard import scorecard
from aim.services.site import site_info
from callbacks._common import page, periods, read_period, runtime
from layouts.public import pages


@page(pages.department_skeleton)
def layout(code: str | None = None, period: str | None = None, **_query):
    rt = runtime()
    with rt.database.read() as session:
        chosen, notice = read_period(session, rt, period)
        card = scorecard(session, rt.calendar, chosen)
        view = department_view(session, rt.calendar, code or "", card, chosen)
        if view is None:
            return pages.build_not_found(f"/departments/{code}")
        budget = department_budget(session, rt.calendar, code or "", chosen)
        return pages.build_department(
            view, periods(session, rt), card.period, card.period_label, site_info(session), notice, budget
        )
