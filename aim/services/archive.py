"""The archive of releases: every publication writes every public dataset to a folder named after
its date, with a manifest of SHA-256 checksums; nothing in a release is ever rewritten (a
correction appears in the next release)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from aim.models import DataRelease
from aim.opendata import ReleaseView


def releases(session: Session) -> list[ReleaseView]:
    """Every archived release, newest first."""
    return [
        ReleaseView(
            release_date=r.release_date,
            created_at=r.created_at,
            file_count=r.file_count,
            total_bytes=r.total_bytes,
            manifest_sha256=r.manifest_sha256,
        )
        for r in session.scalars(select(DataRelease).order_by(DataRelease.release_date.desc()))
    ]
