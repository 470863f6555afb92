"""The community request, end to end in Chromium: a resident asks for a dataset (no account); it is
not shown; the data coordinator approves and answers it on the desk; the answer appears on the
public requests page. And the coordinator keeps the inventory through the desk's form."""

from __future__ import annotations

import pytest

from tests.accounts import PASSWORD, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]


def _sign_in(page, site: str, email: str) -> None:
    page.goto(site + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#staff-navbar").wait_for()


def test_a_resident_asks_the_coordinator_answers_and_the_public_reads_the_answer(
    browser, site, database, fast_hashing
):
    resident = browser.new_context().new_page()
    resident.goto(site + "/data/requests")
    resident.get_by_role("link", name="Ask for a dataset").first.click()
    resident.get_by_label("Title").fill("Snow plow routes <b>now</b>")
    resident.get_by_label("What you need").fill("Every route and when it is plowed.")
    resident.get_by_label("Why").fill("To plan my walk to work.")
    resident.get_by_role("button", name="Send the request").click()
    resident.get_by_text("once a coordinator has reviewed it").wait_for()
    assert resident.get_by_text("Snow plow routes").count() == 0  # not moderated yet

    make_user(database, "coordinator@milwaukee.gov", "data_coordinator")
    desk = browser.new_context().new_page()
    _sign_in(desk, site, "coordinator@milwaukee.gov")
    desk.goto(site + "/data/manage")
    desk.get_by_role("heading", name="Waiting for moderation (1)").wait_for()
    desk.get_by_label("Decision").select_option("approve")
    desk.get_by_role("button", name="Moderate").click()
    desk.get_by_text("The request was moderated.").wait_for()
    desk.get_by_role("heading", name="Answers (1)").wait_for()
    desk.get_by_label("Answer", exact=True).select_option("released")
    desk.get_by_label("The answer, as the public will read it").fill("Published with the winter schedule.")
    desk.get_by_label("Link to the released data (when released)").fill(
        "https://data.example.gov/snow-routes"
    )
    desk.get_by_role("button", name="Publish the answer").click()
    desk.get_by_text("The answer is published on the requests page.").wait_for()

    resident.goto(site + "/data/requests")
    resident.get_by_role("heading", name="Snow plow routes <b>now</b>").wait_for()
    resident.get_by_text("Published with the winter schedule.").wait_for()
    link = resident.get_by_role("link", name="The released data")
    assert link.get_attribute("href") == "https://data.example.gov/snow-routes"
    assert resident.locator("main b").count() == 0  # the typed tag stayed text


def test_the_coordinator_adds_an_entry_that_the_public_then_sees_in_the_inventory(
    browser, site, database, fast_hashing
):
    make_user(database, "coordinator@milwaukee.gov", "data_coordinator")
    desk = browser.new_context().new_page()
    _sign_in(desk, site, "coordinator@milwaukee.gov")
    desk.goto(site + "/data/manage")
    desk.get_by_label("Short name (in web addresses)").fill("tree-inventory")
    desk.get_by_label("Name", exact=True).fill("Street tree inventory")
    desk.get_by_label("Steward department (its code)").fill("NOPE")
    desk.get_by_role("button", name="Save the entry").click()
    desk.get_by_text("no department has the code 'NOPE'").wait_for()  # nothing saved, says why
    desk.get_by_label("Steward department (its code)").fill("DPW")
    desk.get_by_label("System of record").fill("TreeKeeper 9")
    desk.get_by_role("button", name="Save the entry").click()
    desk.get_by_text("The inventory entry was saved.").wait_for()

    public = browser.new_context().new_page()
    public.goto(site + "/data/inventory")
    public.get_by_role("heading", name="Planned (1)").wait_for()
    row = public.get_by_role("row", name="Street tree inventory")
    assert "TreeKeeper 9" in row.inner_text()
    row.get_by_role("link", name="Support the release of Street tree inventory").click()
    public.get_by_role("heading", name="Support \u201cStreet tree inventory\u201d").wait_for()
