"""The review room in a real browser, as the Mayor's Office uses it: sign in and land in the room, see
what newly went off track in the demo city's latest quarter (the count equals a hand count from the
scorecards of two quarters), open a measure, read its department's explanation, add a follow-up for
its department (shown in the room and in the briefing), and print the briefing to PDF (page count,
every exception's name in the text, no table clipped).

Runs on SQLite only: what is tested is the page, and the service tests cover both databases."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader

from aim.auth import Principal
from aim.periods import FiscalCalendar
from aim.schemas import ReviewQuery
from aim.services.review import briefing, review_period
from aim.services.scorecard import scorecard
from layouts import ids
from tests.accounts import PASSWORD, make_user
from tests.web import wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]
CAL = FiscalCalendar(1)
READER = Principal(user_id=1, email="reader@milwaukee.gov", role="mayors_office")
#: The printable width of a Letter page with half-inch margins, in CSS pixels (8.5in - 1in) x 96.
PRINT_WIDTH = 720


def _words(text: str) -> str:
    """Text as compared: ligatures undone (a PDF writes "ﬁ"), every run of white space one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


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


def _hand_count(database) -> list[str]:
    today = date.today()
    with database.read() as s:
        latest = review_period(s, CAL, today)
        now = scorecard(s, CAL, latest, as_of=today, user=READER).summary()["measures"]
        then = scorecard(s, CAL, CAL.shift(latest, -1), as_of=today, user=READER).summary()["measures"]
    was_off = {m["code"] for m in then if m["status"] == "off_track"}
    return sorted(m["code"] for m in now if m["status"] == "off_track" and m["code"] not in was_off)


def test_the_mayors_office_lands_in_the_room_and_sees_what_newly_went_off_track(mayor, database):
    by_hand = _hand_count(database)
    assert by_hand
    count = mayor.locator("#count-newly_off_track span").first.inner_text()
    assert int(count) == len(by_hand)
    rows = mayor.locator("#change-newly_off_track ~ div table tbody tr")
    assert rows.count() == len(by_hand)


def test_a_change_shows_the_departments_explanation_and_opens_the_measure(mayor, database):
    from sqlalchemy import select

    from aim.models import Actual, Measure

    table = mayor.locator("section[aria-labelledby=what-changed] table")
    explained = (
        table.locator("tbody tr")
        .filter(has_not_text="No explanation given")
        .filter(has_not_text="(internal)")
        .first
    )
    name = explained.locator("th a").inner_text()
    shown = _words(explained.locator("td.change-explanation").inner_text())
    with database.read() as s:
        texts = set(
            s.scalars(
                select(Actual.explanation).join(Measure).where(Measure.name == name, Actual.explanation != "")
            )
        )
    assert any(t in shown for t in texts), (shown, texts)
    explained.locator("th a").click()
    wait_until_shown(mayor)
    mayor.locator("main h1", has_text=name).wait_for()


def test_a_matrix_cell_opens_the_list_of_its_measures(mayor):
    cell = mayor.locator(".matrix a.matrix-link").first
    label = _words(cell.inner_text())
    cell.click()
    mayor.wait_for_url("**/review-room/measures?**")
    wait_until_shown(mayor)
    mayor.locator("main h1", has_text="Measures under review").wait_for()
    shown = mayor.locator("table.measure-table tbody tr").count()
    counted = sum(
        int(n) for n in re.findall(r"(\d+) (?:on track|at risk|off track|no target|no data)", label)
    )
    assert shown == counted


def test_the_briefing_prints_to_pdf_with_every_exception_a_page_per_priority_and_nothing_clipped(
    mayor, site, database
):
    mayor.goto(site + "/briefing")
    mayor.locator(".briefing-section").first.wait_for()
    mayor.locator(f"#{ids.BRIEFING_CHART} .main-svg").first.wait_for()
    assert mayor.locator(f"#{ids.PRINT_BUTTON}").inner_text() == "Print or save as PDF"
    with database.read() as s:
        brief = briefing(s, CAL, review_period(s, CAL, date.today()), ReviewQuery(), user=READER)
    names = {m.name for section in brief.sections for m in section.exceptions}
    assert names

    mayor.set_viewport_size({"width": PRINT_WIDTH, "height": 900})
    mayor.emulate_media(media="print")
    hidden = mayor.evaluate(
        """() => ['#site-navbar', '#staff-navbar', 'form', '#print-button', 'footer']
            .map(s => [...document.querySelectorAll(s)].every(e => e.offsetParent === null))"""
    )
    assert all(hidden)
    clipped = mayor.evaluate(
        """() => [...document.querySelectorAll('main table')].filter(t => {
            const box = t.getBoundingClientRect();
            const region = t.closest('.table-responsive');
            const cut = region && (region.scrollHeight > region.clientHeight + 1
                                   || region.scrollWidth > region.clientWidth + 1);
            return cut || box.right > document.documentElement.clientWidth + 1;
        }).map(t => t.querySelector('caption')?.textContent || 'table')"""
    )
    assert clipped == []
    pdf = mayor.pdf(
        format="Letter", margin={"top": "0.5in", "bottom": "0.5in", "left": "0.5in", "right": "0.5in"}
    )
    reader = PdfReader(io.BytesIO(pdf))
    text = _words(" ".join(p.extract_text() for p in reader.pages))
    assert [n for n in names if _words(n) not in text] == []
    assert "Index (1.00 = on target)" in text  # the chart's axis title: the chart itself was printed
    # The opening pages, then each priority from a new page.
    assert len(reader.pages) >= 1 + len(brief.sections)
    starts = [
        i
        for i, p in enumerate(reader.pages)
        if any(_words(p.extract_text()).startswith(_words(s.title)) for s in brief.sections)
    ]
    assert len(starts) == len(brief.sections)
    assert "Sign out" not in text and "Print or save as PDF" not in text


