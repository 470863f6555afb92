"""Wires the dashboard together: settings, database, Bootstrap served locally, pages and callbacks.

`create_app()` builds the Dash app; `server` (the Flask app, for gunicorn: `gunicorn app:server`)
and `app` are built on first access, so importing this module has no side effects.
"""
from __future__ import annotations

from pathlib import Path

import dash
import xstatic.pkg.bootstrap as xbootstrap
from flask import send_from_directory

from aim.config import ROOT, Settings, get_settings
from aim.runtime import Runtime
from callbacks._common import EXTENSION
from layouts import shell

SITE_NAME = "City Performance Dashboard"
BOOTSTRAP_URL = f"/vendor/bootstrap/{xbootstrap.VERSION}"
# Dash's default page, with the document language set (WCAG 3.1.1; axe's html-has-lang).
INDEX_STRING = dash.dash._default_index.replace("<html>", '<html lang="en">', 1)  # noqa: SLF001


def _serve_bootstrap(server) -> None:
    """Bootstrap's CSS from the installed XStatic package: no CDN, no copy in the repository."""
    folder = Path(xbootstrap.BASE_DIR)

    def bootstrap_file(filename: str):
        # The version is in the URL, so a year of caching is safe.
        return send_from_directory(folder, filename, max_age=365 * 24 * 3600)

    server.add_url_rule(f"{BOOTSTRAP_URL}/<path:filename>", "vendor_bootstrap", bootstrap_file)


def _register_pages() -> None:
    from callbacks import home

    dash.register_page("home", path="/", name="Home", title=SITE_NAME, layout=home.layout)


def create_app(settings: Settings | None = None) -> dash.Dash:
    settings = settings or get_settings()
    runtime = Runtime.from_settings(settings)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(ROOT / "assets"),
        external_stylesheets=[f"{BOOTSTRAP_URL}/css/bootstrap.min.css"],
        index_string=INDEX_STRING,
        title=SITE_NAME,
        update_title=None,
        serve_locally=True,
        compress=True,
        enable_mcp=False,
    )
    server = app.server
    server.config.update(SECRET_KEY=runtime.settings.resolved_secret_key(), DEBUG=settings.debug)
    server.extensions[EXTENSION] = runtime
    _serve_bootstrap(server)
    _register_pages()
    app.layout = shell.frame(dash.page_container, site_name=SITE_NAME)
    return app


_built: dict[str, object] = {}


def __getattr__(name: str):
    # PEP 562: build the app the first time gunicorn (or anyone) asks for `server` or `app`.
    if name not in ("app", "server"):
        raise AttributeError(name)
    if "app" not in _built:
        _built["app"] = create_app()
        _built["server"] = _built["app"].server
    return _built[name]
