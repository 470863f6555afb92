"""The home page in a real browser: real figures for the period, nothing fetched off the server.

On SQLite only, like the other browser tests: on PostgreSQL the same figures are checked by the
scorecard service and API tests, and the home page is served by tests/test_app.py and tests/callbacks."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.cities import load_tiny_city

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"], indirect=True)]


@pytest.fixture
def page(public_page):
    """A tab of the module's browser context (each test still has its own database): none signs in."""
    return public_page


def test_home_page_shows_each_priority_with_its_index_and_counts(page, site, database):
    load_tiny_city(database)
    page.goto(site + "/")
    page.get_by_role("heading", name="How is the city doing?").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    safety = page.get_by_role("region", name="Safety", exact=True)
    assert "0.92" in safety.inner_text()  # hand-computed safety index 0.917
    assert "At risk 1" in safety.inner_text().replace("\n", " ")
    assert "Off track 1" in safety.inner_text().replace("\n", " ")
    economy = page.get_by_role("region", name="Economy", exact=True)
    assert "1.00" in economy.inner_text()
    hosts = {urlparse(url).netloc for url in page.requested_urls}
    assert hosts == {urlparse(site).netloc}


def test_a_period_in_the_url_selects_it(page, site, database):
    load_tiny_city(database)
    page.goto(site + "/?period=2025-Q2")
    page.get_by_text("Performance in 2025 Q2").wait_for()


def test_a_bad_period_in_the_url_explains_and_falls_back(page, site, database):
    load_tiny_city(database)
    page.goto(site + "/?period=2025-13")
    page.get_by_text("month must be 01 to 12").wait_for()
    page.get_by_text("Performance in 2025.").wait_for()


def test_an_empty_city_says_no_data_is_loaded(page, site):
    page.goto(site + "/")
    page.get_by_text("No performance data has been loaded yet.").wait_for()


@pytest.mark.leak_city  # the demo city as imported, plus internal rows that change nothing here
def test_demonstration_data_is_labelled_on_the_page(page, site):
    page.goto(site + "/")
    notice = page.locator("#demo-notice")
    notice.wait_for()
    assert "Demonstration data" in notice.inner_text()
    assert "not the City of Milwaukee's official figures" in notice.inner_text()
    safety = page.get_by_role(
        "region", name="Provide safety and security for all neighborhoods and residents.", exact=True
    )
    assert "Index" in safety.inner_text()
