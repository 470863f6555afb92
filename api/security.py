"""The guards around every route: the gate in front of Dash's callbacks, security headers with a
Content-Security-Policy built from Dash's own script hashes, cookie and size limits, generic error
pages, and how long the server worked (Server-Timing).

The gate enforces the policies the callbacks declare (callbacks/_policy.py); app.py hands it that
registry, so that the API and the callbacks never import each other."""

from __future__ import annotations

import ipaddress
import logging
import time
from datetime import datetime, timezone
from typing import Protocol

import dash
from flask import Flask, Response, g, jsonify, request
from limits import parse
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from aim.auth import Policy, allows
from aim.config import Settings
from aim.services import users
from api.accounts import limiter
from web.context import client_address, current_principal, runtime

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"


class CallbackPolicies(Protocol):
    """Who may call each Dash callback, as declared beside the callbacks (callbacks/_policy.py)."""

    def policy_for(self, output: str) -> Policy | None: ...

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
    server.register_error_handler(HTTPException, _http_error)
    server.register_error_handler(Exception, _server_error)


#: The longest detail a refusal row carries; request-derived text beyond it is cut.
DETAIL_MAX = 300
#: A summary row is written when the refusals over the limit in a window reach one of these.
_SUMMARY_AT = (1, 10, 100, 1_000, 10_000, 100_000, 1_000_000)


def refusal_key() -> str:
    """Whom refusals are counted against: the client address, or for IPv6 its /64 network (one
    client owns a whole /64, so counting its addresses apart would be no limit at all)."""
    address = client_address()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def bounded(text: str, limit: int = 120) -> str:
    """Request-derived text for a log row: at most `limit` characters, saying how long it was."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _refuse(status: int, message: str, detail: str):
    """Refuse a request. A 403 is recorded in the audit log, but only so many per client and
    window (AIM_REFUSAL_LIMIT_PER_ADDRESS): beyond that the client gets 429 and its refusals are
    counted, with a summary row when the count reaches 1, 10, 100... so that a flood of forged
    requests cannot fill the append-only log."""
    if status != 403:
        return jsonify({"error": message}), status
    limit = parse(runtime().settings.refusal_limit_per_address)
    key = refusal_key()
    principal = current_principal()
    if limiter.limiter.hit(limit, "aim-refusals", key):
        row = detail[:DETAIL_MAX]
        status_code, headers = 403, {}
    else:
        window = limit.get_expiry()
        start = int(time.time()) // window * window
        over = limiter.storage.incr(f"aim-refusals-over/{key}/{start}", window)
        row = None
        if over in _SUMMARY_AT:
            since = datetime.fromtimestamp(start, timezone.utc).strftime("%H:%M:%S")
            row = (
                f"{over} refused request(s) from {key} over the limit of {limit} in the window from "
                f"{since} UTC; answered 429 and not recorded one by one (the first was: {detail})"
            )[:DETAIL_MAX]
        reset = limiter.limiter.get_window_stats(limit, "aim-refusals", key).reset_time
        status_code = 429
        message = "Too many refused requests from your address. Wait a minute, then try again."
        headers = {"Retry-After": str(max(1, min(window, int(reset - time.time()) + 1)))}
    if row is not None:
        with runtime().database.write() as db:
            users.record(
                db,
                "denied",
                user_id=principal.user_id,
                email=principal.email or "",
                client_address=client_address(),
                detail=row,
            )
    return jsonify({"error": message}), status_code, headers


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
            return _refuse(403, "No such callback.", f"undeclared callback {bounded(output)}")
        if not allows(policy, current_principal()):
            return _refuse(403, "Not allowed.", f"callback {bounded(output)} refused to this user")
        problem = _shape_problem(body, app.callback_map.get(output))
        if problem:
            return jsonify({"error": f"The request does not match the callback: {problem}."}), 400
        return None

    return gate


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
        if request.path in ("/login", "/logout", "/account/password") or request.path.startswith("/internal"):
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
