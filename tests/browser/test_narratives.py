"""Priority narratives in a real browser: the Mayor's Office goes from the review room to the
narratives page, drafts an account by keyboard, and publishes it; the public priority page never
shows the draft, then shows the published text with its date and "Mayor's Office", and links to the
history. Markup typed into a narrative is shown as text. And the home page's index chart.

Runs on SQLite only: what is tested is the page, and the service tests cover both databases."""

from __future__ import annotations

import pytest

from tests.accounts import PASSWORD, make_user
from tests.web import wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]
SEEING = "Shootings fell in the third quarter; burglaries did not."
DOING = "Two more violence interrupters start in January."
MARKUP = '<img src=x onerror="window.__narrativeXss=1"><script>window.__narrativeXss=1</script>'


@pytest.fixture
def mayor(page, site, database, fast_hashing):
    make_user(database, "mayor@milwaukee.gov", "mayors_office")
    page.goto(site + "/login")
    page.get_by_label("Email").fill("mayor@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/review-room")
    page.locator("#what-changed").wait_for()
    return page


def _public_priority(browser, site: str, path: str = "/priorities/healthy-children"):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site + path)
    page.locator("main h1").first.wait_for()
    page.wait_for_load_state("networkidle")
    text = page.locator("main").inner_text()
    context.close()
    return text


def _open_desk(mayor, priority_title: str):
    """From the review room to the narratives page, then the priority chosen with the form."""
    mayor.get_by_role("link", name="Priority narratives").click()
    mayor.wait_for_url("**/review-room/narratives**")
    wait_until_shown(mayor)
    mayor.get_by_label("Priority", exact=True).select_option(label=priority_title)
    mayor.get_by_role("button", name="Show").click()
    mayor.wait_for_url("**priority=**")
    wait_until_shown(mayor)
    mayor.get_by_label("What we are seeing").wait_for()


def test_the_mayors_office_drafts_and_publishes_and_the_public_sees_only_the_published_text(
    mayor, site, browser
):
    title = "Protect children's health and place them on a path to success from birth to adulthood."
    _open_desk(mayor, title)
    # By keyboard: type into each part, Tab to the buttons and press Enter.
    mayor.get_by_label("What we are seeing").focus()
    mayor.keyboard.type(SEEING)
    mayor.keyboard.press("Tab")
    mayor.keyboard.type(DOING)
    mayor.keyboard.press("Tab")
    assert mayor.evaluate("document.activeElement.textContent") == "Save draft"
    mayor.keyboard.press("Enter")
    mayor.get_by_text("Draft saved.").wait_for()
    assert "Draft" in mayor.locator("#narrative-state").inner_text()

    public = _public_priority(browser, site)
    assert SEEING not in public and "From the Mayor's Office" not in public

    mayor.keyboard.press("Tab")
    assert mayor.evaluate("document.activeElement.textContent") == "Publish"
    mayor.keyboard.press("Enter")
    mayor.get_by_text("Published version 1").wait_for()
    assert "Public: version 1" in mayor.locator("#narrative-state").inner_text()

    public = _public_priority(browser, site)
    assert SEEING in public and DOING in public
    assert "From the Mayor's Office" in public and "Mayor's Office" in public
    assert "mayor@milwaukee.gov" not in public
    history = _public_priority(browser, site, "/priorities/healthy-children/narratives")
    assert SEEING in history


def test_a_second_version_stays_a_draft_until_published_and_the_history_keeps_both(mayor, site, browser):
    title = "Protect children's health and place them on a path to success from birth to adulthood."
    _open_desk(mayor, title)
    mayor.get_by_label("What we are seeing").fill(SEEING)
    mayor.get_by_label("What we are doing").fill(DOING)
    mayor.get_by_role("button", name="Publish").click()
    mayor.get_by_text("Published version 1").wait_for()
    mayor.get_by_label("What we are seeing").fill("A corrected account of the quarter.")
    mayor.get_by_role("button", name="Save draft").click()
    mayor.get_by_text("Draft saved.").wait_for()
    history = mayor.locator("#narrative-history").inner_text()
    assert "Version 2" in history and "Version 1" in history

    public = _public_priority(browser, site)
    assert SEEING in public and "A corrected account" not in public
    mayor.get_by_role("button", name="Publish").click()
    mayor.get_by_text("Published version 2").wait_for()
    public = _public_priority(browser, site)
    assert "A corrected account" in public and "version 2" in public
    history = _public_priority(browser, site, "/priorities/healthy-children/narratives")
    assert "A corrected account" in history and SEEING in history


def test_markup_in_a_narrative_is_shown_as_text_on_every_page_that_shows_it(mayor, site, browser):
    title = "Protect children's health and place them on a path to success from birth to adulthood."
    _open_desk(mayor, title)
    mayor.get_by_label("What we are seeing").fill(MARKUP)
    mayor.get_by_label("What we are doing").fill(MARKUP)
    mayor.get_by_role("button", name="Publish").click()
    mayor.get_by_text("Published version 1").wait_for()
    assert MARKUP in mayor.locator("#narrative-history").inner_text()
    period = mayor.evaluate("new URLSearchParams(location.search).get('period')")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for path in ("/priorities/healthy-children", "/priorities/healthy-children/narratives"):
        page.goto(site + path)
        page.locator(".narrative-text").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert MARKUP in page.locator("main").inner_text(), path
        assert page.locator("main img[src='x']").count() == 0, path
        assert page.evaluate("window.__narrativeXss") is None, path
    context.close()
    mayor.goto(f"{site}/briefing?period={period}&priority=healthy-children")
    mayor.locator(".narrative-text").first.wait_for()
    assert MARKUP in mayor.locator("main").inner_text()
    assert mayor.locator("main img[src='x']").count() == 0
    assert mayor.evaluate("window.__narrativeXss") is None


def test_the_home_page_shows_the_index_over_time_with_its_table(public_page, site):
    public_page.goto(site + "/")
    public_page.locator("#home-index-chart .main-svg").first.wait_for()
    table = public_page.get_by_role("region", name="Index over the last 8 quarters")
    rows = table.locator("tbody tr")
    assert rows.count() == 8
    head = table.locator("thead").inner_text()
    assert "City" in head and "Provide safety" in head
