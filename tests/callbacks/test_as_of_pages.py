"""Public pages "as published on" a day (?as_of=) through the router over real HTTP: the period
selector offers only periods with figures published by that day, choosing another period or sort
keeps the day, and the department page and the departments index say what as_of does to budgets
(nothing: budget records carry no publication date, so their money is today's)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from aim.models import Budget
from layouts import ids
from tests import builders as b
from tests.callbacks.test_public_pages import route

DAY = "2025-07-31"  # 2024 published, nothing of 2025 yet


def on(month: int, day: int) -> datetime:
    return datetime(2025, month, day, 12, tzinfo=timezone.utc)


@pytest.fixture
def city(site, database) -> str:
    """Police patrol: monthly crimes, 2024 published on 15 January 2025, January-June 2025 on
    1 August 2025; targets for both years; the patrol's budgets for 2024 and 2025."""
    with database.write() as s:
        patrol = b.activity(s, b.department(s, "MPD", "Police"), "MPD-PATROL", [b.priority(s)], name="Patrol")
        crimes = b.measure(s, patrol, "crimes", frequency="monthly", direction="down")
        b.actuals(s, crimes, {f"2024-{m:02d}": 100 for m in range(1, 13)}, at=on(1, 15))
        b.actuals(s, crimes, {f"2025-{m:02d}": 90 for m in range(1, 7)}, at=on(8, 1))
        b.target(s, crimes, "2024", 1_300)
        b.target(s, crimes, "2025", 1_200)
        for year, adopted, spent in ((2024, 1_000_000, 1_010_000), (2025, 1_100_000, 1_090_000)):
            s.add(
                Budget(
                    activity=patrol, fiscal_year=year, adopted=Decimal(adopted), expenditure=Decimal(spent)
                )
            )
    return site


def page(site: str, pathname: str, search: str) -> tuple[str, list[dict]]:
    """The page's text (its JSON) and every component in it (type and props)."""
    response = route(site, pathname, search)
    assert response.status_code == 200, response.text[:300]
    found: list[dict] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "props" in node and "type" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(response.json())
    return response.text, found


def period_choices(found: list[dict]) -> list[str]:
    [chooser] = [c for c in found if c["props"].get("id") == ids.PERIOD_SELECT]
    return [o["value"] for o in chooser["props"]["options"]]


def hidden_fields(found: list[dict]) -> dict[str, str]:
    return {
        c["props"]["name"]: c["props"]["value"]
        for c in found
        if c["type"] == "Input" and c["props"].get("type") == "hidden"
    }


def test_the_department_page_as_of_a_day_offers_only_the_periods_published_by_then(city):
    _text, found = page(city, "/departments/MPD", f"?as_of={DAY}")
    assert period_choices(found) == ["2024", "2024-Q4", "2024-Q3", "2024-Q2", "2024-Q1"]
    _text, now = page(city, "/departments/MPD", "")
    assert "2025" in period_choices(now) and "2025-Q2" in period_choices(now)


def test_the_department_page_as_of_a_day_defaults_to_that_days_latest_judged_year(city):
    text, found = page(city, "/departments/MPD", f"?as_of={DAY}")
    [chooser] = [c for c in found if c["props"].get("id") == ids.PERIOD_SELECT]
    assert chooser["props"]["value"] == "2024"
    assert "measures for 2024" in text


def test_choosing_another_period_on_a_page_as_of_a_day_stays_on_that_day(city):
    for pathname in ("/departments/MPD", "/departments", "/", "/measures", "/measures/crimes"):
        _text, found = page(city, pathname, f"?as_of={DAY}&period=2024")
        assert hidden_fields(found).get("as_of") == DAY, pathname
        _text, now = page(city, pathname, "?period=2024")
        assert "as_of" not in hidden_fields(now), pathname


def test_the_department_page_says_budgets_are_todays_and_shows_todays_money(city):
    text, found = page(city, "/departments/MPD", f"?as_of={DAY}&period=2025")
    [note] = [c for c in found if c["props"].get("id") == ids.BUDGET_AS_OF_NOTE]
    said = json.dumps(note)
    assert f"Budgets are today's figures, not those of {DAY}" in said
    assert "carry no publication date" in said
    assert "$1,090,000" in text and "$1,100,000" in text  # 2025's money, the same as today
    _now_text, now = page(city, "/departments/MPD", "?period=2025")
    assert not [c for c in now if c["props"].get("id") == ids.BUDGET_AS_OF_NOTE]


