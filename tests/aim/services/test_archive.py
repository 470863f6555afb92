"""Releases that never change (aim/services/archive.py), on both databases: the files match their
manifest, a second publication of the same date leaves the first byte-identical, a later release
carries a correction while the earlier one keeps what was published then, and the command line
writes and verifies releases."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from aim.config import Settings
from aim.models import Actual, DataRelease, Measure
from aim.services import archive, open_catalog
from tests.aim.test_cli import run_aim

pytestmark = pytest.mark.leak_city
DAY = date(2026, 12, 3)


@pytest.fixture
def settings(tmp_path, db_url) -> Settings:
    return Settings(database_url=db_url, archive_dir=tmp_path / "archive", secret_key="s" * 64)


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.iterdir()
    }


def test_a_release_holds_every_public_dataset_and_its_files_match_the_manifest(database, settings):
    with database.write() as s:
        view, written = archive.write_release(s, DAY, settings)
    assert written
    folder = settings.archive_dir / "2026-12-03"
    expected = {f"{slug}.{ext}" for slug in open_catalog.PERFORMANCE for ext in ("csv", "json")}
    assert expected | {"datapackage.json", "catalog.json", "manifest.json", "SHA256SUMS"} == {
        p.name for p in folder.iterdir()
    }
    assert archive.verify(folder) == (view.file_count, view.total_bytes, view.manifest_sha256)
    # SHA256SUMS in the format of coreutils, checked by coreutils itself.
    check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"], cwd=folder, capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert all(
        not (p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) for p in folder.iterdir()
    )
    assert [p.name for p in settings.archive_dir.iterdir()] == ["2026-12-03"]  # no staging folder left


def test_the_release_of_a_date_is_what_the_site_served_that_day(database, settings):
    with database.read() as s:
        cols, rows = open_catalog.table_rows(s, "actuals") or ([], [])
    from aim.exports import csv_text

    with database.write() as s:
        archive.write_release(s, DAY, settings)
    served = csv_text(cols, rows).encode("utf-8")
    assert (settings.archive_dir / "2026-12-03" / "actuals.csv").read_bytes() == served


def test_a_second_publication_leaves_the_first_release_byte_identical_and_a_correction_goes_to_the_next(
    database, settings
):
    with database.write() as s:
        archive.write_release(s, DAY, settings)
    first = settings.archive_dir / "2026-12-03"
    before = _snapshot(first)
    with database.write() as s:  # a correction of a published value
        homicides = s.scalars(select(Measure).where(Measure.code == "homicides")).one()
        value = s.scalars(
            select(Actual).where(Actual.measure_id == homicides.id, Actual.period == "2015-01")
        ).one()
        value.value = 777777.0
        value.updated_by = "correction"
    with database.write() as s:
        view, written = archive.write_release(s, DAY, settings)
    assert not written
    assert _snapshot(first) == before
    with database.write() as s:
        _, written = archive.write_release(s, date(2026, 12, 4), settings)
    assert written
    later = (settings.archive_dir / "2026-12-04" / "actuals.csv").read_text(encoding="utf-8")
    assert "homicides,2015-01,777777," in later
    assert "777777" not in (first / "actuals.csv").read_text(encoding="utf-8")
    with database.read() as s:
        assert [r.release_date for r in archive.releases(s)] == [date(2026, 12, 4), DAY]


def test_a_release_on_disk_without_its_row_is_verified_then_listed_and_a_tampered_one_refused(
    database, settings
):
    with database.write() as s:
        view, _ = archive.write_release(s, DAY, settings)
    with database.write() as s:
        s.execute(DataRelease.__table__.delete())
    with database.write() as s:
        again, written = archive.write_release(s, DAY, settings)
    assert not written and again.manifest_sha256 == view.manifest_sha256
    tampered = settings.archive_dir / "2026-12-03" / "measures.csv"
    os.chmod(tampered, 0o644)
    tampered.write_text("code\nforged\n", encoding="utf-8")
    with pytest.raises(archive.ArchiveError, match="measures.csv does not match"):
        archive.verify(tampered.parent)


@pytest.mark.parametrize(
    "folder, name",
    [("2026-12-03", "../secret_key"), ("..", "aim.db"), ("2026-12-03", ".hidden"), ("latest", "actuals.csv")],
)
def test_only_files_of_a_release_are_served(settings, folder, name):
    assert archive.release_file(settings, folder, name) is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)  # the command line, not the data
def test_the_archive_commands_write_once_and_verify(db_url, tmp_path):
    env = {"AIM_DATABASE_URL": db_url, "AIM_ARCHIVE_DIR": str(tmp_path / "archive")}
    first = run_aim("archive", "release", "--date", "2026-12-03", env=env)
    assert first.returncode == 0 and "wrote the release of 2026-12-03" in first.stdout, first.stderr
    second = run_aim("archive", "release", "--date", "2026-12-03", env=env)
    assert second.returncode == 0 and "already exists" in second.stdout
    verified = run_aim("archive", "verify", env=env)
    assert verified.returncode == 0 and "2026-12-03: 16 files match the manifest" in verified.stdout
    target = tmp_path / "archive" / "2026-12-03" / "targets.csv"
    os.chmod(target, 0o644)
    target.write_text("changed", encoding="utf-8")
    broken = run_aim("archive", "verify", env=env)
    assert broken.returncode == 1 and "targets.csv does not match" in broken.stderr
