"""The guards around every route: the gate in front of Dash's callbacks, security headers with a
Content-Security-Policy built from Dash's own script hashes, cookie and size limits, generic error
pages, and how long the server worked (Server-Timing).

The gate enforces the policies the callbacks declare (callbacks/_policy.py); app.py hands it that
registry, so that the API and the callbacks never import each other."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from typing import Protocol
from urllib.parse import urlsplit

import dash
from flask import Flask, Response, g, jsonify, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from aim.auth import Policy, allows
from aim.config import Settings
from aim.services import users
from web.context import client_address, current_principal, runtime

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"
#: dash-renderer copies this cookie into the X-CSRFToken header of every callback request.
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
_CSRF_SESSION_KEY = "aim_csrf"


class CallbackPolicies(Protocol):
    """Who may call each Dash callback, as declared beside the callbacks (callbacks/_policy.py)."""

    def policy_for(self, output: str) -> Policy | None: ...

    def is_write(self, output: str) -> bool: ...

    def check_declared(self, app: dash.Dash) -> None: ...


def init_timing(server: Flask) -> None:
    """Server-Timing: the server's own time for each response, for browser dev tools and make bench."""

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
    # After Dash's own before_request hooks, which only set Dash up (and register the page router
    # at the first request): the gate then knows every callback's declared shape.
    server.before_request(_dev_only)
    server.before_request(_gate(policies))
    server.after_request(_headers(app, settings))
    server.after_request(_csrf_cookie(settings))
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(Exception, _server_error)


def _refuse(status: int, message: str, detail: str):
    if status == 403:
        with runtime().database.write() as db:
            principal = current_principal()
            users.record(
                db,
                "denied",
                user_id=principal.user_id,
                email=principal.email or "",
                client_address=client_address(),
                detail=detail[:500],
            )
    return jsonify({"error": message}), status


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
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("output"), str):
            return jsonify({"error": "A callback request is a JSON object with an 'output'."}), 400
        output = body["output"]
        app = dash.get_app()
        policies.check_declared(app)
        policy = policies.policy_for(output)
        if policy is None:
            return _refuse(403, "No such callback.", f"undeclared callback {output[:200]}")
        if not allows(policy, current_principal()):
            return _refuse(403, "Not allowed.", f"callback {output[:200]} refused to this user")
        problem = _shape_problem(body, app.callback_map.get(output))
        if problem:
            return jsonify({"error": f"The request does not match the callback: {problem}."}), 400
        if policies.is_write(output):
            refusal = _write_refusal()
            if refusal:
                return _refuse(403, refusal, f"write callback {output[:200]} refused: {refusal}")
        return None

    return gate


# -- writes: the CSRF token and the origin ---------------------------------------------------------
def _session_token() -> str | None:
    token = session.get(_CSRF_SESSION_KEY)
    return token if isinstance(token, str) and token else None


def _same_origin() -> bool:
    """The request comes from a page of this site: its Origin (or, failing that, its Referer)
    names this scheme, host and port."""
    here = urlsplit(request.host_url)
    claimed = request.headers.get("Origin") or request.headers.get("Referer") or ""
    there = urlsplit(claimed)
    return (there.scheme, there.netloc) == (here.scheme, here.netloc)


def _write_refusal() -> str | None:
    """Why a write callback request must be refused, or None. The token is the session's own
    (double-submit cookie, bound to the signed session so another site cannot plant one)."""
    if not _same_origin():
        return "The request did not come from this site."
    expected = _session_token()
    header = request.headers.get(CSRF_HEADER, "")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not header or not hmac.compare_digest(header, cookie):
        return "The page's security token is missing or expired: reload the page and try again."
    if not hmac.compare_digest(header, expected):
        return "The page's security token is missing or expired: reload the page and try again."
    return None


def _csrf_cookie(settings: Settings):
    """Give every signed-in session a token, in the session and in a cookie dash-renderer reads
    (so not HttpOnly; SameSite=Strict so no other site's request carries it)."""

    def add(response: Response) -> Response:
        # Flask-Login's key in the signed session: no database read here (static files included);
        # a session whose account was disabled gets a token, but the gate's policy refuses it.
        if "_user_id" not in session:
            return response
        token = _session_token()
        if token is None:
            token = secrets.token_urlsafe(32)
            session[_CSRF_SESSION_KEY] = token
        if request.cookies.get(CSRF_COOKIE) != token:
            response.set_cookie(
                CSRF_COOKIE, token, samesite="Strict", secure=settings.https, httponly=False, path="/"
            )
        return response

    return add


_WILDCARD = ("[wildcard]", "")


def _pairs(items) -> list[tuple[str, str]] | None:
    """(id, property) of each item, ids of pattern-matching callbacks as their sorted keys; an
    ALL/ALLSMALLER group (a list of items, possibly empty) as one wildcard pair."""
    if not isinstance(items, list):
        return None
    pairs = []
    for item in items:
        if isinstance(item, list):
            if _pairs(item) is None or not all(isinstance(i.get("id"), dict) for i in item):
                return None
            pairs.append(_WILDCARD)
            continue
        if not isinstance(item, dict) or not isinstance(item.get("property"), str):
            return None
        component = item.get("id")
        if isinstance(component, dict):
            component = "{" + ",".join(sorted(map(str, component))) + "}"
        elif not isinstance(component, str):
            return None
        pairs.append((component, item["property"]))
    return pairs


def _declared_pair(item) -> tuple[str, str]:
    component = item["id"]
    if isinstance(component, str) and component.startswith("{"):
        component = json.loads(component)  # Dash keeps pattern-matching ids as JSON
    if isinstance(component, dict):
        if any(isinstance(v, list) and v and v[0] in ("ALL", "ALLSMALLER") for v in component.values()):
            return _WILDCARD
        return "{" + ",".join(sorted(component)) + "}", item["property"]
    return component, item["property"]


def _declared(items) -> list[tuple[str, str]]:
    return [_declared_pair(i) for i in items]


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
        if request.path in ("/login", "/logout", "/account/password") or request.path.startswith(
            ("/internal", "/reporting", "/review", "/targets")
        ):
            headers["Cache-Control"] = "no-store"
        return response

    return add


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
    return Response(
        f'<!DOCTYPE html><html lang="en"><head><title>Error</title></head><body><main>'
        f"<h1>Error</h1><p>{message}</p></main></body></html>",
        status=500,
        mimetype="text/html",
    )
