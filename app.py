"""Wires the dashboard together: settings, database, Bootstrap served locally, pages and callbacks.

`create_app()` builds the Dash app; `server` (the Flask app, for gunicorn: `gunicorn app:server`)
and `app` are built on first access, so importing this module has no side effects.
"""

from __future__ import annotations

from pathlib import Path

import dash
import xstatic.pkg.bootstrap as xbootstrap
from flask import g, has_request_context, send_from_directory
from flask_wtf.csrf import generate_csrf

from aim.auth import is_signed_in
from aim.config import ROOT, Settings, get_settings
from aim.runtime import Runtime, settle_collector
from api import accounts, downloads, security
from api import opendata as api_opendata
from api import v1 as api_v1
from callbacks import _policy as callback_policies
from callbacks import routing
from layouts import shell
from web import compression, public_cache
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


def _register_fixed(pages) -> None:
    """Pages at a fixed path, titled by their name: rows of (module, path, name, layout, order).
    An order makes Dash try the page before the templated paths that would also match it."""
    for module, path, name, layout, order in pages:
        dash.register_page(
            module, path=path, name=name, title=routing.titled(name), layout=layout, order=order
        )


def _register_pages() -> None:
    from callbacks.budget import departments, workbench
    from callbacks.public import browse, department, home, measure, methodology, narratives, priority
    from callbacks.staff import follow_ups, internal, review, targets, workflow
    from callbacks.staff import narratives as narrative_desk

    dash.register_page("home", path="/", name="Home", title=SITE_NAME, layout=home.layout, order=0)
    dash.register_page(
        "browse",
        path="/measures",
        name="Measures",
        title=routing.titled("All measures"),
        layout=browse.layout,
    )
    dash.register_page(
        "not_found_404",
        path="/404",
        name="Not found",
        title=routing.titled("Page not found"),
        layout=methodology.not_found,
    )
    _register_fixed(
        (
            ("departments", "/departments", "Departments", departments.layout, None),
            ("methodology", "/methodology", "Methodology", methodology.layout, None),
            ("analysis", "/analysis", "Analyst workbench", workbench.layout, None),
            ("internal_measures", "/internal/measures", "Internal measures", internal.layout, None),
            ("reporting", "/reporting", "My reporting", workflow.reporting_layout, None),
            ("upload", "/reporting/upload", "Upload values", workflow.upload_layout, None),
            ("review", "/review", "Review queue", workflow.review_layout, None),
            ("review_room", "/review-room", "Review room", review.layout, None),
            ("review_list", "/review-room/measures", "Measures under review", review.list_layout, None),
            ("briefing", "/briefing", "Briefing", review.briefing_page, None),
            ("narratives", "/review-room/narratives", "Priority narratives", narrative_desk.layout, None),
            # Follow-ups (issue 12): numbered before /follow-ups/<follow_up_id>, which Dash would
            # otherwise also match for "new".
            ("follow_ups", "/follow-ups", "Follow-ups", follow_ups.list_layout, 30),
            ("follow_up_new", "/follow-ups/new", "New follow-up", follow_ups.new_layout, 31),
            ("agenda", "/agenda", "Meeting agenda", follow_ups.agenda_layout, 33),
        )
    )
    # Pages whose path holds a part of the URL, titled from it.
    for module, template, name, title, layout, order in (
        ("priority", "/priorities/<slug>", "Priority", routing.priority_title_of, priority.layout, None),
        # Numbered so that Dash tries it before /priorities/<slug>, whose <slug> would take the rest.
        (
            "priority_narratives",
            "/priorities/<slug>/narratives",
            "Narratives",
            routing.priority_narratives_title,
            narratives.layout,
            9,
        ),
        ("measure", "/measures/<code>", "Measure", routing.measure_title, measure.layout, None),
        (
            "department",
            "/departments/<code>",
            "Department",
            routing.department_title,
            department.layout,
            None,
        ),
        (
            "figure",
            "/reporting/<code>/<period>",
            "Figure",
            lambda code=None, period=None: routing.titled(f"{code} {period}"),
            workflow.figure_layout,
            None,
        ),
        (
            "targets",
            "/targets/<code>",
            "Targets",
            lambda code=None: routing.titled(f"Targets of {code}"),
            targets.layout,
            None,
        ),
        (
            "follow_up",
            "/follow-ups/<follow_up_id>",
            "Follow-up",
            lambda follow_up_id=None: routing.titled(f"Follow-up {str(follow_up_id)[:12]}"),
            follow_ups.detail_layout,
            32,
        ),
    ):
        dash.register_page(module, path_template=template, name=name, title=title, layout=layout, order=order)
    _register_open_data_pages()


def _register_open_data_pages() -> None:
    from callbacks.opendata import archive, catalog, inventory, manage

    # Numbered so that Dash tries the fixed paths before /data/<slug> (it matches in that order).
    _register_fixed(
        (
            ("open_data", "/data", "Open data", catalog.layout, 10),
            ("open_data_inventory", "/data/inventory", "Data inventory", inventory.layout, 11),
            ("open_data_requests", "/data/requests", "Data requests", inventory.requests, 12),
            ("open_data_archive", "/data/archive", "Archive", archive.layout, 13),
            ("open_data_manage", "/data/manage", "Open data desk", manage.layout, 14),
        )
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
    download and the public pages' router answers for readers who are not signed in. None with
    AIM_PUBLIC_CACHE off: then every answer is computed afresh (make bench times pages so)."""
    if not settings.public_cache:
        return
    server = app.server
    public_cache.init(server, settings.redis_url, timeout=settings.redis_timeout)
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
        compress=False,  # web/compression.py sets Flask-Compress up, with CSV and refusals
        enable_mcp=False,
        # Dash's social-card tags echo the request's URL, Host header included (a forged Host would
        # be served back); the page describes itself in one static tag instead.
        include_pages_meta=False,
        meta_tags=[{"name": "description", "content": DESCRIPTION}],
    )
    server = app.server
    # The endpoints that send files as stored: Dash's assets, the vendored Bootstrap and Plotly,
    # an archived release's files.
    compression.install(
        server,
        files=("_dash_assets.static", "vendor_bootstrap", "vendor_plotly_basic", "opendata.archived_file"),
    )
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
        # Everything loaded so far out of the cyclic collector's way, and fewer collections during
        # a large page (measured: p90 of the 2,500-measure scorecard 220 -> 163 ms by the freeze).
        settle_collector()
    app = _built["app"]
    return app if name == "app" else app.server
