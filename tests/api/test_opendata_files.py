"""The open data site's files over real HTTP: /data.json valid against the official DCAT-US 1.1
non-federal profile, every data package valid with frictionless, the bulk zip importable again, and
nothing internal or unpublished in any of them."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import requests

from aim.config import ROOT
from aim.opendata import FORMATS
from aim.periods import FiscalCalendar
from aim.services.open_catalog import PERFORMANCE
from tests.cities import SECRET_STRINGS
from tests.conftest import require
from tests.web import TIMEOUT

pytestmark = pytest.mark.leak_city
DCAT = ROOT.parent / "shared" / "schemas" / "dcat-us-1.1-non-federal"


def get(url: str, status: int = 200) -> requests.Response:
    response = requests.get(url, timeout=TIMEOUT)
    assert response.status_code == status, (url, response.status_code, response.text[:300])
    return response


def dcat_validator():
    """Draft 4 validator of the catalog profile, its relative $refs resolved from the folder's files
    (by their ids, and the embedded definitions by theirs)."""
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    folder = require(DCAT, "../shared/schemas is beside the repository in CI")
    schemas = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    resources = []
    for schema in schemas:
        resource = Resource(contents=schema, specification=DRAFT4)
        resources.append((schema["id"].rstrip("#"), resource))
        for definition in schema.get("definitions", {}).values():
            if "id" in definition:
                resources.append((definition["id"].rstrip("#"), Resource(definition, specification=DRAFT4)))
    registry = Registry().with_resources(resources)
    catalog = next(s for s in schemas if s["id"].endswith("/catalog.json#"))
    return Draft4Validator(catalog, registry=registry, format_checker=FormatChecker())


def test_data_json_has_no_error_against_the_dcat_us_non_federal_profile(site):
    document = get(f"{site}/data.json").json()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in dcat_validator().iter_errors(document)]
    assert errors == []
    titles = {d["title"] for d in document["dataset"]}
    assert {p.title for p in PERFORMANCE.values()} <= titles
    measures = next(d for d in document["dataset"] if d["identifier"].endswith("/data/measures"))
    assert {x["downloadURL"].rsplit(".", 1)[1] for x in measures["distribution"]} == {
        e for e, _, _ in FORMATS
    }
    assert measures["identifier"] == f"{site}/data/measures"


def test_the_profile_check_does_catch_a_broken_catalog(site):
    document = get(f"{site}/data.json").json()
    del document["dataset"][0]["publisher"]
    document["dataset"][1]["accessLevel"] = "secret"
    document["dataset"][2]["distribution"][0]["downloadURL"] = "not a url"
    messages = [e.message for e in dcat_validator().iter_errors(document)]
    assert len(messages) == 3, messages


def _frictionless_errors(folder: Path) -> list[str]:
    from frictionless import Package

    report = Package(str(folder / "datapackage.json")).validate()
    return [] if report.valid else [e.message for task in report.tasks for e in task.errors][:10]


@pytest.mark.parametrize("slug", list(PERFORMANCE))
def test_each_dataset_package_has_no_frictionless_error(site, slug, tmp_path):
    package = get(f"{site}/data/{slug}/datapackage.json").json()
    [resource] = package["resources"]
    assert resource["path"] == f"{slug}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    (tmp_path / resource["path"]).write_bytes(get(f"{site}/data/{slug}/{slug}.csv").content)
    assert _frictionless_errors(tmp_path) == []


def _bulk(site: str, tmp_path: Path) -> Path:
    response = get(f"{site}/data/performance-data.zip")
    assert response.headers["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        archive.extractall(tmp_path)
    return tmp_path / "performance-data"


def test_the_bulk_zip_is_a_valid_data_package_of_every_performance_dataset(site, tmp_path):
    folder = _bulk(site, tmp_path)
    assert _frictionless_errors(folder) == []
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == list(PERFORMANCE)


def test_the_bulk_zip_imports_into_an_empty_database_as_it_is(site, tmp_path):
    from aim.db import Database
    from aim.importing import run_import

    folder = _bulk(site, tmp_path / "zip")
    scratch = tmp_path / "copy.db"
    from aim import migrate

    migrate.upgrade(f"sqlite:///{scratch}")
    copy = Database(f"sqlite:///{scratch}")
    report = run_import(copy, FiscalCalendar(1), folder)
    assert report.ok, report
    copy.dispose()


@pytest.mark.parametrize("slug", list(PERFORMANCE))
def test_no_download_holds_anything_internal_or_unpublished(site, slug):
    for ext, media, _ in FORMATS:
        response = get(f"{site}/data/{slug}/{slug}.{ext}")
        assert response.headers["Content-Type"].startswith(media)
        assert f'filename="{slug}.{ext}"' in response.headers["Content-Disposition"]
        text = response.text if ext != "xlsx" else _xlsx_text(response.content)
        for secret in SECRET_STRINGS:
            assert secret not in text, (slug, ext, secret)


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        ",".join("" if v is None else str(v) for v in row) for row in book.active.iter_rows(values_only=True)
    )


def test_published_actuals_only_and_the_three_formats_agree(site, database):
    from sqlalchemy import func, select

    from aim.models import Actual, Measure

    rows = list(csv.DictReader(io.StringIO(get(f"{site}/data/actuals/actuals.csv").text)))
    assert {r["state"] for r in rows} == {"published"}
    with database.read() as s:
        expected = s.scalar(
            select(func.count())
            .select_from(Actual)
            .join(Measure)
            .where(Actual.state == "published", Measure.is_public.is_(True))
        )
    assert len(rows) == expected
    document = get(f"{site}/data/actuals/actuals.json").json()
    assert document["columns"] == list(rows[0]) and len(document["data"]) == expected
    assert document["data"][0]["measure"] == rows[0]["measure"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(get(f"{site}/data/actuals/actuals.xlsx").content), read_only=True)
    sheet = list(book.active.iter_rows(values_only=True))
    assert list(sheet[0]) == list(rows[0]) and len(sheet) == expected + 1


def test_unknown_datasets_and_files_are_404(site):
    get(f"{site}/data/zz-secret-internal/zz-secret-internal.csv", 404)
    get(f"{site}/data/measures/actuals.csv", 404)
    get(f"{site}/data/measures/measures.exe", 404)


def test_a_published_inventory_entry_is_in_data_json_with_its_link(site, database):
    from aim.models import DataAsset

    with database.write() as s:
        s.add(
            DataAsset(
                slug="building-permits",
                name="Building permits",
                description="Every building permit issued.",
                classification="public",
                release_status="published",
                update_frequency="daily",
                access_url="https://data.example.gov/permits",
                keywords="permits, buildings",
            )
        )
        s.add(
            DataAsset(
                slug="payroll",
                name="Payroll detail",
                classification="confidential",
                release_status="will_not_release",
                status_reason="Personal data of employees.",
                description="Salaries by name.",
                system_of_record="PeopleSoft",
            )
        )
    document = get(f"{site}/data.json").json()
    # The API lists the same datasets, and the inventory as the public sees it.
    listed = get(f"{site}/api/v1/catalog").json()
    assert [d["title"] for d in listed["datasets"]] == [d["title"] for d in document["dataset"]]
    permits = next(d for d in listed["datasets"] if d["slug"] == "building-permits")
    assert permits["downloads"] == {"web": "https://data.example.gov/permits"}
    actuals = next(d for d in listed["datasets"] if d["slug"] == "actuals")
    assert actuals["downloads"]["csv"] == f"{site}/data/actuals/actuals.csv"
    entries = {e["slug"]: e for e in get(f"{site}/api/v1/inventory").json()["entries"]}
    assert entries["payroll"]["status_reason"] == "Personal data of employees."
    assert not entries["payroll"]["details_shown"] and entries["building-permits"]["details_shown"]
    assert "Salaries" not in json.dumps(entries)
    assert [e for e in dcat_validator().iter_errors(document)] == []
    permits = next(d for d in document["dataset"] if d["title"] == "Building permits")
    assert permits["distribution"][0]["accessURL"] == "https://data.example.gov/permits"
    assert permits["accrualPeriodicity"] == "R/P1D" and permits["keyword"] == ["permits", "buildings"]
    assert "Payroll" not in json.dumps(document)


@pytest.fixture
def archive_dir(dash_app, tmp_path, monkeypatch) -> Path:
    from web.context import EXTENSION

    folder = tmp_path / "archive"
    monkeypatch.setattr(dash_app.server.extensions[EXTENSION].settings, "archive_dir", folder)
    return folder


def test_an_archived_release_is_served_as_written_and_listed(site, database, dash_app, archive_dir):
    from datetime import date

    from aim.services import archive
    from web.context import EXTENSION

    with database.write() as s:
        view, _ = archive.write_release(s, date(2026, 12, 3), dash_app.server.extensions[EXTENSION].settings)
    for name in ("manifest.json", "SHA256SUMS", "actuals.csv", "datapackage.json"):
        response = get(f"{site}/data/archive/2026-12-03/{name}")
        assert response.content == (archive_dir / "2026-12-03" / name).read_bytes()
        assert "immutable" in response.headers["Cache-Control"]
        # Compressed (CSV, JSON) or not, a revalidation with the ETag sent gets 304.
        again = requests.get(
            f"{site}/data/archive/2026-12-03/{name}",
            headers={"If-None-Match": response.headers["ETag"]},
            timeout=TIMEOUT,
        )
        assert again.status_code == 304, (name, response.headers.get("Content-Encoding"))
    for bad in ("2026-12-04/actuals.csv", "2026-12-03/nothing.csv", "2026-12-03/.hidden"):
        get(f"{site}/data/archive/{bad}", 404)
    # An encoded slash makes another route: Dash's page shell (HTML, no file), never a file outside.
    escaped = requests.get(f"{site}/data/archive/2026-12-03/..%2Fmanifest.json", timeout=TIMEOUT)
    assert escaped.headers["Content-Type"].startswith("text/html") and '"files"' not in escaped.text
    from tests.api.test_opendata_requests import page_text

    [release] = get(f"{site}/api/v1/archive").json()["releases"]
    assert release["release_date"] == "2026-12-03" and release["manifest_sha256"] == view.manifest_sha256
    manifest = requests.get(release["manifest"], timeout=TIMEOUT).content
    assert hashlib.sha256(manifest).hexdigest() == view.manifest_sha256
    assert "  targets.csv\n" in requests.get(release["checksums"], timeout=TIMEOUT).text
    listed = page_text(site, "/data/archive")
    assert "03 December 2026" in listed and view.manifest_sha256 in listed
    assert "/data/archive/2026-12-03/targets.csv" in json.dumps(json.loads(page_text(site, "/data/targets")))


def test_the_release_of_a_date_equals_what_as_of_that_date_shows(site, database, dash_app, archive_dir):
    """On both databases: the release written on a day holds, measure by measure and period by
    period, the values the API gives with as_of=<that day> (rebuilt from the revision history),
    after a correction was published that day and another one is still pending."""
    from sqlalchemy import select

    from aim.auth import Principal, Role
    from aim.models import Activity, Actual, Measure
    from aim.services import archive, figures
    from aim.workflow_views import FigureInput, FigureRef
    from web.context import EXTENSION

    calendar = FiscalCalendar(1)
    analyst = Principal(902, "analyst@city.gov", Role.BUDGET_ANALYST)
    with database.read() as s:
        homicides = s.scalars(select(Measure).where(Measure.code == "homicides")).one()
        department = s.scalar(select(Activity.department_id).where(Activity.id == homicides.activity_id))
        periods = list(
            s.execute(
                select(Actual.period, Actual.version)
                .where(Actual.measure_id == homicides.id, Actual.state == "published")
                .order_by(Actual.period.desc())
                .limit(2)
            )
        )
    editor = Principal(901, "ed@city.gov", Role.DEPARTMENT_EDITOR, {department})
    # A correction published today, and one entered but not published (the public keeps the old value).
    corrections = ((*periods[0], "4242", True), (*periods[1], "9191", False))
    periods = [period for period, _ in periods]
    for period, version, value, publish in corrections:
        with database.write() as s:
            draft = figures.save_draft(
                s,
                calendar,
                FigureInput(
                    measure="homicides",
                    period=period,
                    value=value,
                    explanation="A correction.",
                    version=version,
                ),
                user=editor,
            )
        ref = FigureRef(measure="homicides", period=period, version=draft.version)
        with database.write() as s:
            [submitted] = figures.submit(s, calendar, [ref], user=editor)
        if publish:
            ref = FigureRef(measure="homicides", period=period, version=submitted.version)
            with database.write() as s:
                [approved] = figures.approve(s, calendar, [ref], user=analyst)
            with database.write() as s:
                figures.publish(
                    s,
                    calendar,
                    [FigureRef(measure="homicides", period=period, version=approved.version)],
                    user=analyst,
                )
    day = archive.today()
    with database.write() as s:
        archive.write_release(s, day, dash_app.server.extensions[EXTENSION].settings)
    folder = archive_dir / day.isoformat()
    released: dict[str, dict[str, float]] = {}
    with open(folder / "actuals.csv", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["value"] != "":  # a period published without a value: the API shows none either
                released.setdefault(row["measure"], {})[row["period"]] = float(row["value"])
    assert released["homicides"][periods[0]] == 4242.0
    assert released["homicides"][periods[1]] != 9191.0
    with open(folder / "measures.csv", encoding="utf-8", newline="") as handle:
        codes = {row["code"] for row in csv.DictReader(handle)}
    listed = get(f"{site}/api/v1/measures?as_of={day}").json()["measures"]
    # The list holds the measures evaluated for the period; the release holds every public one.
    assert {m["code"] for m in listed} <= codes
    differences = []
    with requests.Session() as http:
        for code in sorted(codes):
            body = http.get(f"{site}/api/v1/measures/{code}/series.json?as_of={day}", timeout=TIMEOUT).json()
            assert body["as_published_on"] == day.isoformat()
            shown = {p["period"]: p["actual"] for p in body["series"] if p["actual"] is not None}
            if shown != released.get(code, {}):
                theirs = released.get(code, {})
                differences.append(
                    (
                        code,
                        {
                            k: (shown.get(k), theirs.get(k))
                            for k in shown.keys() ^ theirs.keys()
                            | {k for k in shown.keys() & theirs.keys() if shown[k] != theirs[k]}
                        },
                    )
                )
    assert differences == []
