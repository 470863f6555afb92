"""`archive`: write the release of a date to the archive of open data, and check releases against
their manifests; a click group that aim/cli.py attaches to `python -m aim`. The publication
(`python -m aim publish`) calls the same writer, aim.services.archive.write_release."""

from __future__ import annotations

from datetime import date

import click

from aim.cli_common import UserError, open_database, settings
from aim.services import archive as releases


@click.group(help="The archive of open data releases (AIM_ARCHIVE_DIR): write and verify.")
def archive() -> None:
    pass


@archive.command(
    "release",
    help="Archive every public dataset as the release of a date (default: today, UTC). A date that "
    "already has a release is left exactly as it is.",
)
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
def release(day) -> None:
    chosen: date = day.date() if day else releases.today()
    config = settings()
    database = open_database()
    try:
        with database.write() as session:
            view, written = releases.write_release(session, chosen, config)
    except (OSError, releases.ArchiveError) as exc:
        raise UserError(f"Could not write the release of {chosen}: {exc}") from None
    finally:
        database.dispose()
    folder = releases.folder_of(config, chosen)
    if written:
        click.echo(
            f"wrote the release of {chosen} to {folder}: {view.file_count} files, {view.total_bytes:,} bytes"
        )
    else:
        click.echo(f"the release of {chosen} already exists in {folder}; left unchanged")
    click.echo(f"manifest sha256 {view.manifest_sha256}")


@archive.command("verify", help="Check every listed release's files against its manifest.")
def verify() -> None:
    config = settings()
    database = open_database()
    try:
        with database.read() as session:
            listed = releases.releases(session)
    finally:
        database.dispose()
    problems = []
    for view in listed:
        try:
            count, _total, digest = releases.verify(releases.folder_of(config, view.release_date))
        except (OSError, releases.ArchiveError) as exc:
            problems.append(str(exc))
            continue
        if digest != view.manifest_sha256:
            problems.append(f"{view.folder}: the manifest changed since the release was written")
        else:
            click.echo(f"{view.folder}: {count} files match the manifest")
    if problems:
        raise UserError("; ".join(problems))
    if not listed:
        click.echo("no release has been archived yet")
