"""A measure's page loader: the measure for the period in the URL, or a helpful not-found page."""

from __future__ import annotations

from aim.services.measures import measure_detail
from aim.services.site import site_info
from callbacks._common import page, periods, read_period, runtime
from layouts.public import measure


@page(measure.skeleton)
def layout(code: str | None = None, period: str | None = None, view: str | None = None, **_query):
    rt = runtime()
    with rt.database.read() as session:
        chosen, notice = read_period(session, rt, period)
        detail = measure_detail(session, rt.calendar, code or "", chosen)
        site = site_info(session)
        if detail is None:
            return measure.not_found(code or "", site)
        shown = "year" if view == "year" else "period"
        return measure.build(detail, rt.calendar, periods(session, rt), site, notice, view=shown)
