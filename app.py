"""Wires the dashboard together: settings, database, Bootstrap served locally, pages and callbacks.

`create_app()` builds the Dash app; `server` (the Flask app, for gunicorn: `gunicorn app:server`)
and `app` are built on first access, so importing this module has no side effects.
"""

from __future__ import annotations

import gc
from pathlib import Path

import dash
import xstatic.pkg.bootstrap as xbootstrap
from flask import g, has_request_context, send_from_directory
from flask_wtf.csrf import generate_csrf

from aim.auth import is_signed_in
from aim.config import ROOT, Settings, get_settings
from aim.runtime import Runtime
from api import accounts, downloads, security
from api import opendata as api_opendata
from api import v1 as api_v1
from callbacks import _policy as callback_policies
from callbacks import routing
from layouts import shell
from web import public_cache
from web.context import EXTENSION, current_principal

SITE_NAME = routing.SITE_NAME
DESCRIPTION = "How the city is doing on its priorities: public measures, targets and published results."
BOOTSTRAP_URL = f"/vendor/bootstrap/{xbootstrap.VERSION}"
# Dash's default page, with two changes: the document language is set (WCAG 3.1.1), and Dash's
# scripts are not wrapped in a <footer>, which would be a second "contentinfo" landmark.
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""


def _serve_bootstrap(server) -> None:
    """Bootstrap's CSS from the installed XStatic package: no CDN, no copy in the repository."""
    folder = Path(xbootstrap.BASE_DIR)

    def bootstrap_file(filename: str):
        # The version is in the URL, so a year of caching is safe.
        return send_from_directory(folder, filename, max_age=365 * 24 * 3600)

    server.add_url_rule(f"{BOOTSTRAP_URL}/<path:filename>", "vendor_bootstrap", bootstrap_file)


# Where Dash's renderer loads Plotly from for dcc.Graph (window._dashPlotlyJSURL when serving
# locally): only pages that draw a chart ask for it.
DASH_PLOTLY_PATH = "/_dash-component-suites/plotly/package_data/plotly.min.js"
PLOTLY_BASIC = ROOT / "vendor" / "plotly.js-basic-dist-min" / "plotly-basic.min.js"


def _serve_plotly_basic(server) -> None:
    """Plotly's basic bundle (scatter, bar, pie: 1.2 MB) where Dash looks for the full one
    (4.8 MB); the charts use scatter traces only. See vendor/plotly.js-basic-dist-min/README.md."""

    def plotly_basic():
        # Its URL has no version in it: a day of caching, then the ETag revalidates. Flask-Compress
        # sends it compressed (br or zstd) to browsers, 1.2 MB -> about 0.35 MB.
        return send_from_directory(PLOTLY_BASIC.parent, PLOTLY_BASIC.name, max_age=24 * 3600)

    # A rule without variables outranks Dash's /_dash-component-suites/<package>/<path> rule.
    server.add_url_rule(DASH_PLOTLY_PATH, "vendor_plotly_basic", plotly_basic)


