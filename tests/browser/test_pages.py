"""The public pages in Chromium: the figures they show match the API, every filter and the period live
in the URL (so the back button and deep links work), and unknown codes get a helpful page.

What a browser adds does not depend on the database, so these run on SQLite; every page is served
from PostgreSQL too by the router tests (tests/callbacks), which run on both."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from aim.explain import amount
from tests.web import TIMEOUT, wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]


@pytest.fixture
def city(shared_site) -> str:
    """The module's one copy of the leak city: these tests only read it."""
    return shared_site


@pytest.fixture
def page(public_page):
    """A tab of the module's browser context: no test here signs in."""
    return public_page


def open_page(page, url: str) -> None:
    page.goto(url)
    page.locator("main h1").first.wait_for()


def api(site: str, path: str) -> dict:
    return requests.get(f"{site}/api/v1{path}", timeout=TIMEOUT).json()


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_home_shows_each_priority_index_and_counts_as_the_api_does(page, city):
    open_page(page, city + "/")
    figures = api(city, "/priorities")
    assert page.locator("#city-index").inner_text() == f"{figures['index']:.2f}"
    for priority in figures["priorities"]:
        card = page.get_by_role("region", name=priority["title"], exact=True)
        text = card.inner_text()
        assert f"Index {priority['index']:.2f}" in text.replace("\n", " ")
        for status, word in (("on_track", "On track"), ("off_track", "Off track"), ("at_risk", "At risk")):
            if priority["counts"][status]:
                # The figure ends at a space or the end: copied, the items do not run together.
                count = priority["counts"][status]
                assert re.search(rf"{word}\s+{count}(\s|$)", text), (priority["slug"], word, text)
        assert re.search(r"\d+ of \d+ key measures? (is|are) on track", text)


def test_home_period_choice_changes_the_url_and_the_figures(page, city):
    open_page(page, city + "/")
    page.get_by_label("Period", exact=True).select_option("2024")
    page.get_by_role("button", name="Show").click()
    wait_until_shown(page)
    page.get_by_text("Performance in 2024.").wait_for()
    assert query(page)["period"] == ["2024"]
    assert page.locator("#city-index").inner_text() == f"{api(city, '/priorities?period=2024')['index']:.2f}"
    page.go_back()
    page.get_by_text("Performance in 2025.").wait_for()


def test_priority_filters_change_the_url_and_content_and_back_restores(page, city):
    open_page(page, city + "/priorities/safe-neighborhoods")
    all_count = api(city, "/measures?priority=safe-neighborhoods")["count"]
    page.get_by_text(f"{all_count} of {all_count} measures shown.").wait_for()
    page.get_by_label("Status", exact=True).select_option("off_track")
    page.get_by_label("Sort by", exact=True).select_option("score")
    page.get_by_role("button", name="Apply").click()
    wait_until_shown(page)
    off = api(city, "/measures?priority=safe-neighborhoods&status=off_track&sort=score")
    page.get_by_text(f"{off['count']} of {all_count} measures shown.").wait_for()
    assert query(page)["status"] == ["off_track"] and query(page)["sort"] == ["score"]
    names = page.locator("table.measure-table tbody th").all_inner_texts()
    assert names == [m["name"] for m in off["measures"]]  # lowest score first, as the API sorts
    page.go_back()
    page.get_by_text(f"{all_count} of {all_count} measures shown.").wait_for()


def test_a_deep_link_reproduces_a_filtered_view(page, city):
    open_page(page, city + "/measures?department=MFD&frequency=monthly&sort=name&period=2024")
    expected = api(city, "/measures?department=MFD&frequency=monthly&sort=name&period=2024")
    page.get_by_text(f"{expected['count']} of").wait_for()
    assert page.get_by_label("Department", exact=True).input_value() == "MFD"
    assert page.get_by_label("Updated", exact=True).input_value() == "monthly"
    assert page.get_by_label("Period", exact=True).input_value() == "2024"
    assert page.locator("table.measure-table tbody th").all_inner_texts() == [
        m["name"] for m in expected["measures"]
    ]