def test_a_download_link_fetches_the_file_and_leaves_the_room_in_view_undimmed(mayor):
    """assets/navigation.js dims the page while the router draws the next one; a download is a file,
    never drawn, so following one must not leave the room dimmed."""
    link = mayor.locator("a[href^='/downloads/review-room/changes.csv']").first
    with mayor.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("review-room-")
    assert download.value.suggested_filename.endswith(".csv")
    navigating = mayor.evaluate("() => document.documentElement.classList.contains('aim-navigating')")
    assert navigating is False
    mayor.locator("#what-changed").wait_for()


def test_the_mayors_office_adds_a_follow_up_for_a_newly_off_track_measures_department_and_prints_it(
    mayor, site, database
):
    from sqlalchemy import select

    from aim.models import Activity, AuditEvent, Department, FollowUp, Measure

    row = mayor.locator("#change-newly_off_track ~ div table tbody tr").first
    name = row.locator("th a").first.inner_text()
    department = row.locator("td").first.inner_text()
    explanation = _words(row.locator("td.change-explanation").inner_text())
    row.get_by_role("link", name=f"Add a follow-up for {name}").click()
    wait_until_shown(mayor)
    mayor.locator("main h1", has_text="New follow-up").wait_for()
    assert name in mayor.locator("main form").inner_text()
    if not explanation.startswith("No explanation"):  # the department's words, beside the form
        assert explanation.split(": ", 1)[-1][:40] in _words(mayor.locator("main form").inner_text())
    chosen = mayor.locator(f"#{ids.NEW_FOLLOW_UP_DEPARTMENT} option:checked").inner_text()
    assert chosen == department  # the measure's own department owns it
    action = "Bring a recovery plan to the next stat meeting"
    mayor.get_by_label("Action: what the department is to do").fill(action)
    mayor.get_by_label("Note (optional: context from the meeting)").fill("Agreed in the review room.")
    mayor.get_by_role("button", name="Save follow-up").click()
    mayor.get_by_text(f"Follow-up saved for {department}").wait_for()
    assert mayor.get_by_role("button", name="Save follow-up").is_disabled()  # no twin on a second click
    with database.read() as s:
        saved = s.execute(
            select(FollowUp.status, FollowUp.created_by, Measure.name, Department.name)
            .join(Measure, Measure.id == FollowUp.measure_id)
            .join(Department, Department.id == FollowUp.department_id)
            .where(FollowUp.action == action)
        ).one()
        owner = s.scalar(
            select(Department.name)
            .join(Activity, Activity.department_id == Department.id)
            .join(Measure, Measure.activity_id == Activity.id)
            .where(Measure.name == name)
        )
        audited = s.scalars(select(AuditEvent.email).where(AuditEvent.event == "follow_up_created")).all()
    assert tuple(saved) == ("open", "mayor@milwaukee.gov", name, owner)
    assert audited == ["mayor@milwaukee.gov"]

    # The room counts it; the briefing lists it under the measure's priorities, and prints it.
    mayor.goto(site + "/review-room")
    mayor.locator("#follow-ups", has_text="Follow-ups (1 open)").wait_for()
    mayor.goto(site + "/briefing")
    mayor.locator(".briefing-section").first.wait_for()
    assert mayor.locator(".briefing-section .follow-ups", has_text=action).count() >= 1
    mayor.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(mayor.pdf(format="Letter")))
    text = _words(" ".join(p.extract_text() for p in reader.pages))
    assert action in text and "Add a follow-up" not in text
