"""My reporting's page builder (layouts/staff/workflow.py): the caption and the pager of a long list."""

from __future__ import annotations

import json
from datetime import date

from plotly.utils import PlotlyJSONEncoder

from aim.schemas import SiteInfo
from aim.workflow_views import ReportingRow, ReportingView
from layouts.staff.workflow import reporting


def _view(page: int, pages: int, shown: int, total: int) -> ReportingView:
    row = ReportingRow(
        measure="crime",
        measure_name="Crime",
        department_code="MPD",
        department_name="Police",
        frequency="monthly",
        unit_kind="count",
        unit_label="",
        period="2026-01",
        period_label="January 2026",
        due=date(2026, 2, 28),
        situation="due",
    )
    return ReportingView(
        allowed=True,
        today=date(2026, 3, 10),
        rows=[row] * shown,
        counts={"due": total},
        total=total,
        page=page,
        pages=pages,
        page_size=100,
    )


def _text(view: ReportingView) -> str:
    return json.dumps(reporting(view, SiteInfo()), cls=PlotlyJSONEncoder)


def test_a_middle_page_says_which_figures_it_holds_and_links_to_both_neighbours():
    text = _text(_view(page=2, pages=3, shown=100, total=250))
    assert "Figures 101\\u2013200 of 250 of your departments" in text
    assert '"/reporting?page=1"' in text and '"/reporting?page=3"' in text
    assert "Page 2 of 3" in text and "Pages of My reporting" in text


def test_the_last_page_has_no_next_link_and_its_count_ends_at_the_total():
    text = _text(_view(page=3, pages=3, shown=50, total=250))
    assert "Figures 201\\u2013250 of 250" in text
    assert '"/reporting?page=4"' not in text and '"/reporting?page=2"' in text


def test_a_list_of_one_page_has_no_pager():
    text = _text(_view(page=1, pages=1, shown=7, total=7))
    assert "7 figures of your departments, most urgent first" in text
    assert "Pages of My reporting" not in text
