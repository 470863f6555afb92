"""The budget side of the open data API over real HTTP: departments, one department's resource
table with outputs, cost per unit and outcomes, and the budgets download in JSON and CSV, with the
same envelope, the same 400s and 404s, and nothing internal."""

from __future__ import annotations

import csv
import io

import pytest
import requests

from aim.config import DEMO_CITY
from aim.periods import FiscalCalendar
from aim.services.scorecard import scorecard
from tests.cities import SECRET_STRINGS
from tests.web import TIMEOUT

pytestmark = pytest.mark.leak_city


@pytest.fixture
def api(site) -> str:
    return site + "/api/v1"


def get(url: str, status: int = 200):
    response = requests.get(url, timeout=TIMEOUT)
    assert response.status_code == status, (url, response.status_code, response.text[:300])
    return response


def demo_budgets(year: int) -> dict[str, tuple[float, float | None, float | None]]:
    """activity -> (adopted, spent, fte) for `year`, from the demo city's own file."""
    with (DEMO_CITY / "budgets.csv").open(encoding="utf-8") as handle:
        return {
            r["activity"]: (
                float(r["adopted"]),
                float(r["expenditure"]) if r["expenditure"] else None,
                float(r["fte"]) if r["fte"] else None,
            )
            for r in csv.DictReader(handle)
            if int(r["fiscal_year"]) == year
        }


def demo_activities(department: str) -> set[str]:
    with (DEMO_CITY / "activities.csv").open(encoding="utf-8") as handle:
        return {r["code"] for r in csv.DictReader(handle) if r["department"] == department}


def test_departments_list_each_budget_and_the_status_counts_of_its_public_measures(api, database):
    body = get(f"{api}/departments?period=2025").json()
    assert body["period"] == "2025" and body["fiscal_year"] == 2025 and body["data_updated_at"]
    dpw = next(d for d in body["departments"] if d["code"] == "DPW")
    money = demo_budgets(2025)
    mine = [money[a] for a in demo_activities("DPW")]
    assert dpw["adopted"] == pytest.approx(sum(a for a, _, _ in mine))
    assert dpw["spent"] == pytest.approx(sum(s for _, s, _ in mine))
    assert dpw["variance"] == pytest.approx(dpw["spent"] - dpw["adopted"])
    assert dpw["variance_percent"] == pytest.approx(dpw["variance"] / dpw["adopted"])
    with database.read() as s:
        card = scorecard(s, FiscalCalendar(1), "2025")
    ours = [m for m in card.measures if m.department_code == "DPW"]
    assert dpw["measure_count"] == len(ours)
    assert dpw["counts"]["off_track"] == sum(m.status == "off_track" for m in ours)
    assert dpw["url"] == "/api/v1/departments/DPW"


def test_the_current_year_has_no_spending_and_so_no_variance(api):
    dpw = next(d for d in get(f"{api}/departments?period=2026").json()["departments"] if d["code"] == "DPW")
    assert dpw["adopted"] > 0 and dpw["spent"] is None and dpw["variance"] is None


def test_a_department_gives_five_years_per_activity_and_the_derived_cost_per_ton(api):
    body = get(f"{api}/departments/DPW?period=2025").json()
    assert body["department"]["code"] == "DPW" and body["fiscal_years"] == [2021, 2022, 2023, 2024, 2025]
    collect = next(a for a in body["activities"] if a["code"] == "DPW-SAN-COLLECT")
    adopted, spent, fte = demo_budgets(2025)["DPW-SAN-COLLECT"]
    assert collect["years"][-1] == {
        "fiscal_year": 2025,
        "adopted": adopted,
        "spent": spent,
        "fte": fte,
        "variance": spent - adopted,
        "variance_percent": pytest.approx((spent - adopted) / adopted),
    }
    [tons] = collect["outputs"]
    assert tons["code"] == "garbage-tons"
    year = tons["years"][-1]
    assert year["basis"] == "spent" and year["reported"] == 12 and year["share"] == 1.0
    assert year["cost_per_unit"] == pytest.approx(spent / year["output"])
    before = tons["years"][-2]
    assert year["change"] == pytest.approx(
        (year["cost_per_unit"] - before["cost_per_unit"]) / before["cost_per_unit"]
    )
    # The city's published cost per ton is the same number (data/milwaukee/unit-costs.csv).
    published = get(f"{api}/measures/collection-cost-per-ton?period=2025").json()["status"]["actual"]
    assert published == pytest.approx(year["cost_per_unit"], abs=0.005)
    totals = body["totals"][-1]
    assert totals["adopted"] == pytest.approx(sum(a["years"][-1]["adopted"] or 0 for a in body["activities"]))
    assert {m["department"]["code"] for m in body["measures"]} == {"DPW"}


def test_a_partial_year_uses_the_adopted_budget_in_the_share_of_months_reported(api):
    body = get(f"{api}/departments/DPW?period=2026").json()
    collect = next(a for a in body["activities"] if a["code"] == "DPW-SAN-COLLECT")
    year = collect["outputs"][0]["years"][-1]
    adopted = demo_budgets(2026)["DPW-SAN-COLLECT"][0]
    assert year["basis"] == "adopted" and year["reported"] < year["expected"] == 12
    assert year["share"] == pytest.approx(year["reported"] / 12)
    assert year["cost_per_unit"] == pytest.approx(adopted * year["reported"] / 12 / year["output"])


