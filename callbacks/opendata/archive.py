"""Loader of the archive page (/data/archive)."""

from __future__ import annotations

from aim.services import archive as releases
from aim.services.open_catalog import PERFORMANCE
from aim.services.site import site_info
from callbacks._common import page, runtime
from layouts.opendata import archive


@page(archive.skeleton)
def layout(**_query):
    with runtime().database.read() as session:
        return archive.build_archive(releases.releases(session), list(PERFORMANCE), site_info(session))
