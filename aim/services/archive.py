"""The archive of releases: every publication writes every public dataset to a folder named after
its date under AIM_ARCHIVE_DIR, with a manifest of SHA-256 checksums; nothing in a release is ever
rewritten (a correction appears in the next release).

How a release is written: into a hidden temporary folder beside the archive (each file written and
flushed to disk), then renamed to its date in one step. A reader sees a whole release or none; two
writers of the same date cannot both win (renaming onto an existing folder fails); and a date that
already has a release is left exactly as it is. The files are then made read-only. The database
row (data_releases) lists the release and pins its manifest's checksum.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from aim.config import Settings, get_settings
from aim.exports import json_text
from aim.models import DataRelease
from aim.opendata import ReleaseView
from aim.services import open_catalog

MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILE = re.compile(r"^[a-z0-9][a-z0-9._-]*$", re.IGNORECASE)


class ArchiveError(RuntimeError):
    """A release on disk does not match its manifest, or cannot be written; says which and why."""


def releases(session: Session) -> list[ReleaseView]:
    """Every archived release, newest first."""
    return [_view(r) for r in session.scalars(select(DataRelease).order_by(DataRelease.release_date.desc()))]


def _view(r: DataRelease) -> ReleaseView:
    return ReleaseView(
        release_date=r.release_date,
        created_at=r.created_at,
        file_count=r.file_count,
        total_bytes=r.total_bytes,
        manifest_sha256=r.manifest_sha256,
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def release_files(session: Session, settings: Settings, day: date) -> dict[str, bytes]:
    """What the release of `day` holds: every performance dataset (CSV, JSON and the data package),
    and the catalog's description of every published dataset, including those served elsewhere."""
    files = open_catalog.performance_files(session, settings, created=day)
    catalog = open_catalog.catalog(session, settings)
    files["catalog.json"] = json_text(catalog.model_dump(mode="json")).encode("utf-8")
    return files


def _manifest(day: date, files: dict[str, bytes]) -> tuple[bytes, bytes]:
    entries = [
        {"path": name, "bytes": len(files[name]), "sha256": sha256(files[name])} for name in sorted(files)
    ]
    manifest = json_text(
        {
            "release": day.isoformat(),
            "algorithm": "SHA-256",
            "files": entries,
            "note": "Nothing in a release is ever rewritten; corrections appear in a later release.",
        }
    ).encode("utf-8")
    # The format `sha256sum -c SHA256SUMS` checks, so anyone can verify a download with no tool of ours.
    sums = "".join(f"{e['sha256']}  {e['path']}\n" for e in entries).encode("utf-8")
    return manifest, sums


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def folder_of(settings: Settings, day: date) -> Path:
    return Path(settings.archive_dir) / day.isoformat()


def verify(folder: Path) -> tuple[int, int, str]:
    """Check every file of a release against its manifest: (file count, bytes, manifest sha256).
    ArchiveError names the first file that is missing, extra or changed."""
    manifest_bytes = (folder / MANIFEST).read_bytes()
    manifest = json.loads(manifest_bytes)
    listed = {e["path"]: e for e in manifest["files"]}
    present = {p.name for p in folder.iterdir()} - {MANIFEST, CHECKSUMS}
    if present != set(listed):
        raise ArchiveError(
            f"{folder}: files differ from the manifest (missing {sorted(set(listed) - present)}, "
            f"extra {sorted(present - set(listed))})"
        )
    total = 0
    for name, entry in listed.items():
        data = (folder / name).read_bytes()
        if sha256(data) != entry["sha256"] or len(data) != entry["bytes"]:
            raise ArchiveError(f"{folder / name} does not match its checksum in the manifest")
        total += len(data)
    return len(listed), total, sha256(manifest_bytes)


def _record(session: Session, day: date, folder: Path) -> ReleaseView:
    count, total, digest = verify(folder)
    row = DataRelease(release_date=day, file_count=count, total_bytes=total, manifest_sha256=digest)
    session.add(row)
    session.flush()
    return _view(row)


def write_release(session: Session, day: date, settings: Settings | None = None) -> tuple[ReleaseView, bool]:
    """Archive every public dataset as it stands now, as the release of `day`: (the release, True
    when this call wrote it). A date that already has a release is left byte for byte as it is
    (False). Call it from the publication (`python -m aim publish`) in the transaction that
    publishes, so the release holds what was just published."""
    settings = settings or get_settings()
    existing = session.scalars(select(DataRelease).where(DataRelease.release_date == day)).one_or_none()
    if existing is not None:
        return _view(existing), False
    target = folder_of(settings, day)
    if target.exists():
        # Written by a run that stopped before its database row was committed: verified, then listed.
        return _record(session, day, target), False
    root = Path(settings.archive_dir)
    root.mkdir(parents=True, exist_ok=True)
    files = release_files(session, settings, day)
    manifest, sums = _manifest(day, files)
    staging = Path(tempfile.mkdtemp(prefix=f".incoming-{day.isoformat()}-", dir=root))
    try:
        for name, data in {**files, MANIFEST: manifest, CHECKSUMS: sums}.items():
            _write_file(staging / name, data)
            os.chmod(staging / name, 0o444)
        os.chmod(staging, 0o555)
        try:
            os.rename(staging, target)  # atomic; refuses an existing non-empty folder
        except OSError:
            if target.exists():  # another process published the same date first: theirs stands
                return _record(session, day, target), False
            raise
    finally:
        if staging.exists():
            os.chmod(staging, 0o755)
            shutil.rmtree(staging, ignore_errors=True)
    _fsync_dir(root)
    return _record(session, day, target), True


def _fsync_dir(path: Path) -> None:
    # The rename itself is durable only once the folder holding it is flushed.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def release_file(settings: Settings, folder: str, name: str) -> Path | None:
    """The path of a file of a release, or None for anything that is not one (no traversal)."""
    if not FOLDER.match(folder) or not FILE.match(name) or ".." in name:
        return None
    path = Path(settings.archive_dir) / folder / name
    return path if path.is_file() else None


def today() -> date:
    return datetime.now(timezone.utc).date()
