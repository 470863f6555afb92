"""The Milwaukee demonstration city: realistic, complete, labelled, and every status shows."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date

import pytest

from aim.cli import DEMO_CITY
from aim.importing import run_import
from aim.models import MEASURE_TYPES, UNIT_KINDS
from aim.periods import FiscalCalendar
from aim.services.scorecard import scorecard

PRIORITIES = {
    "safe-neighborhoods": "Provide safety and security for all neighborhoods and residents.",
    "economic-opportunity": "Increase economic opportunities and access to employment capable of "
    "supporting families.",
    "healthy-children": "Protect children's health and place them on a path to success from birth to "
    "adulthood.",
    "environment-and-assets": "Preserve and leverage the City's environmental and physical assets.",
}


def rows(table: str) -> list[dict[str, str]]:
    with (DEMO_CITY / f"{table}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_four_priorities_have_the_mayor_and_council_titles():
    assert {r["slug"]: r["title"] for r in rows("priorities")} == PRIORITIES


def test_at_least_fourteen_real_departments_and_fifty_activities():
    departments = {r["code"]: r["name"] for r in rows("departments")}
    assert len(departments) >= 14 and len(rows("activities")) >= 50
    names = " ".join(departments.values())
    for expected in (
        "Police",
        "Fire",
        "Health",
        "Library",
        "Public Works",
        "City Development",
        "Neighborhood Services",
        "Port",
        "Budget and Management",
        "Municipal Court",
        "Assessor",
        "City Clerk",
        "Comptroller",
        "Treasurer",
        "Employee Relations",
    ):
        assert expected in names, expected
    dpw = " ".join(r["name"] for r in rows("activities") if r["department"] == "DPW").lower()
    for division in ("sanitation", "forestry", "street", "water"):
        assert division in dpw or division in " ".join(
            r["name"].lower() for r in rows("activities") if "MWW" in r["code"]
        ), division


def test_measures_cover_every_priority_unit_direction_frequency_and_type():
    measures = rows("measures")
    assert len(measures) >= 150
    priorities_of = {r["code"]: r["priorities"].split(";") for r in rows("activities")}
    per_priority, keys = Counter(), Counter()
    for m in measures:
        for slug in priorities_of[m["activity"]]:
            per_priority[slug] += 1
            keys[slug] += m["is_key"] == "true"
    for slug in PRIORITIES:
        assert per_priority[slug] >= 25 and keys[slug] >= 5, slug
    assert {m["unit_kind"] for m in measures} == set(UNIT_KINDS)
    assert {m["direction"] for m in measures} == {"up", "down", "range"}
    assert {m["frequency"] for m in measures} == {"monthly", "quarterly", "annual"}
    assert {m["measure_type"] for m in measures} == set(MEASURE_TYPES)
    internal = [m for m in measures if m["is_public"] == "false"]
    assert 3 <= len(internal) <= 10 and not any(m["is_key"] == "true" for m in internal)


def test_definitions_read_like_a_city_report_and_say_they_are_demonstration_data():
    for m in rows("measures"):
        assert len(m["definition"]) > 40 and len(m["calculation"]) > 20, m["code"]
        assert m["data_source"].endswith("Demonstration data."), m["code"]
        assert "measure " not in m["name"].lower()
    assert rows("city")[0]["demonstration"] == "true"
    assert "DEMONSTRATION DATA" in (DEMO_CITY / "README.md").read_text(encoding="utf-8")


def _value(measure: str, period: str) -> float:
    found = [r for r in rows("actuals") if r["measure"] == measure and r["period"].startswith(period)]
    return sum(float(r["value"]) for r in found if r["value"])


@pytest.mark.parametrize(
    "measure, year, figure",
    [
        ("homicides", "2017", 119),
        ("homicides", "2018", 99),
        ("violent-crimes", "2017", 9613),
        ("violent-crimes", "2018", 8712),
        ("property-crimes", "2017", 22041),
        ("property-crimes", "2018", 17791),
        ("blood-lead-5", "2016", 11.6),
        ("library-visits", "2018", 1_800_000),
        ("items-borrowed", "2018", 1_400_000),
        ("recycling-revenue", "2016", 1_700_000),
        ("transitional-jobs-filled", "2015", 130),
    ],
)
def test_known_public_figures_are_used_and_sourced(measure, year, figure):
    assert _value(measure, year) == pytest.approx(figure)
    source = next(m["data_source"] for m in rows("measures") if m["code"] == measure)
    assert "Demonstration data." in source and len(source) > len("Demonstration data.") + 20


def test_infant_mortality_uses_the_published_rate_and_target():
    assert _value("infant-mortality-rate", "2010") == pytest.approx(10.4)
    targets = [float(t["value"]) for t in rows("targets") if t["measure"] == "infant-mortality-rate"]
    assert targets and max(targets) <= 9.4
    assert _value("recycling-revenue", "2017") > 1_800_000


def test_values_run_from_2015_to_2026_with_yearly_targets_and_budgets():
    periods = {r["period"][:4] for r in rows("actuals")}
    assert {str(y) for y in range(2015, 2027)} <= periods
    assert {t["period"] for t in rows("targets")} <= {str(y) for y in range(2010, 2027)}
    budget_years = defaultdict(set)
    for b in rows("budgets"):
        budget_years[b["activity"]].add(int(b["fiscal_year"]))
    assert set(budget_years) == {a["code"] for a in rows("activities")}
    assert all(set(range(2015, 2027)) <= years for years in budget_years.values())


def test_the_demo_city_imports_and_shows_every_status(database):
    calendar = FiscalCalendar(1)
    report = run_import(database, calendar, DEMO_CITY)
    assert report.ok, report.problems[:5]
    with database.read() as session:
        card = scorecard(session, calendar, as_of=date(2026, 11, 26))
    assert card.period == "2025"
    assert all(count > 0 for count in card.counts.as_dict().values()), card.counts
    assert all(p.measure_count >= 25 for p in card.priorities)
    assert all(0.8 < p.index < 1.1 for p in card.priorities)
    trends = Counter(m.trend for m in card.measures)
    assert trends["improving"] and trends["worsening"]