def test_the_department_page_as_of_a_day_shows_that_days_outputs_and_outcomes(city):
    # On 31 July 2025 no figure of 2025 was public: the crimes outcome has no 2025 value then.
    text, _found = page(city, "/departments/MPD", f"?as_of={DAY}&period=2025")
    assert "the outcome has no value in one of the two years" in text
    later, _found = page(city, "/departments/MPD", "?as_of=2025-08-01&period=2025")
    assert "the outcome has no value in one of the two years" not in later


def test_the_departments_index_as_of_a_day_keeps_the_day_in_its_sort_and_department_links(city):
    text, found = page(city, "/departments", f"?as_of={DAY}")
    assert "As published on " + DAY in text
    assert [c for c in found if c["props"].get("id") == ids.BUDGET_AS_OF_NOTE]
    links = [
        c["props"]["href"] for c in found if c["type"] == "Link" and "/departments" in c["props"]["href"]
    ]
    sorting = [h for h in links if "sort=" in h]
    assert sorting and all(f"as_of={DAY}" in h for h in sorting)
    assert any(h.startswith("/departments/MPD?") and f"as_of={DAY}" in h for h in links)
    assert period_choices(found) == ["2024", "2024-Q4", "2024-Q3", "2024-Q2", "2024-Q1"]


def test_a_bad_day_on_the_departments_index_is_a_notice_and_the_current_figures(city):
    text, found = page(city, "/departments", "?as_of=someday")
    assert "is not a day (YYYY-MM-DD)" in text and "As published on" not in text
    assert not [c for c in found if c["props"].get("id") == ids.BUDGET_AS_OF_NOTE]
    assert requests.get(f"{city}/departments?as_of=someday", timeout=60).status_code == 200


def test_a_published_on_in_the_url_is_ignored_and_only_as_of_chooses_the_day(city):
    # `published_on` is the loaders' own argument; from the URL it once reached them twice (an error).
    for pathname in ("/", "/measures", "/departments", "/departments/MPD"):
        _text, found = page(city, pathname, f"?as_of={DAY}&published_on=2026-01-01")
        assert hidden_fields(found).get("as_of") == DAY, pathname
        _text, found = page(city, pathname, "?published_on=2025-07-31")
        assert "as_of" not in hidden_fields(found), pathname


def test_a_day_before_1900_gets_a_notice_and_the_current_figures(city):
    # Before 1900 the fiscal calendar's counting back from the day ran out of years (a server error).
    for pathname in ("/", "/measures", "/departments", "/departments/MPD", "/measures/crimes"):
        text, found = page(city, pathname, "?as_of=0001-01-05")
        assert "showing the current figures" in text, pathname
        assert "as_of" not in hidden_fields(found), pathname


def links(found: list[dict]) -> list[str]:
    return [c["props"]["href"] for c in found if isinstance(c["props"].get("href"), str)]


AS_OF_PAGE = re.compile(
    r"^/(measures(/[^/?#]+)?|departments(/[^/?#]+)?|priorities/[^/?#]+(/narratives)?)?(\?|#|$)"
)


def test_every_link_from_a_page_as_of_a_day_to_another_such_page_keeps_the_day(city):
    # A reader of the figures as published on a day follows a link to a measure: the same day.
    for pathname in ("/", "/measures", "/departments", "/departments/MPD", "/measures/crimes"):
        _text, found = page(city, pathname, f"?as_of={DAY}&period=2024")
        kept = [h for h in links(found) if AS_OF_PAGE.match(h)]
        assert kept, pathname
        for href in kept:
            assert parse_qs(urlsplit(href).query).get("as_of") == [DAY], (pathname, href)
        others = [h for h in links(found) if h.startswith("/") and not AS_OF_PAGE.match(h)]
        assert not [h for h in others if "as_of=" in h and not h.startswith(("/api/", "/downloads/"))], others
        _text, now = page(city, pathname, "?period=2024")
        assert not [h for h in links(now) if "as_of=" in h], pathname