def _register_pages() -> None:
    from callbacks.budget import departments, workbench
    from callbacks.public import browse, department, home, measure, methodology, narratives, priority
    from callbacks.staff import follow_ups, internal, review, targets, workflow
    from callbacks.staff import narratives as narrative_desk

    dash.register_page("home", path="/", name="Home", title=SITE_NAME, layout=home.layout, order=0)
    dash.register_page(
        "priority",
        path_template="/priorities/<slug>",
        name="Priority",
        title=routing.priority_title_of,
        layout=priority.layout,
    )
    dash.register_page(
        "priority_narratives",
        path_template="/priorities/<slug>/narratives",
        name="Narratives",
        title=routing.priority_narratives_title,
        layout=narratives.layout,
        # Numbered so that Dash tries it before /priorities/<slug>, whose <slug> would take the rest.
        order=9,
    )
    dash.register_page(
        "browse",
        path="/measures",
        name="Measures",
        title=routing.titled("All measures"),
        layout=browse.layout,
    )
    dash.register_page(
        "measure",
        path_template="/measures/<code>",
        name="Measure",
        title=routing.measure_title,
        layout=measure.layout,
    )
    dash.register_page(
        "departments",
        path="/departments",
        name="Departments",
        title=routing.titled("Departments"),
        layout=departments.layout,
    )
    dash.register_page(
        "department",
        path_template="/departments/<code>",
        name="Department",
        title=routing.department_title,
        layout=department.layout,
    )
    dash.register_page(
        "methodology",
        path="/methodology",
        name="Methodology",
        title=routing.titled("Methodology"),
        layout=methodology.layout,
    )
    _register_open_data_pages()
    dash.register_page(
        "not_found_404",
        path="/404",
        name="Not found",
        title=routing.titled("Page not found"),
        layout=methodology.not_found,
    )
    dash.register_page(
        "analysis",
        path="/analysis",
        name="Analyst workbench",
        title=routing.titled("Analyst workbench"),
        layout=workbench.layout,
    )
    dash.register_page(
        "internal_measures",
        path="/internal/measures",
        name="Internal measures",
        title=routing.titled("Internal measures"),
        layout=internal.layout,
    )
    dash.register_page(
        "reporting",
        path="/reporting",
        name="My reporting",
        title=routing.titled("My reporting"),
        layout=workflow.reporting_layout,
    )
    dash.register_page(
        "upload",
        path="/reporting/upload",
        name="Upload values",
        title=routing.titled("Upload values"),
        layout=workflow.upload_layout,
    )
    dash.register_page(
        "figure",
        path_template="/reporting/<code>/<period>",
        name="Figure",
        title=lambda code=None, period=None: routing.titled(f"{code} {period}"),
        layout=workflow.figure_layout,
    )
    dash.register_page(
        "targets",
        path_template="/targets/<code>",
        name="Targets",
        title=lambda code=None: routing.titled(f"Targets of {code}"),
        layout=targets.layout,
    )
    dash.register_page(
        "review",
        path="/review",
        name="Review queue",
        title=routing.titled("Review queue"),
        layout=workflow.review_layout,
    )
    dash.register_page(
        "review_room",
        path="/review-room",
        name="Review room",
        title=routing.titled("Review room"),
        layout=review.layout,
    )
    dash.register_page(
        "review_list",
        path="/review-room/measures",
        name="Measures under review",
        title=routing.titled("Measures under review"),
        layout=review.list_layout,
    )
    dash.register_page(
        "briefing",
        path="/briefing",
        name="Briefing",
        title=routing.titled("Briefing"),
        layout=review.briefing_page,
    )
    dash.register_page(
        "narratives",
        path="/review-room/narratives",
        name="Priority narratives",
        title=routing.titled("Priority narratives"),
        layout=narrative_desk.layout,
    )
    # Follow-ups (issue 12): the fixed paths are numbered before /follow-ups/<follow_up_id>, which
    # Dash would otherwise also match for "new".
    for name, path, title, layout, order in (
        ("follow_ups", "/follow-ups", "Follow-ups", follow_ups.list_layout, 30),
        ("follow_up_new", "/follow-ups/new", "New follow-up", follow_ups.new_layout, 31),
        ("agenda", "/agenda", "Meeting agenda", follow_ups.agenda_layout, 33),
    ):
        dash.register_page(
            name, path=path, name=title, title=routing.titled(title), layout=layout, order=order
        )
    dash.register_page(
        "follow_up",
        path_template="/follow-ups/<follow_up_id>",
        name="Follow-up",
        title=lambda follow_up_id=None: routing.titled(f"Follow-up {str(follow_up_id)[:12]}"),
        layout=follow_ups.detail_layout,
        order=32,
    )


def _register_open_data_pages() -> None:
    from callbacks.opendata import archive, catalog, inventory, manage

    # Numbered so that Dash tries the fixed paths before /data/<slug> (it matches in that order).
    dash.register_page(
        "open_data",
        path="/data",
        name="Open data",
        title=routing.titled("Open data"),
        layout=catalog.layout,
        order=10,
    )
    for name, path, title, layout, order in (
        ("open_data_inventory", "/data/inventory", "Data inventory", inventory.layout, 11),
        ("open_data_requests", "/data/requests", "Data requests", inventory.requests, 12),
        ("open_data_archive", "/data/archive", "Archive", archive.layout, 13),
        ("open_data_manage", "/data/manage", "Open data desk", manage.layout, 14),
    ):
        dash.register_page(
            name, path=path, name=title, title=routing.titled(title), layout=layout, order=order
        )
    dash.register_page(
        "open_dataset",
        path_template="/data/<slug>",
        name="Dataset",
        title=lambda slug=None: routing.titled(f"Dataset {slug}"),
        layout=catalog.dataset,
        order=19,
    )


