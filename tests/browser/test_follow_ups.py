"""Follow-ups in a real browser: the owner department's editor finds one on My reporting and marks it
done with a note (logged with author and time, audited); an editor of another department cannot
open it; the list, the form, a follow-up and the meeting agenda have zero axe violations at 1280 and
390 px; the agenda prints with its exceptions, follow-ups and lines for notes.

Runs on SQLite only: what is tested is the page; the service tests cover both databases."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from aim.auth import Principal
from aim.follow_up_schemas import NewFollowUp
from aim.models import AuditEvent, FollowUp, User
from aim.services import follow_ups as service
from layouts import ids
from tests.accounts import PASSWORD, make_user
from tests.browser.test_accessibility import NONE_AT_ANY_WIDTH, WIDTHS, _open_tab, violations_at_each_width
from tests.web import BROWSER_TIMEOUT_MS, wait_until_shown

pytestmark = [
    pytest.mark.browser,
    pytest.mark.leak_city,
    pytest.mark.parametrize("backend", ["sqlite"], indirect=True),
]


def _words(text: str) -> str:
    """Text as compared: ligatures undone (a PDF writes "ﬁ"), every run of white space one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))


ACTION = "Publish the overtime audit before the next meeting"


def _agree(database, *, measure="homicides", department="MPD", due_in=14, note="From the Q3 meeting.") -> int:
    with database.read() as s:
        known = s.scalar(select(User.id).where(User.email == "agreeing.mayor@milwaukee.gov"))
    if known is None:
        known = make_user(database, "agreeing.mayor@milwaukee.gov", "mayors_office").id
    who = Principal(known, "agreeing.mayor@milwaukee.gov", "mayors_office")
    data = NewFollowUp(
        measure=measure,
        department=department,
        action=ACTION,
        due_on=date.today() + timedelta(days=due_in),
        note=note,
    )
    with database.write() as s:
        return service.create(s, data, user=who).id


def _sign_in(browser, site, email: str, *, width: int = 1280):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.goto(site + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#staff-navbar").wait_for()
    return context, page


def test_the_owner_departments_editor_marks_a_follow_up_done_from_my_reporting(
    browser, site, database, fast_hashing
):
    follow_up = _agree(database)
    make_user(database, "police.editor@milwaukee.gov", "department_editor", ("MPD",))
    context, page = _sign_in(browser, site, "police.editor@milwaukee.gov")
    page.locator("#staff-navbar").get_by_role("link", name="My reporting").click()
    wait_until_shown(page)
    panel = page.locator("section[aria-labelledby=reporting-follow-ups]")
    panel.get_by_text("Your department's open follow-ups (1)").wait_for()
    panel.get_by_role("link", name=re.compile(ACTION)).click()
    wait_until_shown(page)
    page.locator("main h1", has_text=f"Follow-up {follow_up}").wait_for()
    assert "From the Q3 meeting." in page.locator(f"#{ids.FOLLOW_UP_LOG}").inner_text()
    # A department marks it done; dropping it is the Mayor's Office's to decide.
    options = [o for o in page.locator(f"#{ids.FOLLOW_UP_STATUS} option").all_inner_texts() if o]
    assert options == ["Keep it open", "Mark it done"]
    page.get_by_label("Status").select_option("done")
    page.get_by_label("Add a note (what was done, what is next)").fill("Audit published on the intranet.")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Saved.").wait_for()
    assert "Done" in page.locator(f"#{ids.FOLLOW_UP_STATE}").inner_text()
    log = page.locator(f"#{ids.FOLLOW_UP_LOG}").inner_text()
    assert "Open \u2192 Done" in log and "Audit published on the intranet." in log
    assert "police.editor@milwaukee.gov (department editor)" in log
    with database.read() as s:
        assert s.get(FollowUp, follow_up).status == "done"
        audited = s.execute(
            select(AuditEvent.email, AuditEvent.detail).where(AuditEvent.event == "follow_up_changed")
        ).all()
    assert [tuple(a) for a in audited] == [
        (
            "police.editor@milwaukee.gov",
            f"follow-up {follow_up}: status open -> done; note added (32 characters)",
        )
    ]
    # Done is no longer open: My reporting's list is empty again.
    page.goto(site + "/reporting")
    page.get_by_text("Your department's open follow-ups (0)").wait_for()
    context.close()


def test_an_editor_of_another_department_cannot_open_it(browser, site, database, fast_hashing):
    follow_up = _agree(database)
    make_user(database, "dpw.editor@milwaukee.gov", "department_editor", ("DPW",))
    context, page = _sign_in(browser, site, "dpw.editor@milwaukee.gov")
    page.goto(f"{site}/follow-ups/{follow_up}")
    page.locator("main h1", has_text="Follow-up not found").wait_for()
    page.goto(f"{site}/follow-ups")
    page.locator("main h1", has_text="Follow-ups").wait_for()
    assert ACTION not in page.locator("main").inner_text()
    context.close()


def test_the_agenda_prints_its_exceptions_follow_ups_and_lines_for_notes(
    browser, site, database, fast_hashing
):
    _agree(database)
    make_user(database, "agenda.mayor@milwaukee.gov", "mayors_office")
    context, page = _sign_in(browser, site, "agenda.mayor@milwaukee.gov")
    page.goto(site + "/agenda")
    page.get_by_label("Department").select_option("MPD")
    page.get_by_role("button", name="Show").click()
    wait_until_shown(page)
    page.locator("main h1", has_text="Meeting agenda: ").wait_for()
    exceptions = page.locator("#agenda-exceptions ~ article h3 a").all_inner_texts()
    page.emulate_media(media="print")
    assert page.locator(".agenda-note-line").first.is_visible()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(page.pdf(format="Letter"))).pages)
    text = _words(text)
    assert ACTION in text
    assert exceptions and [n for n in exceptions if _words(n) not in text] == []
    assert "Print or save as PDF" not in text and "Sign out" not in text
    context.close()


