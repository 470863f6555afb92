"""Loaders of the data inventory (/data/inventory) and the community's requests (/data/requests)."""

from __future__ import annotations

from aim.services import data_requests, inventory
from aim.services.site import site_info
from callbacks._common import current_principal, page, runtime
from layouts.opendata import inventory as pages


@page(pages.skeleton)
def layout(**_query):
    with runtime().database.read() as session:
        return pages.build_inventory(inventory.inventory(session, current_principal()), site_info(session))


@page(pages.requests_skeleton)
def requests(sent=None, **_query):
    with runtime().database.read() as session:
        return pages.build_requests(
            data_requests.public_requests(session), site_info(session), sent=sent == "1"
        )
