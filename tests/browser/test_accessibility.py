"""WCAG 2.1 AA in practice: every page, at desktop and phone widths, has zero axe-core violations
with no rule or element excluded; it works by keyboard; and it fetches nothing from other hosts.

Accessibility does not depend on the database, so these run on SQLite only.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from aim.config import ROOT
from tests.conftest import require
from tests.web import BROWSER_TIMEOUT_MS, wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [
    "/",
    "/?period=2025-Q3",
    "/priorities/safe-neighborhoods",
    "/priorities/healthy-children?status=off_track",
    "/measures",
    "/measures?q=lead&sort=status",
    "/measures?page=2",
    "/measures/violent-crimes",
    "/measures/violent-crimes?view=year",
    "/measures/vacancy-rate",
    "/measures/ems-response-time-90th?period=2026",
    "/measures/violent-crimes?as_of=2026-01-15",  # as published on an earlier day
    "/?as_of=2026-01-15",
    "/priorities/safe-neighborhoods?as_of=not-a-day",
    "/priorities/safe-neighborhoods/narratives",
    "/priorities/healthy-children/narratives",  # none published yet
    "/departments",
    "/departments/DPW",
    "/departments?as_of=2026-01-15",  # with the note on what as_of does to budgets
    "/departments/DPW?as_of=2026-01-15&period=2025",
    "/methodology",
    "/measures/no-such-code",
    "/no/such/page",
    "/data",
    "/data/actuals",
    "/data/no-such-dataset",
    "/data/inventory",
    "/data/requests",
    "/data/requests?sent=1",
    "/data/requests/new",
    "/data/manage",
    "/data/archive",
    "/internal/measures",
    "/review-room",
    "/briefing",
    "/login",
    "/logout",
]
WIDTHS = [1280, 390]


@pytest.fixture
def city(shared_site) -> str:
    """The module's one copy of the leak city: these tests only read it."""
    return shared_site


def _open_tab(context):
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    return page


@pytest.fixture(scope="module")
def axe_context(browser):
    """One browser context for the module's public pages, so that Dash's and Plotly's scripts
    (1.4-6 MB, compressed by the server on each fresh download) come from its cache after the first
    page. bypass_csp lets the test inject axe; the app's own scripts never need it."""
    require(AXE, "`make test` installs axe-core with npm")
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def axe_page(axe_context):
    """A new tab of the module's context, at desktop width."""
    page = _open_tab(axe_context)
    yield page
    page.close()


def violations(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document)).violations
        .map(v => `${v.id} (${v.impact}): ` +
            v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))""")
    return found


def violations_at_each_width(page) -> dict[int, list[str]]:
    """axe-core's findings at desktop and phone widths, resizing the loaded page (media queries
    and Plotly's responsive charts follow the viewport) instead of loading it once per width."""
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # Two animation frames: the resize has been laid out and painted before axe looks.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        assert page.evaluate("window.innerWidth") == width
        found[width] = violations(page)
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return found


NONE_AT_ANY_WIDTH = {width: [] for width in WIDTHS}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_no_axe_violations_at_each_width_and_no_third_party_requests(axe_page, city, path):
    axe_page.goto(city + path)
    axe_page.locator("main h1").first.wait_for()
    axe_page.wait_for_load_state("networkidle")
    assert violations_at_each_width(axe_page) == NONE_AT_ANY_WIDTH
    assert axe_page.locator("html").get_attribute("lang") == "en"
    hosts = {urlparse(url).netloc for url in axe_page.requested}
    assert hosts == {urlparse(city).netloc}, hosts


def test_the_skip_link_is_first_and_moves_focus_to_the_main_content(axe_page, city):
    page = axe_page
    page.goto(city + "/")
    page.locator("main h1").wait_for()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"


def test_filters_work_by_keyboard_alone(axe_page, city):
    page = axe_page
    page.goto(city + "/priorities/safe-neighborhoods")
    page.locator("main h1").wait_for()
    status = page.get_by_label("Status", exact=True)
    status.focus()
    status.select_option("at_risk")  # as arrow keys would; then Tab to the button and press Enter
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Apply":
            break
    assert page.evaluate("document.activeElement.textContent") == "Apply"
    page.keyboard.press("Enter")
    page.wait_for_url("**status=at_risk**")
    wait_until_shown(page)
    badges = page.locator("table.measure-table .status-badge").all_inner_texts()
    assert badges and all("At risk" in b or "Late" in b for b in badges)


def test_every_interactive_element_can_be_reached_by_tab(axe_page, city):
    page = axe_page
    page.goto(city + "/measures/violent-crimes")
    page.locator("main h1").wait_for()
    # Number every visible link and control, then Tab through the page and note which were reached.
    targets = page.evaluate("""() => {
        const all = [...document.querySelectorAll('a[href], button, select, input:not([type=hidden])')]
            .filter(e => e.offsetParent !== null);
        all.forEach((e, i) => e.dataset.tabCheck = i);
        return all.length; }""")
    reached = set()
    for _ in range(targets + 20):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.dataset.tabCheck"))
    assert {str(i) for i in range(targets)} <= reached