def test_search_finds_measures_by_name_or_definition(page, city):
    open_page(page, city + "/measures")
    page.get_by_label("Search names and definitions", exact=True).fill("lead")
    page.get_by_role("button", name="Search").click()
    wait_until_shown(page)
    expected = api(city, "/measures?q=lead")
    page.get_by_text(f"{expected['count']} of").wait_for()
    assert query(page)["q"] == ["lead"]
    assert set(page.locator("table.measure-table tbody th").all_inner_texts()) == {
        m["name"] for m in expected["measures"]
    }


def test_a_measure_page_gives_status_in_words_chart_table_facts_and_downloads(page, city):
    open_page(page, city + "/measures/violent-crimes?period=2025")
    detail = api(city, "/measures/violent-crimes?period=2025")
    status = detail["status"]
    reason = page.locator("#measure-status").inner_text()
    assert (
        amount(status["actual"], "count", "crimes") in reason
        and amount(status["target"], "count", "crimes") in reason
    )
    assert "tolerance 10%" in reason or status["status"] == "on_track"
    page.locator("#measure-chart .main-svg").first.wait_for()
    series = api(city, "/measures/violent-crimes/series.json")["series"]
    table = page.locator("#measure-data-table tbody tr")
    assert table.count() == len(series)
    newest = table.first.inner_text()
    assert series[-1]["label"] in newest and amount(series[-1]["actual"], "count", "crimes") in newest
    facts = page.locator("main dl").inner_text()
    assert "Lower is better" in facts and "Monthly" in facts and "MPD Records Management System" in facts
    csv_link = page.get_by_role("link", name="CSV (spreadsheet)")
    assert requests.get(city + csv_link.get_attribute("href"), timeout=TIMEOUT).text.startswith(
        "measure,name,period"
    )


def test_a_department_page_lists_activities_budgets_and_measures(page, city):
    open_page(page, city + "/departments/MPD?period=2025")
    assert page.locator("main h1").inner_text() == "Milwaukee Police Department"
    police = api(city, "/measures?department=MPD&period=2025")["measures"]
    shown = page.locator("table.measure-table tbody th").all_inner_texts()
    assert sorted(shown) == sorted(m["name"] for m in police)
    patrol = next(
        a for a in api(city, "/departments/MPD?period=2025")["activities"] if a["code"] == "MPD-PATROL"
    )
    assert f"${patrol['years'][-1]['adopted']:,.0f}" in page.locator("#resource-table").inner_text()


def test_methodology_explains_the_rules_and_the_update_schedule(page, city):
    open_page(page, city + "/methodology")
    text = page.locator("main").inner_text()
    assert "How we decide whether a measure is on track" in text and "capped at **1.25**" not in text
    assert "capped at 1.25" in text
    rows = page.locator("#schedule + div tbody tr")
    assert rows.count() == api(city, "/measures?period=2025")["count"] + 0 or rows.count() > 150


def test_an_unknown_measure_code_gets_a_helpful_not_found_page(page, city):
    open_page(page, city + "/measures/no-such-measure")
    assert page.locator("main h1").inner_text() == "Measure not found"
    page.get_by_role("link", name="Search all measures").click()
    wait_until_shown(page)
    page.get_by_label("Search names and definitions", exact=True).wait_for()
    assert query(page)["q"] == ["no-such-measure"]


def test_an_unknown_page_gets_a_not_found_page_with_ways_on(page, city):
    open_page(page, city + "/no/such/page")
    assert page.locator("main h1").inner_text() == "Page not found"
    assert "/no/such/page" in page.locator("main").inner_text()


def test_a_bad_filter_in_the_url_says_what_was_wrong(page, city):
    open_page(page, city + "/measures?status=great")
    page.get_by_text("status must be one of").wait_for()
