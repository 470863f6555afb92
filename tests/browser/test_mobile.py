"""Phones (390 px wide): lists of measures become cards in which the name, value, target and
status are on screen without scrolling sideways, and long lists come a page at a time."""

from __future__ import annotations

import pytest
import requests

from layouts.public.browsing import PAGE_SIZE
from tests.web import TIMEOUT, wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]
WIDTH = 390


@pytest.fixture
def phone(browser, site):
    context = browser.new_context(viewport={"width": WIDTH, "height": 844})
    page = context.new_page()
    yield page
    context.close()


def _list_pages(site: str) -> list[str]:
    priorities = requests.get(f"{site}/api/v1/priorities", timeout=TIMEOUT).json()["priorities"]
    return ["/", *[f"/priorities/{p['slug']}" for p in priorities], "/measures", "/measures?page=2"]


def test_at_390_px_every_rows_status_badge_lies_inside_the_viewport(phone, site):
    for path in _list_pages(site):
        phone.goto(site + path)
        phone.locator("main table.measure-table").first.wait_for()
        rows = phone.locator("main table.measure-table tbody tr")
        boxes = phone.eval_on_selector_all(
            "main table.measure-table tbody tr",
            """rows => rows.map(row => {
                const badge = row.querySelector('.status-badge').getBoundingClientRect();
                const cells = [...row.querySelectorAll('th, td')].slice(0, 4)
                    .map(c => c.getBoundingClientRect());
                return {badge: [badge.left, badge.right, badge.width],
                        cells: cells.map(c => [c.left, c.right])};
            })""",
        )
        assert len(boxes) == rows.count() > 0, path
        for box in boxes:
            left, right, width = box["badge"]
            assert width > 0 and left >= 0 and right <= WIDTH, (path, box)
            for cell_left, cell_right in box["cells"]:  # name, value, target, status
                assert cell_left >= 0 and cell_right <= WIDTH, (path, box)
        assert phone.evaluate("document.documentElement.scrollWidth") <= WIDTH, path


def test_each_cell_of_a_card_says_what_it_is(phone, site):
    phone.goto(site + "/measures")
    first = phone.locator("main table.measure-table tbody tr").first
    first.wait_for()
    shown = first.evaluate(
        "row => [...row.querySelectorAll('td')].map(td => getComputedStyle(td, '::before').content)"
    )
    assert shown[:3] == ['"Value"', '"Target"', '"Status"']  # grouped by department: no such column


def test_the_list_of_every_measure_comes_a_page_at_a_time_with_the_filters_kept(phone, site):
    total = requests.get(f"{site}/api/v1/measures?status=no_target", timeout=TIMEOUT).json()["count"]
    everything = requests.get(f"{site}/api/v1/measures", timeout=TIMEOUT).json()["count"]
    assert everything > PAGE_SIZE
    phone.goto(site + "/measures")
    phone.locator("main table.measure-table").first.wait_for()
    assert phone.locator("main table.measure-table tbody tr").count() == PAGE_SIZE
    pages = -(-everything // PAGE_SIZE)
    assert phone.get_by_text(f"Page 1 of {pages}").count() == 1
    phone.get_by_role("link", name="Next \u2192").click()
    wait_until_shown(phone)
    phone.get_by_text(f"Page 2 of {pages}").wait_for()
    assert "page=2" in phone.url
    assert phone.locator("main table.measure-table tbody tr").count() == min(
        PAGE_SIZE, everything - PAGE_SIZE
    )
    # A filter and the page both live in the URL.
    phone.goto(site + "/measures?status=no_target&page=1")
    phone.get_by_text(f"{total} of {everything} measures shown.").wait_for()
    assert phone.locator("main table.measure-table tbody tr").count() == min(PAGE_SIZE, total)
