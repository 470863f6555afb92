"""The guards around every route: NUL refused at the edge, the gate in front of Dash's callbacks
(declared policy, strict JSON, each value's shape), security headers with a Content-Security-Policy
built from Dash's own script hashes, no-store for private answers, cookie and size limits, generic
error pages and 404s for unknown component files, and, only when asked, Server-Timing.

The gate enforces the policies the callbacks declare (callbacks/_policy.py); app.py hands it that
registry, so that the API and the callbacks never import each other."""

from __future__ import annotations

import json
import logging
import time
from functools import wraps
from html import escape
from typing import Protocol

import dash
from dash.exceptions import DependencyException
from flask import Flask, Response, g, jsonify, request, session
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from aim.auth import Policy, allows
from aim.config import Settings
from api.limiting import audit_refusal, bounded
from web.context import current_principal, runtime

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"


class CallbackPolicies(Protocol):
    """Who may call each Dash callback, as declared beside the callbacks (callbacks/_policy.py)."""

    def policy_for(self, output: str) -> Policy | None: ...

    def check_declared(self, app: dash.Dash) -> None: ...


def init_timing(server: Flask, settings: Settings) -> None:
    """Server-Timing: the server's own time for each response, for make bench and browser dev
    tools; only with AIM_SERVER_TIMING, since it tells anyone how long each request took."""
    if not settings.server_timing:
        return

    @server.before_request
    def _start_clock() -> None:
        g.aim_started = time.perf_counter()

    @server.after_request
    def _stop_clock(response: Response) -> Response:
        started = g.get("aim_started")
        if started is not None:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


def init_security(app: dash.Dash, settings: Settings, policies: CallbackPolicies) -> None:
    server = app.server
    server.config.update(
        SESSION_COOKIE_NAME="aim_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.https,
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        PREFERRED_URL_SCHEME="https" if settings.https else "http",
    )
    if settings.proxy_hops:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    _hide_python_version(app)
    # After Dash's own before_request hooks, which only set Dash up (and register the page router
    # at the first request): the gate then knows every callback's declared shape.
    server.before_request(_refuse_nul)
    server.before_request(_dev_only)
    server.before_request(_gate(policies))
    server.after_request(_headers(app, settings))
    _component_files_or_404(server)
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(Exception, _server_error)


def _refuse(status: int, message: str, detail: str):
    """Refuse a request. A 403 goes to the audit log, but only so many per client and window
    (api/limiting.py): beyond that the client gets 429 and its refusals are summarised."""
    if status == 403:
        retry_after = audit_refusal(detail)
        if retry_after is not None:
            message = "Too many refused requests from your address. Wait a minute, then try again."
            return jsonify({"error": message}), 429, {"Retry-After": str(retry_after)}
    return jsonify({"error": message}), status


NUL_MESSAGE = "The request contains a NUL character (%00), which no address, parameter or field accepts."


def _has_nul(texts) -> bool:
    return any("\x00" in text for text in texts)


def _refuse_nul():
    """Refuse NUL in the path, the query and form fields at the edge, before anything reads them:
    PostgreSQL cannot store or compare text containing NUL (a 500), SQLite would. JSON bodies
    (callbacks) are checked by the gate with every other value."""
    args = request.args
    if (
        "\x00" in request.path
        or _has_nul(args.keys())
        or _has_nul(v for values in args.listvalues() for v in values)
        or (
            request.method in ("POST", "PUT", "PATCH") and request.mimetype in _FORM_TYPES and _form_has_nul()
        )
    ):
        return _bad_request(NUL_MESSAGE)
    return None


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _form_has_nul() -> bool:
    form = request.form
    return _has_nul(form.keys()) or _has_nul(v for values in form.listvalues() for v in values)


def _bad_request(message: str):
    if _wants_json():
        return jsonify({"error": message}), 400
    return _html_page("Bad request", message, 400)


def _hide_python_version(app: dash.Dash) -> None:
    """Dash puts the server's exact Python version in every page's config; the browser has no use
    for it, an attacker matching known flaws has."""
    config = app._config  # noqa: SLF001

    def without_python_version() -> dict:
        return {k: v for k, v in config().items() if k != "python_version"}

    setattr(app, "_config", without_python_version)  # noqa: B010 - an instance attribute on purpose


COMPONENT_SUITES = "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"


