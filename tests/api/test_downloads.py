"""Downloads of the pages' lists over real HTTP: the same rows as the page's service, numbers as
numbers, units in the header, a frozen header row, a file named after what it holds, clear 400s."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import requests
from openpyxl import load_workbook

from aim.auth import Principal
from aim.periods import FiscalCalendar
from aim.schemas import MeasureFilter, ReviewQuery
from aim.services.catalog import filter_measures
from aim.services.review import review_room
from aim.services.scorecard import scorecard
from tests.accounts import cheap_hashing, http_sign_in, make_user
from tests.web import TIMEOUT

pytestmark = pytest.mark.leak_city
CAL = FiscalCalendar(1)


@pytest.fixture(scope="module")
def mayor(shared_site, shared_leak_city) -> requests.Session:
    with cheap_hashing():
        make_user(shared_leak_city, "mayor.downloads@milwaukee.gov", "mayors_office")
        return http_sign_in(shared_site, "mayor.downloads@milwaukee.gov")


def _csv(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_public_list_download_holds_the_filtered_lists_measures(shared_site, shared_leak_city):
    url = f"{shared_site}/downloads/measures.csv?period=2025&status=off_track&priority=safe-neighborhoods"
    response = requests.get(url, timeout=TIMEOUT)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    with shared_leak_city.read() as s:
        card = scorecard(s, CAL, "2025")
        expected = filter_measures(
            s, card.measures, MeasureFilter(status="off_track", priority="safe-neighborhoods")
        )
    rows = _csv(response)
    assert [r["Code"] for r in rows] == [m.code for m in expected] and rows
    assert {r["Status"] for r in rows} == {"Off track"}
    disposition = response.headers["Content-Disposition"]
    assert f"measures-safe-neighborhoods-off-track-2025-{date.today().isoformat()}.csv" in disposition


def test_the_public_list_download_holds_the_searched_lists_measures_every_page_of_them(
    shared_site, shared_leak_city
):
    """The list's search (issue 14) narrows the download as it narrows the page; the page's own
    paging (issue 11) does not: the file holds every match."""
    response = requests.get(f"{shared_site}/downloads/measures.csv?period=2025&q=crime", timeout=TIMEOUT)
    assert response.status_code == 200
    with shared_leak_city.read() as s:
        card = scorecard(s, CAL, "2025")
        expected = filter_measures(s, card.measures, MeasureFilter(q="crime"))
    codes = [r["Code"] for r in _csv(response)]
    assert codes == [m.code for m in expected]
    assert 0 < len(codes) < len(card.measures)


def test_the_public_list_as_a_workbook_has_numbers_units_in_the_header_and_a_frozen_header(shared_site):
    response = requests.get(
        f"{shared_site}/downloads/measures.xlsx?period=2025&department=MPD", timeout=TIMEOUT
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert "Value (in the unit)" in header and "Score (1.00 = on target)" in header and "Unit" in header
    assert sheet.freeze_panes == "A2"
    values = [
        row[header.index("Value (in the unit)")] for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert values and all(isinstance(v, (int, float)) for v in values if v is not None)
    departments = {row[header.index("Department")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert departments == {"Milwaukee Police Department"}


@pytest.mark.parametrize(
    "query, message",
    [
        ("?colour=red", "Unknown parameter(s): colour"),
        ("?status=sideways", "status must be one of"),
        ("?period=2025-Q9", "Bad period"),
        ("?status=off_track&status=at_risk", "more than once: status"),
    ],
)
def test_a_bad_download_request_gets_a_400_saying_what_to_fix(shared_site, query, message):
    response = requests.get(f"{shared_site}/downloads/measures.csv{query}", timeout=TIMEOUT)
    assert response.status_code == 400 and message in response.text


def test_the_review_rooms_changes_download_matches_the_room(shared_site, shared_leak_city, mayor):
    response = mayor.get(f"{shared_site}/downloads/review-room/changes.csv?period=2026-Q2", timeout=TIMEOUT)
    assert response.status_code == 200
    with shared_leak_city.read() as s:
        room = review_room(
            s, CAL, CAL.parse("2026-Q2"), ReviewQuery(), user=Principal(1, "m@x.gov", "mayors_office")
        )
    rows = _csv(response)
    assert [(r["Change"], r["Code"]) for r in rows] == [
        (
            {
                "newly_off_track": "Newly off track",
                "newly_at_risk": "Newly at risk",
                "recovered": "Recovered to on track",
                "worsening": "Trend turned worsening",
            }[c.kind],
            c.measure.code,
        )
        for c in room.changes
    ]
    assert rows and all(r["Why"] for r in rows)
    assert "review-room-changes-2026-q2-vs-2026-q1" in response.headers["Content-Disposition"]


def test_the_review_rooms_late_download_counts_days_as_numbers(shared_site, mayor):
    response = mayor.get(f"{shared_site}/downloads/review-room/late.xlsx", timeout=TIMEOUT)
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "Days late (days)" and sheet.freeze_panes == "A2"
    days = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert days and all(isinstance(d, int) and d > 0 for d in days)


def test_the_review_rooms_index_download_has_one_row_per_period_of_the_span(shared_site, mayor):
    rows = _csv(
        mayor.get(f"{shared_site}/downloads/review-room/index.csv?span=years&period=2025", timeout=TIMEOUT)
    )
    assert [r["Period"] for r in rows] == ["2021", "2022", "2023", "2024", "2025"]
    assert all(float(r["City index (1.00 = on target)"]) > 0 for r in rows)


def test_a_bad_review_download_choice_gets_a_400_for_a_reviewer(shared_site, mayor):
    response = mayor.get(f"{shared_site}/downloads/review-room/changes.csv?compare=sideways", timeout=TIMEOUT)
    assert response.status_code == 400 and "compare must be one of previous, year" in response.text