FOLLOW_UP_PAGES = (
    "/follow-ups",
    "/follow-ups?order=department&status=any&due=month",
    "/follow-ups/new?measure=violent-crimes",
    "/follow-ups/new",
    "/follow-ups/{id}",
    "/follow-ups/999999",
    "/agenda",
    "/agenda?department=MPD",
    "/measures/zz-secret-internal",
    "/reporting/homicides/2026-11",
    "/review-room",  # with an overdue follow-up, named in the room
    "/briefing",  # with open follow-ups under each priority
)


def test_the_follow_up_pages_have_no_axe_violations_at_each_width(browser, site, database, fast_hashing):
    follow_up = _agree(database, measure="zz-secret-internal")
    overdue = _agree(database, measure="homicides")
    with database.write() as s:  # agreed in the past: now overdue
        s.get(FollowUp, overdue).due_on = date.today() - timedelta(days=3)
    make_user(database, "axe.follow.mayor@milwaukee.gov", "mayors_office")
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
    page = _open_tab(context)
    page.goto(site + "/login")
    page.get_by_label("Email").fill("axe.follow.mayor@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/review-room")
    for path in FOLLOW_UP_PAGES:
        page.goto(site + path.format(id=follow_up))
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert violations_at_each_width(page) == NONE_AT_ANY_WIDTH, path
    context.close()


def test_my_reporting_with_follow_ups_has_no_axe_violations_at_each_width(
    browser, site, database, fast_hashing
):
    _agree(database)
    make_user(database, "axe.police@milwaukee.gov", "department_editor", ("MPD",))
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900}, bypass_csp=True)
    page = _open_tab(context)
    page.goto(site + "/login")
    page.get_by_label("Email").fill("axe.police@milwaukee.gov")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#staff-navbar").wait_for()
    for path in ("/reporting", "/follow-ups", "/follow-ups/1"):
        page.goto(site + path)
        page.locator("main h1").first.wait_for()
        page.wait_for_load_state("networkidle")
        assert violations_at_each_width(page) == NONE_AT_ANY_WIDTH, path
    context.close()
