"""The published Frictionless Table Schemas: in sync with the importer, valid against the official
Table Schema profile, and the demo city's files valid against them (with the frictionless package)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aim.cli import DEMO_CITY, SCHEMA_DIR, schema_files
from aim.config import ROOT
from aim.importing.tables import TABLES
from tests.conftest import require

SHARED_SCHEMAS = ROOT.parent / "shared" / "schemas" / "frictionless"


def test_schema_files_match_the_importer_row_models():
    for path, content in schema_files().items():
        assert path.read_text(encoding="utf-8") == content, (
            f"{path.relative_to(ROOT)} is out of date: run python -m aim schema"
        )


def test_every_table_has_a_published_schema():
    assert sorted(p.stem for p in SCHEMA_DIR.glob("*.json")) == sorted(TABLES)


def _official(name: str) -> dict:
    path = require(SHARED_SCHEMAS / "1.0" / name, "../shared is beside the repository in CI")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("table", list(TABLES))
def test_each_schema_is_a_valid_table_schema_by_the_official_profile(table):
    import jsonschema

    profile = _official("tableschema.json")
    schema = json.loads((SCHEMA_DIR / f"{table}.json").read_text(encoding="utf-8"))
    jsonschema.validate(schema, profile)


def test_the_demo_data_package_is_valid_by_the_official_profile():
    import jsonschema

    package = json.loads((DEMO_CITY / "datapackage.json").read_text(encoding="utf-8"))
    jsonschema.validate(package, _official("datapackage.json"))


def test_the_demo_files_validate_against_the_schemas_with_frictionless():
    from frictionless import Package

    report = Package(str(DEMO_CITY / "datapackage.json")).validate()
    errors = [] if report.valid else [e.message for task in report.tasks for e in task.errors][:10]
    assert report.valid, errors
    assert {task.name for task in report.tasks} == set(TABLES)


def test_frictionless_catches_what_the_schema_forbids(tmp_path: Path):
    from frictionless import Resource, Schema

    bad = tmp_path / "measures.csv"
    good = (DEMO_CITY / "measures.csv").read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([good[0], good[1].replace(",down,", ",Increse,")]) + "\n", encoding="utf-8")
    schema = Schema.from_descriptor(json.loads((SCHEMA_DIR / "measures.json").read_text(encoding="utf-8")))
    report = Resource(path="measures.csv", basepath=str(tmp_path), schema=schema).validate()
    assert not report.valid
    errors = report.tasks[0].errors
    assert [(e.type, getattr(e, "field_name", e.message)) for e in errors] == [
        ("constraint-error", "direction")
    ]