def test_status_is_never_colour_alone(axe_page, city):
    page = axe_page
    page.goto(city + "/measures")
    page.locator("main h1").wait_for()
    badges = page.locator(".status-badge").all_inner_texts()
    assert badges
    words = {"On track", "At risk", "Off track", "No target", "No data", "Late"}
    assert all(any(w in b for w in words) for b in badges)
    # Each word has its icon before it, drawn by CSS ([data-icon]::before), and read as the word
    # alone: the icon's alternative text is empty.
    from layouts.format import STATUS_ICON, STATUS_TEXT

    drawn = page.evaluate(
        """() => [...document.querySelectorAll('.status-badge')].map(
            b => [b.textContent, getComputedStyle(b, '::before').content])"""
    )
    icon_of = {STATUS_TEXT[s]: symbol for s, symbol in STATUS_ICON.items()}
    assert all(content == f'"{icon_of[word]}" / ""' for word, content in drawn), drawn[:3]
    cell = page.locator("table.measure-table tbody tr").first.locator(".status-badge").first
    assert cell.aria_snapshot() == f"- text: {cell.text_content()}"
    # So does every other icon beside a word (the trend's arrow).
    icons = page.evaluate(
        """() => [...document.querySelectorAll('[data-icon]:not(.status-badge)')].map(
            e => [e.dataset.icon, getComputedStyle(e, '::before').content])"""
    )
    assert icons and all(content == f'"{symbol}" / ""' for symbol, content in icons), icons[:3]


def test_the_signed_in_pages_have_no_axe_violations_at_each_width(browser, site, database, fast_hashing):
    from tests.accounts import PASSWORD, make_user

    # Its own context and database: it signs in, and writes an account.
    make_user(database, "axe.editor@milwaukee.gov", "department_editor", ("MPD", "DPW"))
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
    page = _open_tab(context)
    page.goto(site + "/login")
    page.get_by_label("Email").fill("axe.editor@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#staff-navbar").wait_for()
    for path in ("/internal/measures", "/internal/measures?department=DPW", "/", "/account/password"):
        page.goto(site + path)
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert violations_at_each_width(page) == NONE_AT_ANY_WIDTH, path
    context.close()


REVIEW_PAGES = (
    "/review-room",
    "/review-room?compare=year&span=months",
    "/review-room/measures?priority=safe-neighborhoods&department=MPD",
    "/review-room/measures?change=newly_off_track",
    "/briefing",
    "/briefing?priority=healthy-children&compare=year",
    "/briefing?period=2026-Q2&priority=safe-neighborhoods",  # with the published narrative
    "/review-room/narratives",
    "/review-room/narratives?period=2026-Q2&priority=safe-neighborhoods",  # published, and a draft
)


def test_the_review_room_pages_have_no_axe_violations_at_each_width(browser, site, database, fast_hashing):
    from tests.accounts import PASSWORD, make_user

    make_user(database, "axe.mayor@milwaukee.gov", "mayors_office")
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
    page = _open_tab(context)
    page.goto(site + "/login")
    page.get_by_label("Email").fill("axe.mayor@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/review-room")
    for path in REVIEW_PAGES:
        page.goto(site + path)
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert violations_at_each_width(page) == NONE_AT_ANY_WIDTH, path
        hosts = {urlparse(url).netloc for url in page.requested}
        assert hosts == {urlparse(site).netloc}, hosts
    context.close()


def test_the_open_data_desk_and_filled_pages_have_no_axe_violations_at_each_width(
    browser, site, database, fast_hashing
):
    """The coordinator's desk with a request in each state and inventory entries, and the public
    pages showing them. Its own context and database: it writes entries and signs in."""
    from aim.auth import Principal, Role
    from aim.services import data_requests, inventory
    from tests.accounts import PASSWORD, make_user

    coordinator = make_user(database, "axe.coordinator@milwaukee.gov", "data_coordinator")
    who = Principal(coordinator.id, coordinator.email, Role.DATA_COORDINATOR)
    with database.write() as s:
        inventory.import_csv(
            s,
            who,
            "slug,name,steward,classification,release_status,status_reason,access_url\n"
            "permits,Building permits,DPW,public,published,,https://data.example.gov/permits\n"
            "payroll,Payroll,DPW,confidential,will_not_release,Personal data,\n"
            "trees,Street trees,DPW,public,planned,,\n",
        )
        for title in ("Bus stops", "Snow plow routes", "Lead service lines"):
            data_requests.submit(
                s, data_requests.parse_request({"title": title, "need": "All of it", "reason": "Research"})
            )
        data_requests.moderate(s, who, 2, True)
        data_requests.moderate(s, who, 3, True)
        data_requests.answer(
            s, who, 3, "released", "Published today.", "https://data.example.gov/lead", "trees"
        )
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
    page = _open_tab(context)
    page.goto(site + "/login")
    page.get_by_label("Email").fill("axe.coordinator@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#staff-navbar").wait_for()
    for path in (
        "/data/manage",
        "/data/manage?edit=trees&done=saved",
        "/data/inventory",
        "/data/requests",
        "/data",
        "/data/permits",
        "/data/archive",
        "/data/actuals",
    ):
        page.goto(site + path)
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert violations_at_each_width(page) == NONE_AT_ANY_WIDTH, path
    context.close()