def _component_files_or_404(server: Flask) -> None:
    """Dash serves its components' files from the installed packages; a path it does not know
    raised out of the view as a 500 with a long traceback (thousands in a traversal scan). Such a
    path is a plain 404: Dash's own check refuses it, or the file does not exist."""
    endpoint = next(r.endpoint for r in server.url_map.iter_rules() if r.rule == COMPONENT_SUITES)
    view = server.view_functions[endpoint]

    @wraps(view)
    def serve(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (DependencyException, OSError, KeyError, ValueError):
            # Unregistered package or path, a missing file, or a package that is not loaded.
            raise NotFound("No such file.") from None

    server.view_functions[endpoint] = serve


def _dev_only():
    # Dash's hot-reload endpoint lists served files; only a debug (development) server needs it.
    if request.path == "/_reload-hash" and not runtime().settings.debug:
        return jsonify({"error": "Not found."}), 404
    return None


def _gate(policies: CallbackPolicies):
    """Every callback request: its `output` names a declared callback, and the session's user is
    allowed to call it. The inputs play no part in the decision: any client can forge them."""

    def gate():
        if request.path != CALLBACK_PATH:
            return None
        if request.method != "POST":
            return jsonify({"error": "Callbacks are called with POST."}), 405
        body = _strict_json()
        if body is None:
            return jsonify({"error": "The request body is not JSON (NaN and Infinity are not JSON)."}), 400
        if not isinstance(body, dict) or not isinstance(body.get("output"), str):
            return jsonify({"error": "A callback request is a JSON object with an 'output'."}), 400
        problem = _nesting_or_nul(body)
        if problem:
            return jsonify({"error": f"The request was refused: {problem}."}), 400
        output = body["output"]
        app = dash.get_app()
        policies.check_declared(app)
        policy = policies.policy_for(output)
        if policy is None:
            return _refuse(403, "No such callback.", f"undeclared callback {bounded(output)}")
        if not allows(policy, current_principal()):
            return _refuse(403, "Not allowed.", f"callback {bounded(output)} refused to this user")
        problem = _shape_problem(body, app.callback_map.get(output))
        if problem:
            return jsonify({"error": f"The request does not match the callback: {problem}."}), 400
        problem = _value_problem(body)
        if problem:
            return jsonify({"error": f"The request was refused: {problem}."}), 400
        return None

    return gate


#: How deep a callback request may nest. Dash's own requests nest a few levels; a value nested
#: thousands deep exists only to exhaust the recursion of whatever walks it.
MAX_DEPTH = 32


class _NotJson(ValueError):
    pass


def _no_constants(name: str):
    raise _NotJson(name)


def _strict_json() -> object | None:
    """The body as strict JSON (no NaN or Infinity), or None. Nesting too deep for the parser
    raises RecursionError, which Flask's get_json(silent=True) lets through as a 500."""
    try:
        return json.loads(request.get_data(cache=True), parse_constant=_no_constants)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _nesting_or_nul(body: object) -> str | None:
    """Walk the whole body without recursion: too deep, or text with NUL in it."""
    stack: list[tuple[object, int]] = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return f"values nest deeper than {MAX_DEPTH} levels"
        if isinstance(value, str):
            if "\x00" in value:
                return NUL_MESSAGE.rstrip(".")
        elif isinstance(value, dict):
            if _has_nul(value):
                return NUL_MESSAGE.rstrip(".")
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return None


def _is_path(value: object) -> bool:
    return isinstance(value, str) and value.startswith("/") and len(value) <= 2_000


def _is_query(value: object) -> bool:
    return value is None or (
        isinstance(value, str) and (value == "" or value[0] == "?") and len(value) <= 2_000
    )


def _is_hash(value: object) -> bool:
    return value is None or (
        isinstance(value, str) and (value == "" or value[0] == "#") and len(value) <= 2_000
    )


def _is_count(value: object) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _is_choice(value: object) -> bool:
    # A dropdown, radio or input value: one plain value, or a flat list of them (multi-select).
    return _is_scalar(value) or (isinstance(value, list) and all(_is_scalar(v) for v in value))


#: What a callback input or state may hold, by property name: the shapes Dash components send.
#: Properties not listed get the checks every value gets (strict JSON, depth, no NUL); a callback
#: whose service takes a value checks its meaning there too.
PROPERTY_SHAPES = {
    "pathname": (_is_path, "a path starting with /"),
    "search": (_is_query, 'empty or a query string starting with "?"'),
    "hash": (_is_hash, 'empty or a fragment starting with "#"'),
    "href": (lambda v: v is None or (isinstance(v, str) and len(v) <= 4_000), "an address"),
    "n_clicks": (_is_count, "a count (a whole number, 0 or more)"),
    "n_submit": (_is_count, "a count (a whole number, 0 or more)"),
    "n_blur": (_is_count, "a count (a whole number, 0 or more)"),
    "value": (_is_choice, "a plain value or a list of plain values"),
}


def _value_problem(body: dict) -> str | None:
    """Check each input's and state's value against its property's shape (PROPERTY_SHAPES)."""
    for item in [*body.get("inputs", []), *body.get("state", [])]:
        shape = PROPERTY_SHAPES.get(item["property"])
        if shape is not None and not shape[0](item.get("value")):
            component = item["id"] if isinstance(item["id"], str) else json.dumps(item["id"], sort_keys=True)
            return f"{bounded(component, 60)}.{item['property']} must be {shape[1]}"
    return None


def _pairs(items) -> list[tuple[str, str]] | None:
    """(id, property) of each item, ids of pattern-matching callbacks as their sorted keys."""
    if not isinstance(items, list):
        return None
    pairs = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("property"), str):
            return None
        component = item.get("id")
        if isinstance(component, dict):
            component = "{" + ",".join(sorted(map(str, component))) + "}"
        elif not isinstance(component, str):
            return None
        pairs.append((component, item["property"]))
    return pairs


