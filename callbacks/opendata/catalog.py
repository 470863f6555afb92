"""Loaders of the catalog (/data) and of a dataset's page (/data/<slug>)."""

from __future__ import annotations

from aim.services import archive, open_catalog
from aim.services.site import site_info
from callbacks._common import page, runtime
from layouts.opendata import catalog


@page(catalog.skeleton)
def layout(**_query):
    rt = runtime()
    with rt.database.read() as session:
        return catalog.build_catalog(open_catalog.catalog(session, rt.settings), site_info(session))


@page(catalog.skeleton)
def dataset(slug=None, **_query):
    rt = runtime()
    slug = str(slug or "")[:80]
    with rt.database.read() as session:
        view = open_catalog.catalog(session, rt.settings)
        found = view.find(slug)
        if found is None:
            return catalog.dataset_not_found(slug)
        rows = open_catalog.table_rows(session, slug)
        return catalog.build_dataset(
            found,
            view,
            site_info(session),
            len(rows[1]) if rows else None,
            archive.releases(session) if found.kind == "performance" else [],
        )
