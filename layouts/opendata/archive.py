"""The archive (/data/archive): every release, its manifest and checksums, and its files."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html

from aim.opendata import ReleaseView
from aim.schemas import SiteInfo
from layouts.components import demonstration_notice
from layouts.opendata.catalog import breadcrumb, section_nav, table, when


def skeleton() -> html.Div:
    return html.Div(html.H1("Archive"))


def _row(r: ReleaseView, datasets: Sequence[str]) -> html.Tr:
    base = f"/data/archive/{r.folder}"
    return html.Tr(
        [
            html.Th(when(r.release_date), scope="row"),
            html.Td(
                [
                    html.A("Manifest", href=f"{base}/manifest.json"),
                    ", ",
                    html.A("SHA256SUMS", href=f"{base}/SHA256SUMS"),
                    ", ",
                    html.A("data package", href=f"{base}/datapackage.json"),
                ]
            ),
            html.Td(
                [
                    item
                    for i, slug in enumerate(datasets)
                    for item in ([", "] if i else []) + [html.A(slug, href=f"{base}/{slug}.csv", download="")]
                ]
            ),
            html.Td(f"{r.file_count} files, {r.total_bytes / 1_000_000:.1f} MB"),
            html.Td(html.Code(r.manifest_sha256[:16] + "\u2026", title=r.manifest_sha256)),
        ]
    )


def build_archive(releases: Sequence[ReleaseView], datasets: Sequence[str], site: SiteInfo) -> html.Div:
    return html.Div(
        [
            demonstration_notice(site),
            breadcrumb(("Open data", "/data"), ("Archive", None)),
            html.H1("Archive"),
            section_nav("/data/archive"),
            html.P(
                "Each publication of the city's performance data is archived here as it was published, "
                "and is never changed afterwards: a correction appears in the next release. Each release "
                "has a manifest of SHA-256 checksums; SHA256SUMS can be checked with `sha256sum -c`.",
                className="lead",
            ),
            table(
                "Releases, newest first",
                ("Release", "Checks", "Datasets (CSV)", "Size", "Manifest checksum"),
                [_row(r, datasets) for r in releases],
            )
            if releases
            else html.P("No release has been archived yet.", className="text-body-secondary"),
        ]
    )
