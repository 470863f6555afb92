"""The methodology page loader: docs/methodology.md, and how often each measure is updated."""

from __future__ import annotations

from aim.config import ROOT
from aim.services.catalog import update_schedule
from aim.services.site import site_info
from callbacks._common import page, runtime
from layouts.public import pages

METHODOLOGY = ROOT / "docs" / "methodology.md"


@page(pages.methodology_skeleton)
def layout(**_query):
    rt = runtime()
    with rt.database.read() as session:
        return pages.build_methodology(
            METHODOLOGY.read_text(encoding="utf-8"), update_schedule(session, rt.calendar), site_info(session)
        )


@page(pages.not_found_skeleton)
def not_found(**_query):
    from flask import request

    # The router calls this for unknown paths; the path the reader asked for is in the request.
    return pages.build_not_found(_asked_path(request))


def _asked_path(request) -> str:
    body = request.get_json(silent=True) or {}
    for item in body.get("inputs", []):
        if item.get("property") == "pathname":
            return str(item.get("value"))[:200]
    return request.path
