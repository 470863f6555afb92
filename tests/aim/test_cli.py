"""`python -m aim`, run as a user runs it: in a subprocess, reading AIM_* from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from aim.config import ROOT
from tests.cities import RESPONSE_SCORE, SAFE_INDEX, VIOLENT_SCORE, load_tiny_city


def run_aim(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AIM_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "aim", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


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
    result = run_aim("status", env={"AIM_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode != 0
    assert "Cannot connect to the database" in result.stderr and "Traceback" not in result.stderr


def test_an_invalid_setting_names_the_variable(tmp_path):
    result = run_aim("status", env={"AIM_FISCAL_YEAR_START_MONTH": "13"})
    assert result.returncode != 0
    assert "AIM_FISCAL_YEAR_START_MONTH" in result.stderr
