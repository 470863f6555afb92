"""What every page loader and callback needs: the process's Runtime, and the `page` wrapper.

Dash 4 calls every page's layout once with no arguments to build a validation layout, and sends
that layout to every browser inside the index page. So a page loader must never run outside a
callback: there it would freeze data at the first request and show it to whoever asks next.
`page` returns the page's data-free skeleton instead (the ids its callbacks need).
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from dash import ctx
from dash.exceptions import MissingCallbackContextException
from flask import current_app

from aim.runtime import Runtime

EXTENSION = "aim"


def runtime() -> Runtime:
    return current_app.extensions[EXTENSION]


def in_callback() -> bool:
    try:
        ctx.triggered_id  # noqa: B018 - raises outside a callback
    except (MissingCallbackContextException, LookupError):
        # LookupError: in a thread where no callback ever ran, the context variable is unset.
        return False
    return True


def page(skeleton: Callable[[], object]):
    """Decorate a page loader: outside a callback (validation), return `skeleton()` instead."""

    def decorate(loader):
        @functools.wraps(loader)
        def layout(**kwargs):
            if not in_callback():
                return skeleton()
            return loader(**kwargs)

        return layout

    return decorate
