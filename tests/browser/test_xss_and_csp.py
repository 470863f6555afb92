"""User-entered text is shown as text, never run: an XSS corpus goes through every text field the
pages show, and nothing executes. And every page, public and internal, loads with zero
Content-Security-Policy violations in Chromium (the policy enforced, not bypassed)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from aim.models import (
    Activity,
    Actual,
    CityInfo,
    DataAsset,
    DataRequest,
    Department,
    FollowUp,
    FollowUpNote,
    Measure,
    Priority,
    PriorityNarrative,
    utcnow,
)
from tests.accounts import PASSWORD, make_user
from tests.web import BROWSER_TIMEOUT_MS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]

CORPUS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    '"><svg onload=window.__xss=1>',
    "</title><script>window.__xss=1</script>",
    '<a href="javascript:window.__xss=1">click</a>',
    '{{7*7}} ${7*7} <iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "<details open ontoggle=window.__xss=1>",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>",
]
WATCH = """
window.__xss = undefined; window.__csp = [];
document.addEventListener('securitypolicyviolation',
    e => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`));
"""


def plant(database) -> dict[str, str]:
    """Put a payload into every text field a page shows; return where each went."""
    placed = {}
    with database.write() as s:

        def put(obj, field: str, payload: str, label: str) -> None:
            setattr(obj, field, payload)
            placed[label] = payload

        priority = s.scalars(select(Priority).where(Priority.slug == "safe-neighborhoods")).one()
        put(priority, "title", CORPUS[0] + " Safety", "priority title")
        put(priority, "description", CORPUS[1], "priority description")
        police = s.scalars(select(Department).where(Department.code == "MPD")).one()
        put(police, "name", CORPUS[2] + " Police", "department name")
        put(police, "description", CORPUS[3], "department description")
        patrol = s.scalars(select(Activity).where(Activity.code == "MPD-PATROL")).one()
        put(patrol, "name", CORPUS[4] + " Patrol", "activity name")
        put(patrol, "description", CORPUS[5], "activity description")
        homicides = s.scalars(select(Measure).where(Measure.code == "homicides")).one()
        put(homicides, "name", CORPUS[6] + " Homicides", "measure name")
        put(homicides, "definition", CORPUS[7], "measure definition")
        put(homicides, "calculation", CORPUS[0], "measure calculation")
        put(homicides, "data_source", CORPUS[1], "measure data source")
        put(homicides, "unit_label", CORPUS[2][:80], "unit label")
        published = s.scalars(
            select(Actual)
            .where(Actual.measure_id == homicides.id, Actual.state == "published")
            .order_by(Actual.period.desc())
        ).first()
        put(published, "explanation", CORPUS[3], "published explanation")
        asset = DataAsset(
            slug="xss-entry", classification="public", release_status="planned", update_frequency="daily"
        )
        s.add(asset)
        put(asset, "name", CORPUS[6][:200], "inventory entry name")
        put(asset, "description", CORPUS[7], "inventory entry description")
        request = DataRequest(kind="new", state="approved", answer_status="planned")
        s.add(request)
        put(request, "title", CORPUS[4][:200], "request title")
        put(request, "need", CORPUS[0], "request need")
        put(request, "answer", CORPUS[1], "request answer")
        # Priority narratives: the leak city's draft (staff page), and a published one (public pages
        # and the briefing). A published version cannot be changed, so a new one is written.
        draft = s.scalars(select(PriorityNarrative).where(PriorityNarrative.state == "draft")).one()
        put(draft, "seeing", CORPUS[2], "draft narrative")
        children = s.scalars(select(Priority).where(Priority.slug == "healthy-children")).one()
        now = utcnow()
        narrative = PriorityNarrative(
            priority_id=children.id,
            period="2026-Q2",
            version=1,
            state="published",
            published_at=now,
            created_at=now,
            updated_at=now,
        )
        s.add(narrative)
        put(narrative, "seeing", CORPUS[6], "published narrative, seeing")
        put(narrative, "doing", CORPUS[7], "published narrative, doing")
        # A follow-up (issue 12): its action and a note of its log are typed by staff.
        follow_up = FollowUp(
            measure_id=homicides.id, department_id=police.id, due_on=date.today(), created_by="x@city.gov"
        )
        s.add(follow_up)
        put(follow_up, "action", CORPUS[5], "follow-up action")
        note = FollowUpNote(author="x@city.gov", role="mayors_office", kind="note")
        follow_up.notes.append(note)
        put(note, "text", CORPUS[7] + " note", "follow-up note")
        city = s.get(CityInfo, 1)
        put(city, "notice", CORPUS[5], "city notice")
        put(city, "name", CORPUS[4][:300], "city name")
    return placed


PAGES = [
    "/",
    "/priorities/safe-neighborhoods",
    "/measures",
    "/measures?q=script",
    "/measures/homicides",
    "/departments",
    "/measures/homicides?view=year",
    "/departments/MPD",
    "/methodology",
    "/internal/measures",
    "/review-room",
    "/review-room/measures?department=MPD",
    "/briefing",
    "/briefing?period=2026-Q2&priority=healthy-children",
    "/review-room/narratives?period=2026-Q2&priority=safe-neighborhoods",
    "/priorities/healthy-children",
    "/priorities/healthy-children/narratives",
    "/follow-ups",
    "/follow-ups/1",
    "/agenda?department=MPD",
    "/analysis",
    "/measures/no-such-<script>",
    "/data",
    "/data/measures",
    "/data/inventory",
    "/data/requests",
    "/data/requests/new",
]


@pytest.fixture
def analyst_page(browser, site, database, fast_hashing):
    make_user(database, "analyst@milwaukee.gov", "budget_analyst")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(site + "/login")
    page.get_by_label("Email").fill("analyst@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#staff-navbar").wait_for()
    yield page
    context.close()


def test_an_xss_corpus_in_every_shown_text_field_is_displayed_as_text_and_never_runs(
    analyst_page, site, database
):
    placed = plant(database)
    seen_text = ""
    for path in PAGES:
        analyst_page.goto(site + path)
        analyst_page.locator("main h1").first.wait_for()
        analyst_page.wait_for_load_state("networkidle")
        assert analyst_page.evaluate("window.__xss") is None, path
        assert (
            analyst_page.evaluate(
                "document.querySelectorAll('main script, main iframe, main svg[onload]').length"
            )
            == 0
        )
        seen_text += analyst_page.locator("body").inner_text()
    assert analyst_page.dialogs == []
    shown = [label for label, payload in placed.items() if payload in seen_text or payload[:60] in seen_text]
    assert len(shown) >= len(placed) - 1, f"payloads not shown as text: {set(placed) - set(shown)}"


def test_the_sign_in_form_shows_a_typed_email_as_text(browser, site, database):
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(site + "/login")
    page.get_by_label("Email").fill('"><script>window.__xss=1</script>')
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("do not match an active account").wait_for()
    assert page.evaluate("window.__xss") is None
    assert page.get_by_label("Email").input_value() == '"><script>window.__xss=1</script>'
    context.close()


@pytest.mark.parametrize("signed_in", [False, True], ids=["public", "signed-in analyst"])
def test_every_page_loads_with_zero_csp_violations(browser, site, database, fast_hashing, signed_in):
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # CSP enforced, not bypassed
    context.add_init_script(WATCH)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    if signed_in:
        make_user(database, "csp.analyst@milwaukee.gov", "budget_analyst")
        page.goto(site + "/login")
        page.get_by_label("Email").fill("csp.analyst@milwaukee.gov")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.locator("#staff-navbar").wait_for()
    violations = {}
    for path in [*PAGES, "/measures/vacancy-rate", "/login", "/logout", "/account/password"]:
        page.goto(site + path)
        page.locator("h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        found = page.evaluate("window.__csp")
        if found:
            violations[path] = found
    assert violations == {}
    context.close()


def test_markup_in_an_imported_unit_label_is_shown_as_text_in_the_chart_never_as_a_link(
    browser, site, database
):
    """Plotly renders a subset of HTML (links, bold, line breaks) in titles and hover text: data
    put into a figure must be escaped, or an imported unit label becomes a live link."""
    label = '<a href="https://evil.example/">click</a> <b>bold</b>'
    with database.write() as s:
        s.scalars(select(Measure).where(Measure.code == "homicides")).one().unit_label = label
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(site + "/measures/homicides")
    title = page.locator(".js-plotly-plot .g-ytitle text")
    title.wait_for()
    assert title.text_content() == label
    assert page.locator(".js-plotly-plot a").count() == 0
    assert page.locator(".js-plotly-plot .g-ytitle tspan[style*='bold']").count() == 0
    context.close()


def test_markup_in_a_priority_title_is_text_in_the_review_rooms_index_chart(
    browser, site, database, fast_hashing
):
    """The index chart names each priority in its legend and hover text: escaped like every figure."""
    title = '<a href="https://evil.example/">Safety</a> <b>now</b>'
    with database.write() as s:
        s.scalars(select(Priority).where(Priority.slug == "safe-neighborhoods")).one().title = title
    make_user(database, "legend.mayor@milwaukee.gov", "mayors_office")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(site + "/login")
    page.get_by_label("Email").fill("legend.mayor@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/review-room")
    legend = page.locator("#index-chart .legend text", has_text="Safety")
    legend.wait_for()
    assert legend.text_content().startswith('<a href="https://evil.example/">Safety')
    assert page.locator(".js-plotly-plot a").count() == 0
    context.close()
