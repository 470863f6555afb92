"""What each address of the dashboard is: the human title of its page, and whether it exists for
the reader. Dash answers every path with the same page and lets its router draw "not found"; here
the first request of a page gets the HTTP status people and crawlers expect (404 for an unknown
path, or an unknown or hidden priority, measure or department code) and the page's own title."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import dash
from dash import _pages
from flask import g, request

from aim.services.catalog import department_name, priority_title
from aim.services.follow_ups import follow_up
from aim.services.measures import visible_measure
from web.context import current_principal, runtime

SITE_NAME = "City Performance Dashboard"
_TITLE_TAG = re.compile(r"<title>.*?</title>", re.DOTALL)


def titled(text: str) -> str:
    return f"{text} \u2013 {SITE_NAME}"


def _lookup(kind: str, key: str, find: Callable) -> str | None:
    """One query per thing per request: Dash asks for a title more than once while it serves a page."""
    memo = g.setdefault("aim_names", {})
    if (kind, key) not in memo:
        with runtime().database.read() as session:
            memo[(kind, key)] = find(session, key)
    return memo[(kind, key)]


def _visible_name(session, code: str) -> str | None:
    found = visible_measure(session, code, current_principal())
    return found.name if found is not None else None


def _measure_name(code: str) -> str | None:
    return _lookup("measure", code, _visible_name)


def _priority_name(slug: str) -> str | None:
    return _lookup("priority", slug, priority_title)


def _department_name(code: str) -> str | None:
    return _lookup("department", code, department_name)


def measure_title(code: str | None = None) -> str:
    return titled(_measure_name(code or "") or "Measure not found")


def priority_title_of(slug: str | None = None) -> str:
    name = _priority_name(slug or "")
    # A priority's title is often a sentence ("Provide safety ... residents."): no full stop in a tab.
    return titled(name.rstrip(". ") if name else "Priority not found")


def priority_narratives_title(slug: str | None = None) -> str:
    name = _priority_name(slug or "")
    return titled(f"{name.rstrip('. ')}: narratives" if name else "Priority not found")


def department_title(code: str | None = None) -> str:
    return titled(_department_name(code or "") or "Department not found")


def _follow_up_exists(follow_up_id: str | None = None, **_) -> bool:
    text = str(follow_up_id or "")
    if not text.isdigit() or len(text) > 9:
        return False
    return (
        _lookup("follow_up", text, lambda s, key: follow_up(s, int(key), user=current_principal()))
        is not None
    )


#: For each page with a code in its path: does the thing named exist for this reader?
_EXISTS: dict[str, Callable[..., bool]] = {
    "measure": lambda code=None, **_: _measure_name(code or "") is not None,
    "priority": lambda slug=None, **_: _priority_name(slug or "") is not None,
    "priority_narratives": lambda slug=None, **_: _priority_name(slug or "") is not None,
    "department": lambda code=None, **_: _department_name(code or "") is not None,
    # A follow-up the reader may not read answers 404, like one that does not exist.
    "follow_up": _follow_up_exists,
}


def answer(app: dash.Dash, path: str) -> tuple[int, str]:
    """The HTTP status and the tab title of the page at `path`, for the signed-in reader."""
    page, variables = _pages._path_to_page(app.strip_relative_path(path) or "")  # noqa: SLF001
    if not page or page.get("module") == "not_found_404":
        return 404, titled("Page not found")
    exists = _EXISTS.get(page["module"])
    status = 404 if exists is not None and not exists(**(variables or {})) else 200
    title = page["title"]
    return status, title(**(variables or {})) if callable(title) else title


def _answering(app: dash.Dash, view: Callable) -> Callable:
    def index(*args, **kwargs):
        status, title = answer(app, request.path)
        page = view(*args, **kwargs)
        # The title is in the HTML, so the tab (and a search engine) has it before any script runs.
        return _TITLE_TAG.sub(lambda _m: f"<title>{html.escape(title)}</title>", page, count=1), status

    return index


#: The pages whose content depends on published data and the address only, the same for every
#: reader who is not signed in: web/public_cache.py keeps their router answers.
PUBLIC_PAGES = frozenset(
    {"home", "priority", "browse", "measure", "departments", "department", "methodology"}
)


def is_public_page(app: dash.Dash, path: str) -> bool:
    page, _variables = _pages._path_to_page(app.strip_relative_path(path) or "")  # noqa: SLF001
    return bool(page) and page.get("module") in PUBLIC_PAGES


def install(app: dash.Dash) -> None:
    """Wrap Dash's index views ("/" and every other path) so that they answer with the status and
    title of the page asked for."""
    server = app.server
    prefix = app.config.routes_pathname_prefix
    for endpoint in (prefix, f"{prefix}<path:path>"):
        server.view_functions[endpoint] = _answering(app, server.view_functions[endpoint])
