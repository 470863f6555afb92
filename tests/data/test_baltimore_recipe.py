"""Baltimore's published performance plan, imported by data/recipes/baltimore.json alone: what went
in, what was refused and why, and a handful of values checked by hand against the source file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aim.config import ROOT
from aim.importing import run_recipe_import
from aim.importing.recipes import RecipeError, load_recipe
from aim.models import Activity, Actual, Department, Measure, Priority, Target
from aim.periods import FiscalCalendar
from tests.cli import run_aim
from tests.conftest import require

BALTIMORE = ROOT.parent / "shared" / "realdata" / "baltimore"
RECIPE = ROOT / "data" / "recipes" / "baltimore.json"
JULY = FiscalCalendar(7)


@pytest.fixture(scope="module")
def baltimore(shared_database):
    """Baltimore imported once per backend for the module; the tests read it, and the last one
    imports it again into the same database, expecting no change."""
    require(BALTIMORE, "../shared is beside the repository in CI")
    report, outcome = run_recipe_import(shared_database, JULY, RECIPE, BALTIMORE)
    assert report.ok, report.problems[:5]
    return shared_database, report, outcome


def _count(database, model) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_what_went_in(baltimore):
    database, report, _ = baltimore
    got = {
        model.__tablename__: _count(database, model)
        for model in (Priority, Department, Activity, Measure, Target, Actual)
    }
    assert got == {
        "priorities": 6,
        "departments": 57,
        "activities": 262,
        "measures": 617,
        "targets": 2105,
        "actuals": 2358,
    }
    assert {t: c.created for t, c in report.counts.items()} == {
        "city": 1,
        "priorities": 6,
        "departments": 57,
        "activities": 262,
        "measures": 617,
        "targets": 2105,
        "actuals": 2358,
    }


def test_what_was_refused_and_why(baltimore):
    _, _, outcome = baltimore
    plan = "performance_data_fy21-27.csv"
    refused = {
        (table.split(" from ")[0], reason): n for (table, reason), n in outcome.refused_reasons().items()
    }
    assert refused == {
        ("measures", "no direction given (Desired Outcome is empty)"): 174,
        (
            "measures",
            "Desired Outcome 'Maintain' has no mapping in the recipe (known: decrease, increase)",
        ): 1,
        ("measures", "no measure name"): 1,
        ("actuals", "its measure was refused: no direction given (Desired Outcome is empty)"): 541,
        ("actuals", "its measure was refused: no measure name"): 2,
        ("targets", "its measure was refused: no direction given (Desired Outcome is empty)"): 474,
        ("targets", "its measure was refused: no measure name"): 3,
        ("targets", "not a number: '6500-7000'"): 1,
    }
    assert outcome.read == {"agency.csv": 57, "service.csv": 262, plan: 1465}
    assert outcome.skipped[("measures", "no Measure ID")] == 12
    # 794 measure IDs in 1,453 rows with an ID: every later plan row supersedes the earlier one.
    assert outcome.merged["measures"] == 1453 - 793
    maintain = next(p for p in outcome.refused if "Maintain" in p.message)
    assert (maintain.source, maintain.column, maintain.value) == (
        f"measures from {plan}",
        "Desired Outcome",
        "Maintain",
    )
    assert maintain.row > 1


def _actuals(database, code: str) -> dict[str, float | None]:
    with database.read() as s:
        return dict(
            s.execute(select(Actual.period, Actual.value).join(Measure).where(Measure.code == code)).all()
        )


def _targets(database, code: str) -> dict[str, float | None]:
    with database.read() as s:
        return dict(
            s.execute(select(Target.period, Target.value).join(Measure).where(Measure.code == code)).all()
        )


def test_zoning_appeal_days_by_hand(baltimore):
    database = baltimore[0]
    with database.read() as s:
        measure = s.scalars(select(Measure).where(Measure.code == "1851")).one()
        assert measure.name == "Average # of days from filing a zoning appeal to a public hearing"
        assert (measure.direction, measure.unit_kind, measure.frequency) == ("down", "count", "annual")
        assert measure.calculation == "Hearing date - Filing date"
        activity = s.get(Activity, measure.activity_id)
        assert activity.code == "SRV0185" and s.get(Department, activity.department_id).code == "AGC7900"
    assert _actuals(database, "1851") == {"2021": 55, "2022": 74, "2023": 88, "2024": 100, "2025": 71}
    # FY25's actual is 71.25 in the FY26 plan row and 71 in the later FY27 row: the later wins.
    assert _targets(database, "1851") == {"2024": 60, "2025": 60, "2026": 75, "2027": 60}


@pytest.mark.parametrize(
    "code, actuals, targets",
    [
        # written as fractions (0.97, 0.8): scaled to percent points
        ("7313", {"2024": 97, "2025": 97}, {"2024": 80, "2025": 80}),
        # mixed: "91%" kept as written, 0.87 and 0.81 scaled
        ("7451", {"2023": 91, "2024": 87, "2025": 81}, {"2024": 85, "2025": 85}),
        # "1" in a fraction measure is 100%
        ("7274", {"2023": 100, "2024": 97, "2025": 100}, {"2024": 100, "2025": 100}),
        # a count with days: never scaled
        ("7041", {"2021": 7, "2022": 9, "2023": 9, "2024": 6, "2025": 6}, None),
    ],
)
def test_percent_figures_are_scaled_per_measure(baltimore, code, actuals, targets):
    database = baltimore[0]
    got = _actuals(database, code)
    assert {k: pytest.approx(v) for k, v in actuals.items()} == {k: got[k] for k in actuals}
    if targets:
        got_targets = _targets(database, code)
        assert {k: pytest.approx(v) for k, v in targets.items()} == {k: got_targets[k] for k in targets}


def test_fiscal_years_run_july_to_june(baltimore):
    database = baltimore[0]
    from datetime import date

    from aim.services.scorecard import scorecard

    with database.read() as s:
        card = scorecard(s, JULY, "2024", as_of=date(2026, 11, 26))
    assert card.period_label == "FY 2024 (Jul 2023 - Jun 2024)"
    zoning = card.measure("1851")
    assert (zoning.actual, zoning.target, zoning.status) == (100, 60, "off_track")


def test_outcome_and_effectiveness_measures_are_key_so_baltimore_has_an_index(baltimore):
    """The recipe's rule (Performance Measure Type Outcome or Effectiveness -> key): 251 key
    measures, 250 of them public, and an index for the city and each pillar in FY24 and FY25."""
    from datetime import date

    from aim.services.scorecard import scorecard

    database = baltimore[0]
    with database.read() as s:
        keys = dict(
            s.execute(
                select(Measure.is_public, func.count()).where(Measure.is_key).group_by(Measure.is_public)
            ).all()
        )
        assert keys == {True: 250, False: 1}
        is_key = dict(
            s.execute(select(Measure.code, Measure.is_key).where(Measure.code.in_(["1851", "7041"]))).all()
        )
        assert is_key == {"1851": True, "7041": False}  # Effectiveness; Output
        for year in ("2024", "2025"):
            card = scorecard(s, JULY, year, as_of=date(2026, 11, 26))
            key_scores = [m.score for m in card.measures if m.is_key and m.score is not None]
            assert card.index == pytest.approx(sum(key_scores) / len(key_scores))
            assert all(p.index is not None for p in card.priorities), year


def test_importing_baltimore_again_changes_nothing(baltimore):
    database = baltimore[0]
    report, _ = run_recipe_import(database, JULY, RECIPE, BALTIMORE)
    assert report.ok and not report.changed


def test_a_recipe_for_another_fiscal_year_is_refused_with_the_setting_to_use(database):
    with pytest.raises(RecipeError, match="AIM_FISCAL_YEAR_START_MONTH=7"):
        run_recipe_import(database, FiscalCalendar(1), RECIPE, BALTIMORE)


def test_a_broken_recipe_says_where(tmp_path: Path):
    broken = json.loads(RECIPE.read_text())
    broken["tables"]["measures"]["columns"]["directon"] = {"column": "Desired Outcome"}
    del broken["tables"]["actuals"]["source"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(RecipeError) as error:
        load_recipe(path)
    assert "tables.actuals.source" in str(error.value)


def test_the_recipe_holds_no_code_only_declarations():
    recipe = load_recipe(RECIPE)
    assert recipe.fiscal_year_start_month == 7 and recipe.notes
    assert set(recipe.tables) == {"priorities", "departments", "activities", "measures", "actuals", "targets"}


def test_the_command_line_imports_with_a_recipe_and_reports_refusals(database, db_url, tmp_path):
    require(BALTIMORE, "../shared is beside the repository in CI")
    env = {"AIM_DATABASE_URL": db_url, "AIM_FISCAL_YEAR_START_MONTH": "7"}
    out = tmp_path / "report.json"
    result = run_aim("import", "--recipe", str(RECIPE), str(BALTIMORE), "--report-json", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert "refused     174 measures" in result.stdout and "measures          617 read" in result.stdout
    report = json.loads(out.read_text())
    assert report["ok"] and report["recipe"]["read"]["service.csv"] == 262
    wrong_year = run_aim("import", "--recipe", str(RECIPE), str(BALTIMORE), env={"AIM_DATABASE_URL": db_url})
    assert wrong_year.returncode == 1 and "AIM_FISCAL_YEAR_START_MONTH=7" in wrong_year.stderr
