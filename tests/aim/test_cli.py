"""`python -m aim`, run as a user runs it, reading AIM_* from the environment: in this process through
tests/cli.py (the same entry point), and once as a real subprocess."""

from __future__ import annotations

import json

import pytest

from aim import migrate
from aim.services.site import measure_count
from tests.cities import RESPONSE_SCORE, SAFE_INDEX, VIOLENT_SCORE, load_tiny_city
from tests.cli import run_aim, run_aim_process


def test_status_json_prints_the_hand_computed_figures(database, db_url):
    load_tiny_city(database)
    result = run_aim("status", "--json", "--as-of", "2026-11-26", env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["period"] == "2025"
    assert report["index"] == pytest.approx(SAFE_INDEX)
    safe = report["priorities"][0]
    assert (safe["slug"], safe["title"]) == ("safe", "Safety")
    assert safe["index"] == pytest.approx(SAFE_INDEX)
    assert safe["counts"] == {
        "on_track": 2,
        "at_risk": 1,
        "off_track": 1,
        "no_target": 1,
        "no_data": 1,
        "stale": 4,
    }
    measures = {m["code"]: m for m in report["measures"]}
    assert measures["violent-crime"]["status"] == "at_risk"
    assert measures["violent-crime"]["score"] == pytest.approx(VIOLENT_SCORE)
    assert measures["violent-crime"]["actual"] == 8466
    assert measures["violent-crime"]["target"] == 8000
    assert measures["response-time"]["score"] == pytest.approx(RESPONSE_SCORE)
    assert "overtime-hours" not in measures


def test_status_table_names_each_priority(database, db_url):
    load_tiny_city(database)
    result = run_aim("status", "--period", "2025", env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 0, result.stderr
    assert "Safety" in result.stdout and "Economy" in result.stdout
    assert "0.92" in result.stdout  # the safety index, to two places


def test_a_bad_period_is_an_error_that_says_what_a_period_looks_like(database, db_url):
    result = run_aim("status", "--period", "2025-13", env={"AIM_DATABASE_URL": db_url})
    assert result.returncode != 0
    assert "month must be 01 to 12" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_status_on_an_unmigrated_database_says_to_run_the_migrations(tmp_path):
    result = run_aim("status", env={"AIM_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    assert result.returncode != 0
    assert "python -m aim db upgrade" in result.stderr


def test_db_upgrade_creates_the_schema_and_can_run_again(tmp_path):
    env = {"AIM_DATABASE_URL": f"sqlite:///{tmp_path / 'sub' / 'aim.db'}"}
    assert run_aim("db", "upgrade", env=env).returncode == 0
    assert run_aim("db", "upgrade", env=env).returncode == 0
    result = run_aim("status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["measures"] == []


def test_production_without_a_secret_key_refuses_to_start_with_a_clear_message(tmp_path):
    result = run_aim(
        "status", env={"AIM_ENV": "production", "AIM_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    )
    assert result.returncode != 0
    assert "AIM_SECRET_KEY is required" in result.stderr and "Traceback" not in result.stderr


def test_an_unreachable_database_is_reported_not_a_traceback():
    # A real interpreter, so that "no traceback" is what a user of `python -m aim` sees.
    result = run_aim_process("status", env={"AIM_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode != 0
    assert "Cannot connect to the database" in result.stderr and "Traceback" not in result.stderr


def test_an_invalid_setting_names_the_variable(tmp_path):
    result = run_aim("status", env={"AIM_FISCAL_YEAR_START_MONTH": "13"})
    assert result.returncode != 0
    assert "AIM_FISCAL_YEAR_START_MONTH" in result.stderr


def _sqlite(tmp_path) -> dict[str, str]:
    return {"AIM_DATABASE_URL": f"sqlite:///{tmp_path / 'aim.db'}"}


def test_db_upgrade_of_a_new_database_says_it_upgraded_from_nothing_to_the_latest_revision(tmp_path):
    result = run_aim("db", "upgrade", env=_sqlite(tmp_path))
    assert result.returncode == 0, result.stderr
    head = migrate.head_revision()
    assert f"Upgraded the database from nothing to revision {head} (the latest)." in result.stderr


def test_db_upgrade_of_an_up_to_date_database_says_there_was_nothing_to_do(tmp_path):
    assert run_aim("db", "upgrade", env=_sqlite(tmp_path)).returncode == 0
    result = run_aim("db", "upgrade", env=_sqlite(tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"already at revision {migrate.head_revision()} (the latest); nothing to do" in result.stderr


def test_db_upgrade_from_an_older_revision_names_where_it_started(tmp_path):
    assert run_aim("db", "upgrade", "--revision", "0002", env=_sqlite(tmp_path)).returncode == 0
    result = run_aim("db", "upgrade", env=_sqlite(tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"Upgraded the database from 0002 to revision {migrate.head_revision()}" in result.stderr


def test_db_upgrade_to_an_unknown_revision_is_a_message_not_a_traceback(tmp_path):
    result = run_aim("db", "upgrade", "--revision", "9999", env=_sqlite(tmp_path))
    assert result.returncode != 0
    assert "--revision 9999" in result.stderr and "Traceback" not in result.stderr


def test_status_on_an_empty_database_says_there_is_no_data_and_how_to_import_or_seed_it(tmp_path):
    assert run_aim("db", "upgrade", env=_sqlite(tmp_path)).returncode == 0
    result = run_aim("status", env=_sqlite(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "There is no data to report" in result.stderr
    assert "python -m aim import data/milwaukee" in result.stderr
    assert "python -m aim seed demo" in result.stderr
    assert result.stdout == ""  # no table header over no rows


def test_status_for_a_period_before_the_data_warns_that_it_is_outside_the_data(database, db_url):
    load_tiny_city(database)
    result = run_aim("status", "--period", "1900", env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 0, result.stderr
    assert "Warning: 1900 is outside the published data, which runs from 2024 to 2026" in result.stderr


def test_status_for_a_period_inside_the_data_gives_no_warning(database, db_url):
    load_tiny_city(database)
    result = run_aim("status", "--period", "2025", env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_seed_synthetic_refuses_a_database_that_holds_a_city_and_says_how_to_go_on(database, db_url):
    load_tiny_city(database)
    with database.read() as session:
        before = measure_count(session)
    result = run_aim("seed", "synthetic", "--measures", "2", "--years", "1", env={"AIM_DATABASE_URL": db_url})
    assert result.returncode == 1
    assert f"already holds {before} measures" in result.stderr
    assert "--force" in result.stderr and "empty database" in result.stderr
    with database.read() as session:
        assert measure_count(session) == before


def test_seed_synthetic_with_force_loads_into_a_database_that_holds_a_city(database, db_url):
    load_tiny_city(database)
    with database.read() as session:
        before = measure_count(session)
    result = run_aim(
        "seed", "synthetic", "--measures", "2", "--years", "1", "--force", env={"AIM_DATABASE_URL": db_url}
    )
    assert result.returncode == 0, result.stderr
    with database.read() as session:
        assert measure_count(session) == before + 2


def test_seed_synthetic_loads_an_empty_database_without_force(tmp_path):
    assert run_aim("db", "upgrade", env=_sqlite(tmp_path)).returncode == 0
    result = run_aim("seed", "synthetic", "--measures", "2", "--years", "1", env=_sqlite(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Imported" in result.stdout


def test_import_of_a_missing_path_says_it_does_not_exist_without_talking_about_rows(tmp_path):
    assert run_aim("db", "upgrade", env=_sqlite(tmp_path)).returncode == 0
    missing = tmp_path / "no-such-city"
    result = run_aim("import", str(missing), env=_sqlite(tmp_path))
    assert result.returncode == 1
    assert f"{missing}: No such file or folder." in result.stderr
    said = result.stderr.replace(str(tmp_path), "")  # the folder's name may contain anything
    assert "row" not in said and "Traceback" not in said


def test_import_of_an_empty_folder_says_no_tables_were_found_without_talking_about_rows(tmp_path):
    assert run_aim("db", "upgrade", env=_sqlite(tmp_path)).returncode == 0
    (tmp_path / "empty").mkdir()
    result = run_aim("import", str(tmp_path / "empty"), env=_sqlite(tmp_path))
    assert result.returncode == 1
    assert "No tables found: name CSV files after a table" in result.stderr
    said = result.stderr.replace(str(tmp_path), "")
    assert "row" not in said and "Traceback" not in said


@pytest.mark.parametrize("day", ["0001-01-05", "1899-12-31", "9999-12-31"])
def test_status_refuses_a_day_without_figures_and_says_which_days_it_takes(database, db_url, day):
    # Before 1900 the fiscal calendar counted back past year 1; after today nothing is published.
    load_tiny_city(database)
    result = run_aim("status", "--as-of", day, env={"AIM_DATABASE_URL": db_url})
    assert result.returncode != 0
    assert "--as-of" in result.stderr and "1900-01-01 to today" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