def test_outcomes_carry_spending_per_unit_of_improvement_only_when_they_improved_enough(api):
    body = get(f"{api}/departments/MPD?period=2025").json()
    outcomes = [o for a in body["activities"] for o in a["outcomes"]]
    assert outcomes
    for o in outcomes:
        if o["improvement"] is not None and o["improvement"] >= o["min_improvement"] > 0:
            assert o["spending_per_unit"] is not None and o["reason"] is None
        elif o["improvement"] is not None and o["improvement"] > 0:
            assert o["spending_per_unit"] is None and o["reason"] == "change too small to price"
        elif o["direction"] != "range" and o["improvement"] is not None:
            assert o["spending_per_unit"] is None and "did not improve" in o["reason"]


def test_an_unknown_department_is_a_404_in_the_error_envelope(api):
    body = get(f"{api}/departments/NOPE", 404).json()
    assert body["error"] == "No department with the code 'NOPE'." and body["details"]
    assert "error" in get(f"{api}/departments/DPW?period=2025-13", 400).json()
    assert "Unknown parameter" in get(f"{api}/departments?year=2025", 400).json()["error"]


def test_budgets_of_an_unknown_department_are_a_404_that_says_where_the_codes_are(api):
    for path in ("/budgets", "/budgets.csv"):
        body = get(f"{api}{path}?department=NOPE", 404).json()
        assert body["error"] == "No department with the code 'NOPE'."
        assert body["details"] == ["See /api/v1/departments for the department codes."]


def test_budgets_filter_by_department_and_year_and_the_csv_has_the_same_numbers(api):
    body = get(f"{api}/budgets?department=DPW&fiscal_year=2025").json()
    assert body["period"] == "2025" and body["count"] == len(demo_activities("DPW")) == len(body["budgets"])
    money = demo_budgets(2025)
    for line in body["budgets"]:
        adopted, spent, fte = money[line["activity_code"]]
        assert (line["adopted"], line["spent"], line["fte"]) == (adopted, spent, fte)
        assert line["variance"] == pytest.approx(spent - adopted)
    response = get(f"{api}/budgets.csv?department=DPW&fiscal_year=2025")
    assert response.headers["Content-Type"].startswith("text/csv") and response.headers["X-Period"] == "2025"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["activity_code"], float(r["adopted"]), float(r["spent"])) for r in rows] == [
        (line["activity_code"], line["adopted"], line["spent"]) for line in body["budgets"]
    ]
    everything = get(f"{api}/budgets").json()
    assert everything["period"] == "2015/2026" and everything["count"] == 63 * 12


@pytest.mark.parametrize(
    "query, message",
    [
        ("fiscal_year=20x5", "Bad fiscal_year: '20x5'."),
        ("dept=DPW", "Unknown parameter(s): dept."),
        ("fiscal_year=2025&fiscal_year=2024", "Parameter(s) given more than once: fiscal_year."),
    ],
)
def test_bad_budget_parameters_are_400s_that_say_what_is_wrong(api, query, message):
    for path in ("/budgets", "/budgets.csv"):
        assert get(f"{api}{path}?{query}", 400).json()["error"] == message


def test_no_budget_response_contains_internal_measures_or_unpublished_values(api):
    codes = [d["code"] for d in get(f"{api}/departments").json()["departments"]]
    paths = ["/departments", "/departments?period=2026", "/budgets", "/budgets.csv"]
    paths += [f"/departments/{c}" for c in codes] + ["/departments/MPD?period=2026"]
    for path in paths:
        text = get(api + path).text
        for secret in SECRET_STRINGS:
            assert secret not in text, (path, secret)


def test_the_openapi_document_describes_the_budget_responses(api):
    schemas = get(f"{api}/openapi.json").json()["components"]["schemas"]
    for path, schema in (
        ("/departments", "Departments"),
        ("/departments/DPW", "DepartmentDetail"),
        ("/budgets?fiscal_year=2025", "Budgets"),
    ):
        assert set(get(api + path).json()) == set(schemas[schema]["properties"]), path
    department = get(f"{api}/departments").json()["departments"][0]
    listed = schemas["Departments"]["properties"]["departments"]["items"]["$ref"].rpartition("/")[2]
    assert set(department) == set(schemas[listed]["properties"])
    detail = get(f"{api}/departments/DPW").json()
    activity = detail["activities"][0]
    assert set(activity) == set(schemas["ActivityBudget"]["properties"])
    assert set(activity["years"][0]) == set(schemas["YearBudget"]["properties"])
    collect = next(a for a in detail["activities"] if a["outputs"] and a["outcomes"])
    assert set(collect["outputs"][0]) == set(schemas["OutputView"]["properties"])
    assert set(collect["outputs"][0]["years"][0]) == set(schemas["OutputYear"]["properties"])
    assert set(collect["outcomes"][0]) == set(schemas["OutcomeView"]["properties"])
    line = get(f"{api}/budgets?fiscal_year=2025").json()["budgets"][0]
    assert set(line) == set(schemas["BudgetLine"]["properties"])
