"""The review workflow in a real browser: the whole loop as three people (an editor, a budget
analyst, the public), a stale edit from two tabs, and zero axe violations on every workflow page at
desktop and phone widths. The browser's own requests carry dash-renderer's CSRF header, so these
also prove the gate lets a real page write."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import requests

from tests.accounts import PASSWORD, make_user
from tests.browser.test_accessibility import AXE, violations
from tests.conftest import require
from tests.web import BROWSER_TIMEOUT_MS, TIMEOUT, wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]


@pytest.fixture
def people(site, database, fast_hashing):
    make_user(database, "ed@milwaukee.gov", "department_editor", ("MPD",))
    make_user(database, "ed2@milwaukee.gov", "department_editor", ("MPD",))
    make_user(database, "an@milwaukee.gov", "budget_analyst")
    return site


@pytest.fixture
def person(browser, people):
    contexts = []

    def open_as(email: str | None, width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(BROWSER_TIMEOUT_MS)
        if email:
            page.goto(people + "/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.locator("#staff-navbar").wait_for()
        return page

    yield open_as
    for context in contexts:
        context.close()


def open_figure(page, site: str, code: str, period: str) -> None:
    page.goto(f"{site}/reporting/{code}/{period}")
    page.locator("#figure-value").wait_for()


def save(page, value: str, explanation: str | None = None, *, expect: str = "Draft saved") -> None:
    page.locator("#figure-value").fill(value)
    if explanation is not None:
        page.locator("#figure-explanation").fill(explanation)
    page.get_by_role("button", name="Save draft").click()
    page.locator("#figure-message").get_by_text(expect).wait_for()


def submit(page) -> None:
    page.get_by_role("button", name="Submit for review").click()
    page.locator("#figure-message").get_by_text("Submitted for review.").wait_for()


def tick(page, measure_name: str) -> None:
    page.locator("#review-queue .form-check", has_text=measure_name).first.locator("input").check()


def review(page, button: str, expect: str) -> None:
    page.get_by_role("button", name=button).click()
    page.locator("#review-message").get_by_text(expect).wait_for()


def test_the_whole_loop_as_an_editor_an_analyst_and_the_public(person, people):
    site = people
    editor = person("ed@milwaukee.gov")
    # One click from My reporting to the figure.
    editor.goto(site + "/reporting")
    editor.get_by_role("link", name="Violent crimes reported, Nov 2026").click()
    wait_until_shown(editor)
    editor.locator("#figure-value").wait_for()
    save(editor, "600")
    submit(editor)
    open_figure(editor, site, "property-crimes", "2026-11")
    editor.locator("#figure-value").fill("99999")
    editor.get_by_role("button", name="Save draft").click()
    editor.locator("#figure-explanation-error").get_by_text("off track").wait_for()  # beside its field
    save(editor, "99999", "A burglary ring; a task force started on 20 November.")
    submit(editor)

    analyst = person("an@milwaukee.gov")
    analyst.goto(site + "/review")
    tick(analyst, "Violent crimes reported")
    analyst.get_by_role("button", name="Return selected").click()
    analyst.locator("#review-comment-error").get_by_text("Required").wait_for()
    analyst.locator("#review-comment").fill("November looks low: check the late reports.")
    review(analyst, "Return selected", "Returned 1 figure.")

    open_figure(editor, site, "violent-crimes", "2026-11")
    editor.locator("#figure-state").get_by_text("November looks low: check the late reports.").wait_for()
    save(editor, "610")
    submit(editor)

    analyst.goto(site + "/review")
    # A department's whole period at once, with its own button.
    review(analyst, "Approve all 2 of Milwaukee Police Department, Nov 2026", "Approved 2 figures.")
    # Approved figures wait for the publication day below the queue; publish these two now.
    tick(analyst, "Violent crimes reported, Nov 2026")
    tick(analyst, "Property crimes reported, Nov 2026")
    review(analyst, "Publish selected now", "Published 2 figures.")

    series = requests.get(f"{site}/api/v1/measures/violent-crimes/series.json", timeout=TIMEOUT).json()
    points = series.get("series") or series.get("points") or series.get("data")
    assert any(p["period"] == "2026-11" and p["actual"] == 610 for p in points)
    card = requests.get(f"{site}/api/v1/scorecard?period=2026-11", timeout=TIMEOUT).json()
    assert {m["code"]: m["actual"] for m in card["measures"]}["property-crimes"] == 99999
    public = person(None)
    public.goto(site + "/measures/violent-crimes?period=2026-11")
    public.locator("main h1").first.wait_for()
    row = public.locator("#measure-data-table tr", has=public.locator("th", has_text="Nov 2026"))
    row.wait_for(state="attached")
    assert "610" in row.text_content()
    # The day before, the public saw no November figure: ask the page's "view as published on".
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    public.get_by_label("View as published on").fill(yesterday)
    public.get_by_role("button", name="View", exact=True).click()
    wait_until_shown(public)
    public.locator("#as-published-label").get_by_text(f"As published on {yesterday}").wait_for()
    assert (
        public.locator("#measure-data-table tr", has=public.locator("th", has_text="Nov 2026")).count() == 0
    )
    before = requests.get(
        f"{site}/api/v1/measures/violent-crimes/series.json?as_of={yesterday}", timeout=TIMEOUT
    ).json()
    assert not any(p["period"] == "2026-11" for p in before["series"])


def test_a_stale_edit_from_a_second_tab_is_refused_and_the_input_is_kept(person, people):
    site = people
    first, second = person("ed@milwaukee.gov"), person("ed2@milwaukee.gov")
    open_figure(first, site, "violent-crimes", "2026-11")
    open_figure(second, site, "violent-crimes", "2026-11")
    save(first, "600")
    second.locator("#figure-value").fill("605")
    second.get_by_role("button", name="Save draft").click()
    message = second.locator("#figure-message")
    message.get_by_text("while you were working").wait_for()
    assert "ed@milwaukee.gov" in message.inner_text() and "600" in message.inner_text()
    assert second.locator("#figure-value").input_value() == "605"  # kept, to re-apply
    save(second, "605")  # saving again, now against the current version, works


@pytest.mark.parametrize("width", [1280, 390])
def test_the_workflow_pages_have_no_axe_violations(person, people, width):
    require(AXE, "`make test` installs axe-core with npm")
    site = people
    editor = person("ed@milwaukee.gov", width)
    for path in (
        "/targets/violent-crimes",
        "/measures/zz-secret-internal",
        "/reporting",
        "/reporting/homicides/2026-12",
        "/reporting/violent-crimes/2026-11",
    ):
        editor.goto(site + path)
        editor.locator("main h1").first.wait_for()
        editor.wait_for_load_state("networkidle")
        assert violations(editor) == [], path
    save(editor, "1")  # the page after a write, with its messages
    assert violations(editor) == []
    analyst = person("an@milwaukee.gov", width)
    for path in ("/review", "/reporting/homicides/2027-01", "/targets/violent-crimes"):
        analyst.goto(site + path)
        analyst.locator("main h1").first.wait_for()
        analyst.wait_for_load_state("networkidle")
        assert violations(analyst) == [], path


def test_a_department_proposes_a_target_and_the_budget_office_approves_it(person, people):
    site = people
    editor = person("ed@milwaukee.gov")
    editor.goto(site + "/targets/violent-crimes")
    editor.get_by_label("Period (a fiscal year such as 2027)").fill("2027")
    editor.get_by_label("Target", exact=True).fill("7400")
    editor.get_by_label("Why this target").fill("The violence reduction plan's second year.")
    editor.get_by_role("button", name="Save proposal").click()
    editor.locator("#target-message").get_by_text("Proposal saved").wait_for()
    editor.get_by_role("button", name="Submit for approval").click()
    editor.locator("#target-message").get_by_text("Submitted for approval.").wait_for()
    analyst = person("an@milwaukee.gov")
    analyst.goto(site + "/targets/violent-crimes")
    analyst.get_by_role("button", name="Approve target").click()
    analyst.locator("#target-message").get_by_text("it is now the target in force").wait_for()
    row = analyst.locator("#target-history tr", has=analyst.locator("th", has_text="2027"))
    assert "7,400" in row.inner_text() and "Approved" in row.inner_text()


@pytest.mark.parametrize("width", [1280, 390])
def test_an_upload_with_bad_rows_lists_each_and_a_good_one_becomes_drafts(person, people, tmp_path, width):
    site = people
    editor = person("ed@milwaukee.gov", width)
    editor.goto(site + "/reporting")
    editor.get_by_role("link", name="Upload a file of values").click()
    wait_until_shown(editor)
    bad = tmp_path / "november.csv"
    bad.write_text("measure,period,value,explanation\nviolent-crimes,2026-11,many,\nhomicides,2026-10,-3,\n")
    editor.locator("#values-upload input[type=file]").set_input_files(str(bad))
    editor.get_by_text("Nothing was saved: 2 problems in november.csv.").wait_for()
    rows = editor.locator("#values-upload-result tbody tr").all_inner_texts()
    assert any(r.startswith("2\tvalue") for r in rows) and any(r.startswith("3\tvalue") for r in rows)
    if violations_available():
        assert violations(editor) == []
    good = tmp_path / "november-fixed.csv"
    good.write_text("measure,period,value,explanation\nviolent-crimes,2026-11,600,\n")
    editor.locator("#values-upload input[type=file]").set_input_files(str(good))
    editor.get_by_text("Saved 1 value from november-fixed.csv as drafts.").wait_for()
    editor.goto(site + "/reporting/violent-crimes/2026-11")
    assert editor.locator("#figure-value").input_value() == "600"


def violations_available() -> bool:
    return AXE.exists()
