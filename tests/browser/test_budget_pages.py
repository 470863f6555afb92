"""The budget pages in Chromium, as a budget analyst would use them: the cost per ton of Public
Works for two years and its change, the workbench filtered to one priority and exported to xlsx,
the file read back with openpyxl and its numbers equal to the API's; the departments index sorted
by a heading; and 0 axe violations on every budget page at desktop and phone widths."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.accounts import PASSWORD, make_user
from tests.browser.test_accessibility import AXE, WIDTHS, violations
from tests.conftest import require
from tests.web import BROWSER_TIMEOUT_MS, TIMEOUT, wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]
ANALYST = "budget.analyst@milwaukee.gov"
PRIORITY = "healthy-children"


def api(site: str, path: str) -> dict:
    response = requests.get(f"{site}/api/v1{path}", timeout=TIMEOUT)
    assert response.status_code == 200, (path, response.text[:200])
    return response.json()


def sign_in(page, site: str, email: str = ANALYST) -> None:
    page.goto(site + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#staff-navbar").wait_for()
    # The navigation bar comes with the shell, before the router has drawn the landing page: a link
    # followed before that page is in may be overtaken by it. Wait for the page itself.
    page.locator("main h1").first.wait_for()


@pytest.fixture
def analyst(database, fast_hashing) -> str:
    make_user(database, ANALYST, "budget_analyst")
    return ANALYST


def test_an_analyst_reads_the_cost_per_ton_then_exports_the_workbench_filtered_to_one_priority(
    page, site, analyst, tmp_path
):
    sign_in(page, site)
    # Public Works from the departments index: the cost per ton for two years and its change.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Departments").click()
    wait_until_shown(page)
    page.get_by_role("link", name="Department of Public Works").click()
    wait_until_shown(page)
    table = page.locator("#output-garbage-tons")
    table.wait_for()
    department = api(site, "/departments/DPW?period=2025")
    collect = next(a for a in department["activities"] if a["code"] == "DPW-SAN-COLLECT")
    y2024, y2025 = collect["outputs"][0]["years"][-2:]
    cells = {
        year: table.locator(f"td[data-year='{year}']")
        for year in (y2024["fiscal_year"], y2025["fiscal_year"])
    }
    assert float(cells[2024].get_attribute("data-cost")) == pytest.approx(y2024["cost_per_unit"], abs=1e-5)
    assert float(cells[2025].get_attribute("data-cost")) == pytest.approx(y2025["cost_per_unit"], abs=1e-5)
    assert cells[2024].inner_text() == f"${y2024['cost_per_unit']:,.2f}"
    assert cells[2025].inner_text() == f"${y2025['cost_per_unit']:,.2f}"
    row_2025 = table.locator("tbody tr").filter(has_text="FY2025").inner_text()
    assert f"({y2025['change'] * 100:+.1f}%)" in row_2025
    assert f"-${abs(y2025['change_amount']):,.0f}" in row_2025

    # The workbench, filtered to one priority, exported to xlsx.
    page.get_by_role("link", name="Analyst workbench").click()
    wait_until_shown(page)
    page.locator(".ag-row").first.wait_for()
    everything = page.locator("#workbench-count").inner_text()
    page.get_by_label("Priority").select_option(PRIORITY)
    expect(page.locator("#workbench-count")).not_to_have_text(everything, timeout=BROWSER_TIMEOUT_MS)
    shown = int(page.locator("#workbench-count").inner_text().split()[0])
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Excel (xlsx)").click()
    path = tmp_path / "workbench.xlsx"
    download.value.save_as(path)

    book = load_workbook(path)
    sheet = book["Data"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(rows) == shown
    assert sheet.freeze_panes == "A2"
    about = dict(r[:2] for r in book["About"].iter_rows(values_only=True) if r[0])
    title = next(
        p["title"] for p in api(site, "/priorities?period=2025")["priorities"] if p["slug"] == PRIORITY
    )
    assert about["Priority"] == title and about["Fiscal year"] == "2025, beside 2024"

    public = {m["code"]: m for m in api(site, f"/measures?priority={PRIORITY}&period=2025")["measures"]}
    by_code = {r["Code"]: r for r in rows}
    assert set(public) <= set(by_code)  # the API's public measures, and internal ones beside them
    for code, m in public.items():
        assert by_code[code]["Value, 2025"] == pytest.approx(m["actual"]) if m["actual"] is not None else True
        assert (
            by_code[code]["Status, 2025"]
            == {
                "on_track": "On track",
                "at_risk": "At risk",
                "off_track": "Off track",
                "no_target": "No target",
                "no_data": "No data",
            }[m["status"]]
        )
    lead = api(site, "/departments/DPW?period=2025")["activities"]
    lines = next(a for a in lead if a["code"] == "MWW-LEAD")
    replaced = by_code["lead-lines-replaced"]
    assert replaced["Spent, 2025"] == lines["years"][-1]["spent"]
    assert replaced["Cost per unit, 2025"] == pytest.approx(lines["outputs"][0]["years"][-1]["cost_per_unit"])
    assert replaced["Cost per unit, 2024"] == pytest.approx(lines["outputs"][0]["years"][-2]["cost_per_unit"])


def test_the_departments_index_sorts_by_a_heading_and_the_url_keeps_it(page, site):
    page.goto(site + "/departments")
    page.locator("#departments-table").wait_for()
    page.locator("#departments-table thead").get_by_role("link", name="Spent", exact=True).click()
    page.wait_for_url("**sort=spent**")
    wait_until_shown(page)
    assert parse_qs(urlparse(page.url).query)["order"] == ["desc"]
    page.locator("th[aria-sort='descending']").wait_for()
    names = page.locator("#departments-table tbody th").all_inner_texts()
    spent = {d["name"]: d["spent"] for d in api(site, "/departments")["departments"]}
    assert names == sorted(spent, key=lambda n: -(spent[n] or 0))
    page.locator("#departments-table thead").get_by_role("link", name="Spent", exact=True).click()
    page.wait_for_url("**order=asc**")
    wait_until_shown(page)
    page.locator("th[aria-sort='ascending']").wait_for()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_budget_pages_have_no_axe_violations(browser, site, analyst, width):
    require(AXE, "`make test` installs axe-core with npm")
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    try:
        for path in ("/departments", "/departments?sort=variance&order=asc", "/departments/DPW"):
            page.goto(site + path)
            page.locator("main h1").first.wait_for()
            page.wait_for_load_state("networkidle")
            assert violations(page) == [], path
        sign_in(page, site)
        page.goto(site + "/analysis")
        page.locator(".ag-row").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert violations(page) == [], "/analysis"
    finally:
        context.close()


def test_the_workbench_page_sends_others_to_sign_in_or_says_it_is_not_for_them(
    page, site, database, fast_hashing
):
    page.goto(site + "/analysis")
    page.get_by_role("link", name="Sign in").first.wait_for()
    assert page.locator(".ag-root").count() == 0
    make_user(database, "editor@milwaukee.gov", "department_editor", ("DPW",))
    sign_in(page, site, "editor@milwaukee.gov")
    page.goto(site + "/analysis")
    page.get_by_text("it is for budget analysts and the Mayor's Office").wait_for()
    assert page.locator(".ag-root").count() == 0
    assert page.get_by_role("link", name="Analyst workbench").count() == 0
