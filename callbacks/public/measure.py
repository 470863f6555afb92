"""A measure's page loader: the measure for the period in the URL, or a helpful not-found page."""

from __future__ import annotations

from dash import html

from aim.auth import may_create_follow_up
from aim.services.follow_ups import open_follow_ups
from aim.services.measures import measure_detail, measure_visibility
from aim.services.reporting import staff_measure
from aim.services.site import site_info
from callbacks._common import current_principal, notices, page, periods, read_as_of, read_period, runtime
from layouts.components import keep_in_links
from layouts.public import measure
from layouts.staff import follow_ups, workflow


@page(measure.skeleton)
def layout(
    code: str | None = None,
    period: str | None = None,
    view: str | None = None,
    as_of: str | None = None,
    **_query,
):
    rt = runtime()
    published_on, as_of_notice = read_as_of(as_of)
    with rt.database.read() as session:
        chosen, notice = read_period(session, rt, period, published_on)
        notice = notices(notice, as_of_notice)
        detail = measure_detail(session, rt.calendar, code or "", chosen, published_on=published_on)
        site = site_info(session)
        if detail is None:
            # An internal measure opens for the staff who may see it, and is "not found" for
            # everyone else, exactly like an unknown code (aim.services.measures.measure_visibility).
            if measure_visibility(session, code or "", user=current_principal()) == "internal":
                user = current_principal()
                found = staff_measure(session, rt.calendar, code or "", user=user)
                if found is not None:
                    mine = open_follow_ups(session, user=user, measure_code=found.code)
                    return html.Div(
                        [
                            workflow.staff_measure(found, site),
                            follow_ups.measure_panel(mine, found.code, may_create_follow_up(user)),
                        ]
                    )
            return measure.not_found(code or "", site)
        shown = "year" if view == "year" else "period"
        built = measure.build(
            detail, rt.calendar, periods(session, rt, published_on), site, notice, view=shown
        )
        if published_on is not None:
            keep_in_links(built, "as_of", f"{published_on:%Y-%m-%d}")
        return built
