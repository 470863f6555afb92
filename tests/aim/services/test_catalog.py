"""The periods a reader may choose (aim/services/catalog.py available_periods), now and on a page
"as published on" an earlier day: then only the years and quarters holding a figure published by
the end of that day, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from aim.periods import FiscalCalendar
from aim.services.catalog import available_periods
from tests import builders as b

CAL = FiscalCalendar(1)


def on(month: int, day: int, year: int = 2025) -> datetime:
    return datetime(year, month, day, 12, tzinfo=timezone.utc)


@pytest.fixture
def city(database):
    """Monthly crimes: 2024 published on 15 January 2025, January-June 2025 on 1 August 2025,
    July-September 2025 on 1 November 2025; an annual measure's 2023 on 1 February 2024; and a
    draft for October 2025 that was never published."""
    with database.write() as s:
        patrol = b.activity(s, b.department(s), "MPD-PATROL", [b.priority(s)])
        crimes = b.measure(s, patrol, "crimes", frequency="monthly")
        b.actuals(s, crimes, {f"2024-{m:02d}": 10 for m in range(1, 13)}, at=on(1, 15))
        b.actuals(s, crimes, {f"2025-{m:02d}": 10 for m in range(1, 7)}, at=on(8, 1))
        b.actuals(s, crimes, {f"2025-{m:02d}": 10 for m in range(7, 10)}, at=on(11, 1))
        b.actuals(s, crimes, {"2025-10": 10}, state="draft", at=on(11, 2))
        b.actuals(s, b.measure(s, patrol, "trust"), {"2023": 60}, at=on(2, 1, 2024))
    return database


def keys(database, published_on: date | None, as_of: date | None = None) -> list[str]:
    with database.read() as s:
        return [p.key for p in available_periods(s, CAL, as_of, published_on=published_on)]


def test_before_anything_was_published_there_is_no_period_to_choose(city):
    assert keys(city, date(2024, 1, 31)) == []


def test_an_annual_figure_makes_its_year_choosable_but_none_of_its_quarters(city):
    assert keys(city, date(2024, 2, 1)) == ["2023"]


def test_on_a_day_only_periods_with_figures_published_by_its_end_are_listed(city):
    # 31 July 2025: 2024 was published, nothing of 2025 yet (its first half came out on 1 August).
    assert keys(city, date(2025, 7, 31)) == ["2024", "2024-Q4", "2024-Q3", "2024-Q2", "2024-Q1", "2023"]
    # 1 August 2025: the first half of 2025 was public at the end of that day, not its third quarter.
    assert keys(city, date(2025, 8, 1))[:3] == ["2025", "2025-Q2", "2025-Q1"]
    assert keys(city, date(2025, 11, 1))[:4] == ["2025", "2025-Q3", "2025-Q2", "2025-Q1"]


def test_a_draft_never_published_does_not_make_its_quarter_choosable(city):
    assert "2025-Q4" not in keys(city, date(2025, 12, 31))


def test_without_a_day_every_begun_quarter_of_the_published_years_is_listed_as_before(city):
    # The current view is unchanged: the years from the first to the last published, each with its
    # quarters begun by as_of (2025-Q4 had begun on 2 December 2025, though nothing of it is public).
    assert keys(city, None, as_of=date(2025, 12, 2))[:5] == [
        "2025",
        "2025-Q4",
        "2025-Q3",
        "2025-Q2",
        "2025-Q1",
    ]


def test_a_departments_measure_codes_are_its_public_measures_and_its_card_their_citywide_figures(database):
    """What the department page evaluates (department_measure_codes): its own public measures only;
    the scorecard of those codes gives each the figures of the whole city's scorecard."""
    from aim.services.catalog import department_measure_codes
    from aim.services.scorecard import scorecard

    with database.write() as s:
        safe = b.priority(s)
        patrol = b.activity(s, b.department(s, "MPD", "Police"), "MPD-PATROL", [safe])
        roads = b.activity(s, b.department(s, "DPW", "Public Works"), "DPW-ROADS", [safe])
        for code, act, public in (
            ("crimes", patrol, True),
            ("overtime", patrol, False),
            ("potholes", roads, True),
        ):
            m = b.measure(s, act, code, is_public=public, frequency="monthly")
            b.actuals(s, m, {f"2025-{n:02d}": 10 * n for n in range(1, 13)})
            b.target(s, m, "2025", 700)
    with database.read() as s:
        assert department_measure_codes(s, "MPD") == ["crimes"]
        assert department_measure_codes(s, "DPW") == ["potholes"]
        assert department_measure_codes(s, "NOPE") == []
        whole = {m.code: m for m in scorecard(s, CAL, "2025", as_of=date(2026, 1, 31)).measures}
        mine = scorecard(s, CAL, "2025", as_of=date(2026, 1, 31), codes=department_measure_codes(s, "MPD"))
        assert [m.code for m in mine.measures] == ["crimes"]
        assert mine.measures[0] == whole["crimes"]
