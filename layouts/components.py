"""Small building blocks used on several pages: status badges and counts by status."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from aim.services.site import SiteInfo
from layouts import format as fmt


def demonstration_notice(site: SiteInfo) -> dbc.Alert | None:
    """The banner every page shows while demonstration data is loaded."""
    if not site.demonstration:
        return None
    return dbc.Alert([html.Strong("Demonstration data. "), site.notice], color="warning",
                     className="demo-notice", id="demo-notice")


def status_badge(status: str) -> html.Span:
    """A status as icon and word (never colour alone)."""
    return html.Span(
        [html.Span(fmt.STATUS_ICON[status], **{"aria-hidden": "true"}), " ", fmt.STATUS_TEXT[status]],
        className=f"badge {fmt.STATUS_CLASS[status]} status-badge",
    )


def status_counts(counts: dict[str, int], *, label: str) -> html.Ul:
    """Counts by status as a list; statuses with zero measures are left out."""
    items = [
        html.Li([status_badge(status), html.Span(f" {count}", className="ms-1 fw-semibold")],
                className="list-inline-item mb-1")
        for status, count in counts.items()
        if count
    ]
    if not items:
        items = [html.Li("No measures", className="list-inline-item text-body-secondary")]
    return html.Ul(items, className="list-inline mb-0", **{"aria-label": label})