def _declared(items) -> list[tuple[str, str]]:
    return [
        ("{" + ",".join(sorted(i["id"])) + "}" if isinstance(i["id"], dict) else i["id"], i["property"])
        for i in items
    ]


def _shape_problem(body: dict, spec: dict | None) -> str | None:
    """Compare the ids and properties a request names with the callback's declaration (values are
    the callback's business). Dash would fail on a mismatch deep inside with a 500; this says 400."""
    if spec is None:
        return "unknown callback"
    outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    declared_outputs = [(o.component_id_str(), o.component_property) for o in outputs]
    sent_outputs = body.get("outputs")
    sent_outputs = _pairs(sent_outputs if isinstance(sent_outputs, list) else [sent_outputs])
    if sent_outputs is None or [(str(i), p) for i, p in sent_outputs] != declared_outputs:
        return "outputs"
    if _pairs(body.get("inputs")) != _declared(spec["inputs"]):
        return "inputs"
    if _pairs(body.get("state", [])) != _declared(spec["state"]):
        return "state"
    return None


def _csp(app: dash.Dash, settings: Settings) -> str:
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *app.csp_hashes()]),  # the hashes come quoted
        # React and Plotly set inline styles; they cannot run code.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    if settings.https:
        directives["upgrade-insecure-requests"] = ""
    return "; ".join(f"{k} {v}".strip() for k, v in directives.items())


def _headers(app: dash.Dash, settings: Settings):
    cache: dict[int, str] = {}

    def add(response: Response) -> Response:
        # Dash adds the page router's inline script at the first request: recompute when it grows.
        count = len(app._inline_scripts)  # noqa: SLF001
        if count not in cache:
            cache.clear()
            cache[count] = _csp(app, settings)
        headers = response.headers
        headers["Content-Security-Policy"] = cache[count]
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        headers["X-Frame-Options"] = "DENY"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        if settings.https:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if _private(response):
            headers["Cache-Control"] = "no-store"
        elif request.path.startswith("/assets/") and request.args.get("m") and response.status_code == 200:
            # Dash names our assets with their modification time (?m=...): a new file is a new
            # URL, so the browser may keep each one for a year without asking again.
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    return add


#: Responses that may be personal or internal whoever asks: account pages, internal pages and
#: callbacks (a callback answer may carry internal figures; its inputs are forgeable anyway).
_PRIVATE_PATHS = ("/login", "/logout", "/account/password", CALLBACK_PATH)
#: Files that are the same for everyone, whoever is signed in: cacheable.
_STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/vendor/", "/_favicon.ico")


def _private(response: Response) -> bool:
    path = request.path
    if path in _PRIVATE_PATHS or path.startswith("/internal"):
        return True
    # Anything else served to a signed-in user (the layout with their email and CSRF token, the
    # page shell) must not be kept by a browser or proxy cache either; static files may.
    # Static paths first: looking into the session adds "Vary: Cookie", which static files need not.
    return not path.startswith(_STATIC_PREFIXES) and "_user_id" in session


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/_dash-"))


def _http_error(error: HTTPException):
    if _wants_json():
        return jsonify({"error": error.description or error.name}), error.code
    return error


def _server_error(error: Exception):
    """Whatever went wrong stays in the log; the client gets a generic message, never a traceback."""
    if isinstance(error, HTTPException):
        return _http_error(error)
    log.exception("Unhandled error on %s %s", request.method, request.path)
    message = "Something went wrong on our side. Please try again later."
    if _wants_json():
        return jsonify({"error": message}), 500
    return _html_page("Error", message, 500)


def _html_page(title: str, message: str, status: int) -> Response:
    return Response(
        f'<!DOCTYPE html><html lang="en"><head><title>{escape(title)}</title></head><body><main>'
        f"<h1>{escape(title)}</h1><p>{escape(message)}</p></main></body></html>",
        status=status,
        mimetype="text/html",
    )