def _frame():
    """The page frame: with the staff bar for a signed-in user, but only while Dash serves
    /_dash-layout to that user. Dash also calls this to build the validation layout it sends to
    every visitor; there it must be the public frame, whoever made the request."""
    user, token = None, None
    if has_request_context() and g.get("aim_serving_layout"):
        principal = current_principal()
        if is_signed_in(principal):
            user, token = principal, generate_csrf()
    return shell.frame(dash.page_container, site_name=SITE_NAME, user=user, csrf_token=token)


def _mark_layout_requests(server) -> None:
    view = server.view_functions["/_dash-layout"]

    def serve_layout(*args, **kwargs):
        g.aim_serving_layout = True
        return view(*args, **kwargs)

    server.view_functions["/_dash-layout"] = serve_layout


#: Flask endpoints whose answers depend on published data and the query string only.
CACHED_ENDPOINTS = frozenset(
    {"downloads.measures"}
    | {f"api_v1.{name}" for name in ("priorities", "measures", "measure", "series_json", "series_csv")}
    | {f"api_v1.{name}" for name in ("scorecard_endpoint", "departments", "department", "budgets")}
    | {"api_v1.budgets_csv"}
)


def _cache_published(app: dash.Dash, settings: Settings) -> None:
    """Published figures cached by data version (web/public_cache.py): the API, the public
    download and the public pages' router answers for readers who are not signed in."""
    server = app.server
    public_cache.init(server, settings.redis_url)
    public_cache.cache_routes(server, CACHED_ENDPOINTS.__contains__)
    public_cache.cache_page_router(
        server,
        router_output=callback_policies.ROUTER_OUTPUT,
        cacheable_path=lambda path: routing.is_public_page(app, path),
    )


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
        update_title="",  # the tab title stays put while callbacks run
        serve_locally=True,
        compress=True,
        enable_mcp=False,
        # Dash's social-card tags echo the request's URL, Host header included (a forged Host would
        # be served back); the page describes itself in one static tag instead.
        include_pages_meta=False,
        meta_tags=[{"name": "description", "content": DESCRIPTION}],
    )
    server = app.server
    server.config.update(SECRET_KEY=runtime.settings.resolved_secret_key(), DEBUG=settings.debug)
    server.extensions[EXTENSION] = runtime
    security.init_timing(server, settings)
    security.init_security(app, settings, callback_policies)
    _serve_bootstrap(server)
    _serve_plotly_basic(server)
    server.register_blueprint(api_v1.blueprint)
    server.register_blueprint(api_opendata.blueprint)
    server.register_blueprint(downloads.blueprint)
    accounts.init_accounts(server, settings)
    server.context_processor(lambda: {"bootstrap_css": f"{BOOTSTRAP_URL}/css/bootstrap.min.css"})
    _register_pages()
    app.layout = _frame
    _mark_layout_requests(server)
    routing.install(app)  # 404 for unknown pages and codes, human titles in the HTML
    _cache_published(app, settings)
    callback_policies.check_declared(app)  # refuse to start with a callback nobody declared a policy for
    return app


_built: dict[str, dash.Dash] = {}


def __getattr__(name: str) -> object:
    # PEP 562: build the app the first time gunicorn (or anyone) asks for `server` or `app`.
    if name not in ("app", "server"):
        raise AttributeError(name)
    if "app" not in _built:
        _built["app"] = create_app()
        # Move everything loaded so far (Dash, SQLAlchemy, pandas...) out of the cyclic garbage
        # collector's way: full collections during a large scorecard no longer walk it
        # (measured: p90 of the 2,500-measure scorecard 220 -> 163 ms).
        gc.collect()
        gc.freeze()
    app = _built["app"]
    return app if name == "app" else app.server
